/**
 * A small, deterministic shop for end-to-end tests: customers with a few
 * orders each, Online Retail's columns. Tests change single rows to make
 * them hostile.
 */
export const SHOP_HEADER = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];

/** Rows of a shop with `customers` customers (ids c001…), deterministic. */
export function shopRows(customers = 40, seed = 1): string[][] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const rows: string[][] = [];
  let invoice = 500000;
  for (let c = 0; c < customers; c += 1) {
    const id = `c${String(c + 1).padStart(3, '0')}`;
    const orders = 1 + Math.floor(next() * (c % 4 === 0 ? 12 : 3));
    const big = c % 7 === 0;
    for (let o = 0; o < orders; o += 1) {
      invoice += 1;
      const day = 1 + Math.floor(next() * 360);
      const date = new Date(Date.UTC(2011, 0, day, 9 + (o % 8), 0, 0)).toISOString().slice(0, 19).replace('T', ' ');
      const lines = 1 + Math.floor(next() * 4);
      for (let l = 0; l < lines; l += 1) {
        const qty = (big ? 24 : 1) * (1 + Math.floor(next() * 6));
        const price = (0.5 + Math.floor(next() * 100) / 10).toFixed(2);
        rows.push([String(invoice), `P${100 + Math.floor(next() * 50)}`, `PRODUCT ${l}`, String(qty), date, price, id, c % 3 === 0 ? 'Germany' : 'United Kingdom']);
      }
    }
  }
  return rows;
}

/** Joins rows as CSV text with a delimiter and line ending; fields containing specials are quoted. */
export function toCsv(header: string[], rows: string[][], options: { delimiter?: string; eol?: string; bom?: boolean } = {}): string {
  const { delimiter = ',', eol = '\n', bom = false } = options;
  const field = (v: string) => (/["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replaceAll('"', '""')}"` : v);
  const text = [header, ...rows].map((r) => r.map(field).join(delimiter)).join(eol) + eol;
  return (bom ? '\ufeff' : '') + text;
}
