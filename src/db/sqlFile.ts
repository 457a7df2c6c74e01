import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sqlRoot = fileURLToPath(new URL('../sql/', import.meta.url));
const cache = new Map<string, string>();

/**
 * Loads a model's SQL from `src/sql/<layer>/<table>.sql`. Each file creates
 * the table it is named after and takes its settings as `$named` parameters.
 */
export function sqlFile(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(`${sqlRoot}${name}.sql`, 'utf8');
    cache.set(name, text);
  }
  return text;
}
