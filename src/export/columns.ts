/**
 * The columns of an audience file. Exports carry only what is asked for
 * (data minimisation): by default the customer id and its segment, nothing
 * about behaviour or country.
 */
import { InputError, show } from '../errors.ts';

/** Columns when `--columns` is not given. */
export const DEFAULT_COLUMNS = ['customer_id', 'segment_id', 'segment_name'] as const;

/** The column that says which audience a customer was put in. */
export const AUDIENCE_COLUMN = 'audience';

/** The key column; always first in the file (holding the pseudonym under `--pseudonymize`). */
export const ID_COLUMN = 'customer_id';

/**
 * The columns to write, `customer_id` first.
 *
 * Without `--columns`: {@link DEFAULT_COLUMNS}, plus `audience` when two or
 * more audiences are exported together (with one, it would say the same on
 * every row). With `--columns`: exactly those (names matched ignoring case,
 * repeats dropped), with `customer_id` moved to, or added at, the front.
 *
 * @param requested the `--columns` text, comma-separated
 * @param available the columns of the run's customer table
 * @param audiences how many audience filters the export has
 * @throws {InputError} naming an unknown column and listing the valid ones.
 */
export function resolveColumns(requested: string | undefined, available: readonly string[], audiences: number): string[] {
  if (requested === undefined) {
    const columns: string[] = [...DEFAULT_COLUMNS];
    for (const column of columns) {
      if (!available.includes(column)) throw new InputError(`the run's customers.parquet has no ${column} column; is it a segmenta run?`);
    }
    if (audiences >= 2) columns.push(AUDIENCE_COLUMN);
    return columns;
  }
  const valid = audiences > 0 ? [...available, AUDIENCE_COLUMN] : [...available];
  const byLowerName = new Map(valid.map((c) => [c.toLowerCase(), c]));
  const out: string[] = [];
  for (const part of requested.split(',')) {
    const name = part.trim();
    if (name === '') throw new InputError(`--columns ${show(requested)}: empty column name; expected a comma-separated list of: ${valid.join(', ')}`);
    const column = byLowerName.get(name.toLowerCase());
    if (column === undefined) {
      const hint = name.toLowerCase() === AUDIENCE_COLUMN ? ' (audience needs --segment, --rfm-segment or --lifecycle)' : '';
      throw new InputError(`--columns: unknown column ${show(name)}${hint}; expected a comma-separated list of: ${valid.join(', ')}`);
    }
    if (!out.includes(column)) out.push(column);
  }
  if (!available.includes(ID_COLUMN)) throw new InputError(`the run's customers.parquet has no ${ID_COLUMN} column; is it a segmenta run?`);
  return [ID_COLUMN, ...out.filter((c) => c !== ID_COLUMN)];
}
