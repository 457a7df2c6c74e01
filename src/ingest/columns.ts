import { InputError, show } from '../errors.ts';

/** The canonical input columns (see CONTRACT.md). */
export const CANONICAL_COLUMNS = [
  'customer_id',
  'order_id',
  'order_date',
  'quantity',
  'unit_price',
  'amount',
  'product_id',
  'description',
  'country',
  'channel',
  'currency',
] as const;
export type CanonicalColumn = (typeof CANONICAL_COLUMNS)[number];

/**
 * Source names recognised without `--map`, compared case-insensitively with
 * spaces, dashes, dots and underscores removed. Earlier names win when a file
 * has several candidates. German ERP exports are common among our users, so
 * their usual headers are here too.
 */
export const COLUMN_SYNONYMS: Record<CanonicalColumn, readonly string[]> = {
  customer_id: ['customerid', 'customer', 'customerno', 'customernumber', 'clientid', 'client', 'userid', 'kundennummer', 'kundenid', 'kundennr', 'kdnr', 'kunde'],
  order_id: ['orderid', 'invoiceno', 'invoice', 'invoicenumber', 'invoiceid', 'orderno', 'ordernumber', 'order', 'transactionid', 'belegnummer', 'belegnr', 'auftragsnummer', 'rechnungsnummer', 'bestellnummer'],
  order_date: ['orderdate', 'invoicedate', 'purchasedate', 'transactiondate', 'date', 'datetime', 'timestamp', 'bestelldatum', 'rechnungsdatum', 'belegdatum', 'datum'],
  quantity: ['quantity', 'qty', 'units', 'menge', 'anzahl', 'stueck'],
  unit_price: ['unitprice', 'price', 'priceperunit', 'einzelpreis', 'preis', 'stueckpreis'],
  amount: ['amount', 'linetotal', 'total', 'totalprice', 'sales', 'revenue', 'value', 'netamount', 'umsatz', 'betrag', 'gesamtpreis'],
  product_id: ['productid', 'stockcode', 'sku', 'itemid', 'product', 'productcode', 'articleid', 'artikelnummer', 'artikelnr', 'artikel'],
  description: ['description', 'productname', 'itemname', 'beschreibung', 'bezeichnung', 'artikelbezeichnung'],
  country: ['country', 'countrycode', 'land'],
  channel: ['channel', 'saleschannel', 'kanal', 'vertriebskanal'],
  currency: ['currency', 'currencycode', 'waehrung', 'währung'],
};

const REQUIRED: readonly CanonicalColumn[] = ['customer_id', 'order_date'];

/** Canonical column → the source column it is read from. */
export type ColumnMapping = Partial<Record<CanonicalColumn, string>>;

/** A column name as synonyms are compared: lower case, without spaces, `_`, `-` and `.`. */
export function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, '');
}

/**
 * Parses `--map a=B,c=D` into canonical → source pairs, checking the canonical
 * names. Source names may contain anything but `,` and `=`. Another file's
 * columns (the customer master's `--map-customers`) pass their own canonical
 * names and flag.
 */
export function parseColumnMap(spec: string | undefined): ColumnMapping;
export function parseColumnMap<C extends string>(spec: string | undefined, canonicalColumns: readonly C[], flag: string): Partial<Record<C, string>>;
export function parseColumnMap(
  spec: string | undefined,
  canonicalColumns: readonly string[] = CANONICAL_COLUMNS,
  flag = '--map',
): Record<string, string> {
  const mapping: Record<string, string> = {};
  if (!spec) return mapping;
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) {
      throw new InputError(`${flag}: expected canonical=Source pairs separated by commas, got ${show(part)}`);
    }
    const canonical = part.slice(0, eq).trim();
    const source = part.slice(eq + 1).trim();
    if (!canonicalColumns.includes(canonical)) {
      throw new InputError(`${flag}: unknown column ${show(canonical)}, expected one of ${canonicalColumns.join(', ')}`);
    }
    mapping[canonical] = source;
  }
  return mapping;
}

/**
 * Resolves every canonical column to a source column: `--map` first, then the
 * synonyms. Throws naming the file, the missing column and the columns found.
 */
export function resolveColumns(file: string, sourceColumns: readonly string[], explicit: ColumnMapping): ColumnMapping {
  const mapping: ColumnMapping = {};
  const used = new Set<string>();
  for (const [canonical, source] of Object.entries(explicit) as [CanonicalColumn, string][]) {
    const found = sourceColumns.find((c) => c === source) ?? sourceColumns.find((c) => c.toLowerCase() === source.toLowerCase());
    if (found === undefined) {
      throw new InputError(
        `${file}: --map ${canonical}=${source}: no column ${show(source)} (columns found: ${sourceColumns.join(', ')})`,
      );
    }
    mapping[canonical] = found;
    used.add(found);
  }
  const byNormalised = new Map<string, string>();
  for (const column of sourceColumns) {
    const key = normalise(column);
    if (!byNormalised.has(key)) byNormalised.set(key, column);
  }
  for (const canonical of CANONICAL_COLUMNS) {
    if (mapping[canonical] !== undefined) continue;
    for (const candidate of [normalise(canonical), ...COLUMN_SYNONYMS[canonical]]) {
      const source = byNormalised.get(candidate);
      if (source !== undefined && !used.has(source)) {
        mapping[canonical] = source;
        used.add(source);
        break;
      }
    }
  }
  for (const canonical of REQUIRED) {
    if (mapping[canonical] === undefined) {
      throw new InputError(
        `${file}: required column ${canonical} not found (columns found: ${sourceColumns.join(', ')}); name it with --map ${canonical}=<column>`,
      );
    }
  }
  if (mapping.unit_price === undefined && mapping.amount === undefined) {
    throw new InputError(
      `${file}: a price column is required, unit_price or amount, neither found (columns found: ${sourceColumns.join(', ')}); name it with --map unit_price=<column> or --map amount=<column>`,
    );
  }
  return mapping;
}
