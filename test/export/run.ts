/**
 * Runs the `segmenta` CLI in this process through `main` (the same code path
 * as the bin script, minus the process start-up of a few seconds), and reads
 * exported files back with DuckDB.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tableFromIPC } from 'apache-arrow';
import { main } from '../../src/cli/main.ts';
import { withDatabase } from '../../src/db/database.ts';
import { queryRows } from '../../src/db/query.ts';
import type { CliResult } from '../helpers/cli.ts';

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/**
 * `segmenta ...args` in this process. `env` is set on `process.env` for the
 * call only (the pseudonym key is read from there).
 */
export async function runMain(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const out = collector();
  const err = collector();
  try {
    const code = await main(args, { stdout: out.stream, stderr: err.stream });
    return { code, stdout: out.text(), stderr: err.text() };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Parses a CSV file with DuckDB (RFC 4180, every value as text), in file order. */
export async function readCsvRows(path: string): Promise<Record<string, string | null>[]> {
  return withDatabase({}, ({ connection }) =>
    queryRows<Record<string, string | null>>(
      connection,
      `SELECT * FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`,
      { path },
    ),
  );
}

/** Reads a Parquet or JSON file with DuckDB, an Arrow IPC file with apache-arrow. */
export async function readRows(path: string, format: 'parquet' | 'json' | 'arrow'): Promise<Record<string, unknown>[]> {
  if (format === 'arrow') return tableFromIPC(readFileSync(path)).toArray().map((row) => ({ ...row.toJSON() }));
  return withDatabase({}, ({ connection }) =>
    queryRows(connection, format === 'parquet' ? 'SELECT * FROM read_parquet($path)' : 'SELECT * FROM read_json($path)', { path }),
  );
}

/** The manifest beside an export. */
export function readManifest(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Leftover temporary files (`.name.tmp-…`) in a directory. */
export function temporaryFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.includes('.tmp-'));
}
