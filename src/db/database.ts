import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { InputError } from '../errors.ts';

/** Where DuckDB may spill and how much memory it may take. */
export interface DatabaseOptions {
  /** Database file; in-memory when omitted. */
  path?: string;
  /** DuckDB memory limit, e.g. `4GB` (default: DuckDB's own, 80% of RAM). */
  memoryLimit?: string;
  /** Directory for spilling larger-than-memory work. */
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
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  if (options.tempDirectory) config.temp_directory = options.tempDirectory;
  if (options.threads) config.threads = String(options.threads);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw new InputError(`cannot open the database${options.path ? ` ${options.path}` : ''}: ${message}`, { cause: error });
  }
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
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
