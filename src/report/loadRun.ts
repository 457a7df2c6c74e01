/**
 * Reads what the analyst report needs from a run directory: the two JSON
 * documents as they are, and a few small aggregates of the customer table.
 *
 * The customer table can have millions of rows, so it never comes into
 * JavaScript whole: DuckDB computes the RFM grid, the lifecycle counts and a
 * bounded sample for the map, and only those (a few thousand numbers) are
 * returned.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { InputError, show } from '../errors.ts';
import type { DataQuality, RowCounts, RunManifest } from '../publish/manifest.ts';
import type { SegmentProfile, SegmentsDocument } from '../segments/types.ts';

/** Most customers drawn on the PCA map: more only adds overplotting and file size. */
export const MAP_SAMPLE_LIMIT = 3000;

/**
 * One segment as the report reads it. Only `id`, `name` and `size` are
 * required: runs written by older versions may lack any other field, and the
 * report renders whatever is there.
 */
export interface ReportSegment extends Partial<Omit<SegmentProfile, 'id' | 'name' | 'size'>> {
  id: number;
  name: string;
  size: number;
  /** The centroid's first two principal-component coordinates, when the run wrote them. */
  pc?: [number, number];
}

/** `segments.json` as the report reads it: everything but the segments list is optional. */
export interface ReportSegments extends Partial<Omit<SegmentsDocument, 'segments' | 'quality' | 'k_choice'>> {
  quality?: Partial<SegmentsDocument['quality']>;
  k_choice?: Partial<SegmentsDocument['k_choice']>;
  segments: ReportSegment[];
}

/** `manifest.json` as the report reads it: every field optional, so older runs still render. */
export interface ReportManifest
  extends Partial<Omit<RunManifest, 'input' | 'rows' | 'data_quality' | 'versions'>> {
  input?: Partial<RunManifest['input']>;
  rows?: Partial<RowCounts>;
  data_quality?: Partial<DataQuality>;
  versions?: Partial<RunManifest['versions']>;
}

/** Customers in one cell of the RFM grid. */
export interface RfmCell {
  /** Recency score, 1–5 (5 = most recent). */
  r: number;
  /** Frequency score, 1–5 (5 = most frequent). */
  f: number;
  customers: number;
}

/** Customers of one segment in one lifecycle stage. */
export interface LifecycleCount {
  segment_id: number;
  stage: string;
  customers: number;
}

/** One customer on the PCA map. */
export interface MapPoint {
  pc1: number;
  pc2: number;
  segment_id: number;
}

/** Aggregates of the customer table; each is empty when the table lacks its columns. */
export interface CustomerAggregates {
  /** The file the aggregates were read from, or null when the run has no customer table. */
  source: string | null;
  /** Customers in the table (0 when there is none). */
  customers: number;
  rfmGrid: RfmCell[];
  lifecycle: LifecycleCount[];
  /** Deterministic sample of at most {@link MAP_SAMPLE_LIMIT} customers with finite pc1/pc2. */
  mapSample: MapPoint[];
}

/** Everything {@link renderReport} needs, read from one run directory. */
export interface ReportInput {
  runDir: string;
  segments: ReportSegments;
  manifest: ReportManifest;
  customers: CustomerAggregates;
}

/**
 * Reads a run directory for the report.
 *
 * @param runDir - directory holding `segments.json`, `manifest.json` and `customers.parquet` (or `customers.csv`).
 * @throws InputError when `segments.json` or `manifest.json` is missing, not JSON, or has no usable segments.
 */
export async function loadReportInput(runDir: string): Promise<ReportInput> {
  const segments = await loadReportSegments(runDir);
  const manifest = await loadReportManifest(runDir);
  const customers = await readCustomerAggregates(runDir, reportSeed(manifest));
  return { runDir, segments, manifest, customers };
}

/**
 * Reads and checks a run's `segments.json`.
 *
 * @throws InputError when it is missing, not JSON, or has no usable segments.
 */
export async function loadReportSegments(runDir: string): Promise<ReportSegments> {
  return validateSegments(await readJson(join(runDir, 'segments.json')));
}

/**
 * Reads a run's `manifest.json`.
 *
 * @throws InputError when it is missing, not JSON or not an object.
 */
export async function loadReportManifest(runDir: string): Promise<ReportManifest> {
  return validateManifest(await readJson(join(runDir, 'manifest.json')));
}

/** The seed of the map sample: the manifest's, 0 when it has none. */
export function reportSeed(manifest: Pick<ReportManifest, 'seed'>): number {
  return typeof manifest.seed === 'number' ? manifest.seed : 0;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${show(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${show(path)} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks only what the report cannot do without; everything else is rendered when present. */
function validateSegments(value: unknown): ReportSegments {
  if (!isObject(value) || !Array.isArray(value.segments)) {
    throw new InputError('segments.json: expected an object with a "segments" array');
  }
  value.segments.forEach((segment, i) => {
    if (!isObject(segment) || typeof segment.id !== 'number' || typeof segment.name !== 'string' || typeof segment.size !== 'number') {
      throw new InputError(`segments.json: segments[${i}] needs a numeric "id", a string "name" and a numeric "size"`);
    }
  });
  if (value.segments.length === 0) throw new InputError('segments.json: "segments" is empty');
  // Ids key the colours, the cards' anchors and the customer table's segment_id.
  const ids = value.segments.map((segment) => (segment as { id: number }).id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new InputError(`segments.json: segment id ${duplicate} appears more than once`);
  return value as unknown as ReportSegments;
}

function validateManifest(value: unknown): ReportManifest {
  if (!isObject(value)) throw new InputError('manifest.json: expected an object');
  return value as ReportManifest;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Aggregates the customer table of `runDir` with a fresh in-memory DuckDB
 * (`seed` orders the map sample). Parquet is
 * preferred (typed, fast); the CSV twin is the fallback for runs copied
 * without it. The path is always a statement parameter, so a run directory
 * with quotes in its name cannot change the SQL.
 */
export async function readCustomerAggregates(runDir: string, seed: number): Promise<CustomerAggregates> {
  const parquet = join(runDir, 'customers.parquet');
  const csv = join(runDir, 'customers.csv');
  let source: string;
  let from: string;
  // The reader is one of two fixed SQL fragments; only the path varies, as $path.
  if (await exists(parquet)) {
    source = parquet;
    from = 'read_parquet($path)';
  } else if (await exists(csv)) {
    source = csv;
    from = 'read_csv($path, header = true)';
  } else {
    return { source: null, customers: 0, rfmGrid: [], lifecycle: [], mapSample: [] };
  }

  const instance = await DuckDBInstance.create(':memory:', {
    // Bundled extensions only: the report must build offline.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
  });
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    const rows = async <T>(sql: string, params: Record<string, DuckDBValue> = {}): Promise<T[]> => {
      try {
        const reader = await connection!.runAndReadAll(sql, { path: source, ...params });
        return reader.getRowObjectsJS() as T[];
      } catch (error) {
        const message = (error as Error).message.split('\n')[0];
        throw new InputError(`cannot read ${show(source)}: ${message}`, { cause: error });
      }
    };

    const columns = new Set((await rows<{ column_name: string }>(`DESCRIBE SELECT * FROM ${from}`)).map((r) => r.column_name));
    const has = (...names: string[]) => names.every((name) => columns.has(name));

    const [{ n }] = await rows<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${from}`);

    const rfmGrid = has('rfm_r', 'rfm_f')
      ? await rows<RfmCell>(
          `SELECT rfm_r::INTEGER AS r, rfm_f::INTEGER AS f, count(*)::INTEGER AS customers
           FROM ${from}
           WHERE rfm_r IS NOT NULL AND rfm_f IS NOT NULL
           GROUP BY ALL ORDER BY r, f`,
        )
      : [];

    const lifecycle = has('segment_id', 'lifecycle_stage')
      ? await rows<LifecycleCount>(
          `SELECT segment_id::INTEGER AS segment_id, lifecycle_stage::VARCHAR AS stage, count(*)::INTEGER AS customers
           FROM ${from}
           WHERE segment_id IS NOT NULL AND lifecycle_stage IS NOT NULL
           GROUP BY ALL ORDER BY segment_id, stage`,
        )
      : [];

    // Ordering by a seeded hash of the id gives a sample that is stable across
    // runs of the same data and spread over all segments, unlike LIMIT alone
    // (which would take the first rows of the file). customer_id breaks the
    // (practically impossible) hash ties so the order is total.
    const mapSample = has('customer_id', 'segment_id', 'pc1', 'pc2')
      ? await rows<MapPoint>(
          `SELECT pc1::DOUBLE AS pc1, pc2::DOUBLE AS pc2, segment_id::INTEGER AS segment_id
           FROM ${from}
           WHERE segment_id IS NOT NULL AND isfinite(pc1::DOUBLE) AND isfinite(pc2::DOUBLE)
           ORDER BY hash(customer_id::VARCHAR, $seed), customer_id::VARCHAR
           LIMIT $limit`,
          { seed, limit: MAP_SAMPLE_LIMIT },
        )
      : [];

    return { source, customers: n, rfmGrid, lifecycle, mapSample };
  } finally {
    connection?.closeSync();
    instance.closeSync();
  }
}
