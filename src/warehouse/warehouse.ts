/**
 * The history warehouse: a DuckDB file (`--warehouse`, default
 * `data/warehouse.duckdb`) every published refresh appends to — the run,
 * every segment's size and revenue, every feature's drift — so segment
 * growth can be plotted over any number of nights, by the report or by any
 * tool that reads DuckDB.
 *
 * The file is attached to the run's in-memory database under the alias
 * `warehouse`, so rows move with plain SQL and the run's writes share one
 * transaction: the caller commits only after the run directory is published.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryValue } from '../db/query.ts';
import { quoteLiteral } from '../db/quote.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { InputError, LockedError, show } from '../errors.ts';

/** The alias the warehouse file is attached under (the SQL files name it). */
export const WAREHOUSE_ALIAS = 'warehouse';

/** Tables of the warehouse, each created by `src/sql/warehouse/<table>.sql`. */
export const WAREHOUSE_TABLES = ['runs', 'segment_sizes', 'feature_drift'] as const;

/** One run as the warehouse records it. */
export interface RunRecord {
  /** The output the run was published to (absolute path): the history of one output. */
  pipeline: string;
  as_of: string;
  command: string;
  retrained: boolean | null;
  model_as_of: string | null;
  customers: number;
  k: number;
  input_sha256: string | null;
  max_psi: number | null;
  max_centroid_shift: number | null;
  moved: number | null;
  /** ISO timestamp. */
  published_at: string | null;
  segmenta_version: string | null;
}

/** One segment of a run. */
export interface SegmentRecord {
  segment_id: number;
  segment: string;
  customers: number;
  share: number;
  revenue: number;
  revenue_share: number;
}

/**
 * Attaches the warehouse file (created when missing) and its tables. Another
 * process writing to the same file holds DuckDB's file lock for the few
 * seconds of its publish; attaching retries until `waitMs` has passed.
 *
 * @param path - the file, or `:memory:` (tests).
 * @throws LockedError (exit 3) when the file stays locked; InputError when it is not a DuckDB file.
 */
export async function attachWarehouse(connection: DuckDBConnection, path: string, options: { waitMs?: number } = {}): Promise<void> {
  const waitMs = options.waitMs ?? 30_000;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      // ATTACH takes no parameters: the path goes through the literal quoting of src/db/quote.ts.
      await connection.run(`ATTACH ${quoteLiteral(path)} AS ${WAREHOUSE_ALIAS}`);
      break;
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      if (!/lock/i.test(message)) throw new InputError(`--warehouse ${show(path)}: cannot open it as a DuckDB database: ${message}`, { cause: error });
      if (Date.now() - started >= waitMs) throw new LockedError(`--warehouse ${show(path)}: another process holds the warehouse (${message})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  for (const table of WAREHOUSE_TABLES) await connection.run(sqlFile(`warehouse/${table}`));
}

/** Detaches the warehouse (releases the file lock). */
export async function detachWarehouse(connection: DuckDBConnection): Promise<void> {
  await connection.run(`DETACH ${WAREHOUSE_ALIAS}`);
}

/** True when the warehouse already holds the run of `pipeline` as of `asOf`. */
export async function hasRun(connection: DuckDBConnection, pipeline: string, asOf: string): Promise<boolean> {
  const n = await queryValue<number>(connection, 'SELECT count(*)::INTEGER FROM warehouse.runs WHERE pipeline = $pipeline AND as_of = $as_of::DATE', {
    pipeline,
    as_of: asOf,
  });
  return n > 0;
}

/**
 * Records a run, replacing what a run of the same output and as-of date
 * recorded before (a re-run), so the warehouse holds one row per night
 * however often it ran. Run it inside the caller's transaction.
 */
export async function recordRun(
  connection: DuckDBConnection,
  run: RunRecord,
  segments: readonly SegmentRecord[],
  drift: ReadonlyArray<{ feature: string; psi: number }>,
): Promise<void> {
  const key = { pipeline: run.pipeline, as_of: run.as_of };
  for (const table of WAREHOUSE_TABLES) {
    await connection.run(`DELETE FROM warehouse.${table} WHERE pipeline = $pipeline AND as_of = $as_of::DATE`, key);
  }
  await connection.run(
    `INSERT INTO warehouse.runs VALUES (
       $pipeline, $as_of::DATE, $command, $retrained, $model_as_of::DATE, $customers, $k, $input_sha256,
       $max_psi, $max_centroid_shift, $moved, $published_at::TIMESTAMP, $segmenta_version)`,
    { ...run },
  );
  for (const s of segments) {
    await connection.run(
      `INSERT INTO warehouse.segment_sizes VALUES ($pipeline, $as_of::DATE, $segment_id, $segment, $customers, $share, $revenue, $revenue_share)`,
      { ...key, ...s },
    );
  }
  for (const d of drift) {
    await connection.run('INSERT INTO warehouse.feature_drift VALUES ($pipeline, $as_of::DATE, $feature, $psi)', { ...key, feature: d.feature, psi: d.psi });
  }
}

/**
 * Fills the temporary table `segment_history` with every segment of every
 * run of `pipeline` up to `asOf`, oldest first (the run's history.csv).
 */
export async function loadSegmentHistory(connection: DuckDBConnection, pipeline: string, asOf: string): Promise<void> {
  await connection.run(sqlFile('warehouse/segment_history'), { pipeline, as_of: asOf });
}
