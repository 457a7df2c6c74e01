/**
 * Pseudonymous customer ids: HMAC-SHA256 of the id, keyed by a secret from the
 * environment, as lower-case hex.
 *
 * Keyed, not a plain hash: customer ids are short and often sequential, so
 * sha256("17850") is undone by hashing every number up to a million. Without
 * the key nobody can do that; with the same key the pseudonym is the same in
 * every export, so campaign results can be joined back, and a CRM that holds
 * the key can compute it from its own ids:
 * `HMAC-SHA256(key = UTF-8 bytes of SEGMENTA_PSEUDONYM_KEY, message = UTF-8 bytes of customer_id)`.
 */
import { createHmac } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTableFromColumns } from '../db/append.ts';
import { readTextColumn } from '../db/columns.ts';
import { InputError } from '../errors.ts';

/** The environment variable that holds the key. */
export const PSEUDONYM_KEY_ENV = 'SEGMENTA_PSEUDONYM_KEY';

/** Keys shorter than this (in bytes) are accepted with a warning: a guessable key undoes the pseudonyms. */
export const RECOMMENDED_KEY_BYTES = 32;

/** The key, and a warning when it is short. */
export interface PseudonymKey {
  key: Buffer;
  warning?: string;
}

/**
 * Reads the key from {@link PSEUDONYM_KEY_ENV}.
 *
 * @throws {InputError} when the variable is unset, empty or only whitespace.
 */
export function readPseudonymKey(env: NodeJS.ProcessEnv = process.env): PseudonymKey {
  const text = env[PSEUDONYM_KEY_ENV];
  if (text === undefined || text.trim() === '') {
    throw new InputError(`--pseudonymize needs a secret key in the environment variable ${PSEUDONYM_KEY_ENV}; it is not set`);
  }
  const key = Buffer.from(text, 'utf8');
  const warning =
    key.length < RECOMMENDED_KEY_BYTES
      ? `${PSEUDONYM_KEY_ENV} is ${key.length} bytes; use at least ${RECOMMENDED_KEY_BYTES} random bytes (e.g. openssl rand -hex 32) so the pseudonyms cannot be undone by guessing the key`
      : undefined;
  return { key, warning };
}

/** The pseudonym of one id: HMAC-SHA256 as 64 lower-case hex digits. */
export function pseudonymize(id: string, key: Buffer): string {
  return createHmac('sha256', key).update(id, 'utf8').digest('hex');
}

/**
 * A short fingerprint of the key for the export manifest: two exports with
 * the same fingerprint have joinable pseudonyms. It reveals no more about the
 * key than any pseudonym in the file does.
 */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('segmenta.pseudonym-key-fingerprint', 'utf8').digest('hex').slice(0, 16);
}

/**
 * Creates `table` (customer_id, pseudonym) for the distinct ids `idQuery`
 * returns. The HMAC runs in the process (DuckDB has none); the ids travel in
 * and out column-wise, never as row objects.
 */
export async function createPseudonymTable(connection: DuckDBConnection, table: string, idQuery: string, key: Buffer): Promise<number> {
  const ids = await readTextColumn(connection, idQuery);
  const pseudonyms = ids.map((id) => pseudonymize(id, key));
  await createTableFromColumns(connection, table, [
    { name: 'customer_id', type: 'VARCHAR', values: ids },
    { name: 'pseudonym', type: 'VARCHAR', values: pseudonyms },
  ]);
  return ids.length;
}
