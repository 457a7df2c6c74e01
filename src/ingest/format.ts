import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { InputError, show } from '../errors.ts';

/** The input formats segmenta reads. */
export type InputFormat = 'csv' | 'parquet' | 'json';

/**
 * Decides the format from the file name (and the gzip/parquet magic bytes),
 * after checking that the path is a readable, non-empty file. `flag` names
 * the option the path came from in error messages (`--input`, `--customers`).
 */
export function detectInputFormat(path: string, flag = '--input'): InputFormat {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new InputError(`${flag} ${show(path)}: no such file`);
  }
  if (stats.isDirectory()) throw new InputError(`${flag} ${show(path)}: is a directory, expected a file (CSV, Parquet, JSON or NDJSON)`);
  if (!stats.isFile()) throw new InputError(`${flag} ${show(path)}: not a regular file`);
  if (stats.size === 0) throw new InputError(`${flag} ${show(path)}: the file is empty, expected a header and data rows`);

  const lower = path.toLowerCase().replace(/\.(gz|gzip|zst)$/, '');
  const magic = readMagic(path);
  if (magic.startsWith('PAR1')) return 'parquet';
  if (/\.(parquet|pq)$/.test(lower)) return 'parquet';
  if (/\.(json|ndjson|jsonl)$/.test(lower)) return 'json';
  if (/\.(csv|tsv|txt|tab|dat)$/.test(lower)) return 'csv';
  throw new InputError(
    `${flag} ${show(path)}: unsupported file type, expected .csv/.tsv/.txt (optionally .gz), .parquet, .json, .ndjson or .jsonl`,
  );
}

function readMagic(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4);
    readSync(fd, buffer, 0, 4, 0);
    return buffer.toString('latin1');
  } finally {
    closeSync(fd);
  }
}
