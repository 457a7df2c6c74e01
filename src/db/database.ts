import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { InputError } from '../errors.ts';

/**
 * DuckDB's memory limit when none is given. DuckDB's own default (80% of RAM)
 * lets a 10M-line run grow to many GB; with a limit it spills the rest to the
 * temporary directory instead, and smaller runs never reach it.
 */
export const DEFAULT_MEMORY_LIMIT = '1GB';

/** Name prefix of the spill directories segmenta gives DuckDB, followed by the owning process id. */
const TEMP_PREFIX = 'segmenta-duckdb-';

/**
 * Removes spill directories left by runs that were killed before they could
 * clean up (their process no longer exists): a 10M-line run can spill
 * gigabytes, and a scheduler that kills a run every night would fill the disk.
 */
export function removeStaleTempDirectories(directory: string = tmpdir()): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const match = /^segmenta-duckdb-(\d+)-/.exec(entry);
    if (!match || processExists(Number(match[1]))) continue;
    rmSync(join(directory, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where DuckDB may spill and how much memory it may take. */
export interface DatabaseOptions {
  /** Database file; in-memory when omitted. */
  path?: string;
  /** DuckDB memory limit, e.g. `4GB` (default: {@link DEFAULT_MEMORY_LIMIT}). */
  memoryLimit?: string;
  /** Directory for spilling larger-than-memory work (default for an in-memory database: a fresh directory under the OS temp directory, created on the first spill and removed on close). */
  tempDirectory?: string;
  /** Worker threads (default: all cores). */
  threads?: number;
}

/** An open DuckDB database with one connection; close it in `finally`. */
export interface Database {
  readonly connection: DuckDBConnection;
  close(): void;
}

export type SqlParams = Record<string, DuckDBValue> | DuckDBValue[];

/**
 * Opens DuckDB with bundled extensions only: nothing is ever downloaded at run
 * time, so an offline scheduler behaves like a developer's laptop.
 */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
  };
  config.memory_limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  // An in-memory database spills into a directory of its own (DuckDB's default
  // is `.tmp` in the working directory, which may not be writable). DuckDB
  // creates it on the first spill only, so runs that fit leave nothing behind.
  const ownTemp = options.tempDirectory === undefined && options.path === undefined ? join(tmpdir(), `${TEMP_PREFIX}${process.pid}-${randomUUID()}`) : undefined;
  if (ownTemp) removeStaleTempDirectories();
  const tempDirectory = options.tempDirectory ?? ownTemp;
  if (tempDirectory) config.temp_directory = tempDirectory;
  if (options.threads) config.threads = String(options.threads);
  const removeTemp = () => {
    if (ownTemp) rmSync(ownTemp, { recursive: true, force: true });
  };
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
  } catch (error) {
    removeTemp();
    const message = (error as Error).message.split('\n')[0];
    throw new InputError(`cannot open the database${options.path ? ` ${options.path}` : ''}: ${message}`, { cause: error });
  }
  const connection = await instance.connect();
  return {
    connection,
    close() {
      try {
        connection.closeSync();
        instance.closeSync();
      } finally {
        removeTemp();
      }
    },
  };
}

/** Runs `work` with a fresh database and always closes it. */
export async function withDatabase<T>(options: DatabaseOptions, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(options);
  try {
    return await work(db);
  } finally {
    db.close();
  }
}
