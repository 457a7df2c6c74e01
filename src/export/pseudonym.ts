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
import { DuckDBDataChunk, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier } from '../db/quote.ts';
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
 * Creates `table` (customer_id, pseudonym) for the ids `idQuery` returns
 * (distinct ids expected). The HMAC runs in the process with node:crypto;
 * ids stream through one DuckDB chunk (2,048 ids) at a time, so memory stays
 * flat however many customers the run has.
 *
 * @returns the number of ids pseudonymised
 */
export async function createPseudonymTable(connection: DuckDBConnection, table: string, idQuery: string, key: Buffer): Promise<number> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(table)} (customer_id VARCHAR, pseudonym VARCHAR)`);
  const result = await connection.run(idQuery);
  const appender = await connection.createAppender(table);
  let count = 0;
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const ids = chunk.getColumnVector(0);
      const rows = chunk.rowCount;
      const idValues: string[] = new Array(rows);
      const pseudonyms: string[] = new Array(rows);
      for (let i = 0; i < rows; i += 1) {
        idValues[i] = String(ids.getItem(i));
        pseudonyms[i] = pseudonymize(idValues[i], key);
      }
      const out = DuckDBDataChunk.create([VARCHAR, VARCHAR], rows);
      out.setColumnValues(0, idValues);
      out.setColumnValues(1, pseudonyms);
      appender.appendDataChunk(out);
      count += rows;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return count;
}
