/**
 * The one place where text becomes SQL. Values go in as prepared-statement
 * parameters wherever DuckDB accepts them; identifiers (column names from
 * headers and `--map`) and the few literals DuckDB cannot take as parameters
 * (`COPY … TO 'path'`) go through these quoting functions — never string
 * concatenation of user text.
 */

/** Quotes an identifier: `my "col"` → `"my ""col"""`. */
export function quoteIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new Error(`identifier contains a NUL character: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal: `it's` → `'it''s'`. Only for places that cannot take a parameter. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error(`literal contains a NUL character: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}
