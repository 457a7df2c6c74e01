/**
 * Rich output for notebook cells: the `display` global. Each call sends one
 * Jupyter `display_data` bundle with a plain-text fallback, so an executed
 * notebook reads sensibly in a terminal and in a diff as well as in a browser.
 */

/** A Jupyter MIME bundle: MIME type → content. */
export type MimeBundle = Record<string, unknown>;

/** The functions a cell calls to show something other than text. */
export interface Display {
  /** An HTML fragment. */
  html(html: string): void;
  /** An SVG image, e.g. one of the report's charts (`src/report/charts.ts`). */
  svg(svg: string): void;
  /** Markdown text. */
  markdown(markdown: string): void;
  /** Plain text. */
  text(text: string): void;
  /** A JSON value (shown as a tree where the front end can, as text otherwise). */
  json(value: unknown): void;
  /** Rows of objects as a table; `columns` picks and orders the columns (default: the keys of the first row). */
  table(rows: ReadonlyArray<Record<string, unknown>>, options?: { columns?: string[]; digits?: number }): void;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function cell(value: unknown, digits: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  if (typeof value === 'bigint') return String(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Builds the `display` functions around a sender of MIME bundles. */
export function createDisplay(send: (bundle: MimeBundle) => void): Display {
  return {
    html: (html) => send({ 'text/html': html, 'text/plain': '[HTML]' }),
    svg: (svg) => {
      // The accessible label, when the chart has one, is the best text stand-in.
      const label = /aria-label="([^"]*)"/.exec(svg)?.[1];
      send({ 'image/svg+xml': svg, 'text/plain': label ? `[chart: ${label}]` : '[SVG image]' });
    },
    markdown: (markdown) => send({ 'text/markdown': markdown, 'text/plain': markdown }),
    text: (text) => send({ 'text/plain': text }),
    json: (value) => send({ 'application/json': JSON.parse(JSON.stringify(value ?? null)), 'text/plain': JSON.stringify(value, null, 2) }),
    table: (rows, options = {}) => {
      const digits = options.digits ?? 3;
      const columns = options.columns ?? Object.keys(rows[0] ?? {});
      const cells = rows.map((row) => columns.map((c) => cell(row[c], digits)));
      const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
      const numeric = columns.map((c) => rows.every((row) => row[c] === null || row[c] === undefined || typeof row[c] === 'number'));
      const pad = (text: string, i: number) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
      const plain = [columns.map(pad).join('  '), ...cells.map((r) => r.map(pad).join('  '))].map((l) => l.trimEnd()).join('\n');
      const align = (i: number) => (numeric[i] ? ' style="text-align:right"' : '');
      const html =
        `<table><thead><tr>${columns.map((c, i) => `<th${align(i)}>${escape(c)}</th>`).join('')}</tr></thead><tbody>` +
        cells.map((r) => `<tr>${r.map((v, i) => `<td${align(i)}>${escape(v)}</td>`).join('')}</tr>`).join('') +
        '</tbody></table>';
      send({ 'text/html': html, 'text/plain': plain });
    },
  };
}
