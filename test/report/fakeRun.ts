/**
 * Builds a small, deterministic run directory for the report tests:
 * customers.parquet (and .csv) made with DuckDB from generate_series, and a
 * segments.json / manifest.json whose figures are computed from those same
 * customers, so every number in the report can be checked against the data.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RunManifest } from '../../src/publish/manifest.ts';
import type { KScanEntry, SegmentProfile, SegmentsDocument } from '../../src/segments/types.ts';

/** Default segment names, in id (revenue) order. */
export const DEFAULT_NAMES = ['Loyal high spenders', 'Regular mid-value buyers', 'New & promising', 'Lapsed one-timers'];

export const FEATURES = ['recency_days', 'frequency', 'revenue', 'avg_order_value', 'tenure_days', 'return_rate'] as const;

export interface FakeRunOptions {
  /** Segment names in id order (3–4 of them). */
  names?: string[];
  /** Customers to generate. */
  customers?: number;
  /**
   * Write the run the way an older version did: no pc / rfm / lifecycle
   * columns, no k_scan, quality, z, stability, pc, lifecycle, data_quality.
   */
  legacy?: boolean;
  /** Override the manifest's finished_at (the report's generated-at time). */
  finishedAt?: string;
  /** Directory to write into (a fresh temp directory otherwise). */
  dir?: string;
}

export interface FakeRun {
  dir: string;
  segments: SegmentsDocument;
  manifest: RunManifest;
}

/** Centre of each segment on the (pc1, pc2) plane. */
const CENTRES: Array<[number, number]> = [
  [2.4, 1.1],
  [0.4, -1.3],
  [-1.4, 1.6],
  [-2.3, -0.9],
];

interface CustomerRow {
  segment_id: number;
  lifecycle_stage: string | null;
  [feature: string]: number | string | null;
}

/** Creates the run directory and returns what was written. */
export async function createFakeRun(options: FakeRunOptions = {}): Promise<FakeRun> {
  const names = options.names ?? DEFAULT_NAMES;
  const k = names.length;
  if (k < 2 || k > 4) throw new Error('the fake run supports 2–4 segments');
  const n = options.customers ?? 400;
  const legacy = options.legacy ?? false;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'segmenta-report-')));

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let rows: CustomerRow[];
  try {
    // Segment sizes 30/30/20/20 % of customers; features drift by segment so
    // the z-scores differ in sign and size across the heatmap. The noise is
    // a hash of the id, so the data is the same on every machine.
    await connection.run(
      `CREATE TABLE customers AS
       WITH base AS (
         SELECT i,
                (CASE WHEN i % 10 < 3 THEN 0 WHEN i % 10 < 6 THEN 1 WHEN i % 10 < 8 THEN 2 ELSE 3 END) % $k AS seg,
                (hash(i) % 1000) / 1000.0 AS u1,
                (hash(i + 100000) % 1000) / 1000.0 AS u2,
                (hash(i + 200000) % 1000) / 1000.0 AS u3,
                (hash(i + 300000) % 1000) / 1000.0 AS u4
         FROM generate_series(1, $n) t(i)
       )
       SELECT printf('C%05d', i) AS customer_id,
              seg::INTEGER AS segment_id,
              [$name0, $name1, $name2, $name3][seg + 1] AS segment_name,
              round(0.3 + u1 * 1.2, 3)::DOUBLE AS distance,
              round([12, 45, 20, 240][seg + 1] * (0.5 + u1))::INTEGER AS recency_days,
              greatest(1, round([14, 6, 2, 1][seg + 1] * (0.6 + u2)))::INTEGER AS frequency,
              round([4200, 1300, 450, 180][seg + 1] * (0.5 + u3), 2)::DOUBLE AS revenue,
              round([300, 210, 225, 180][seg + 1] * (0.7 + u4 * 0.6), 2)::DOUBLE AS avg_order_value,
              round([620, 410, 40, 330][seg + 1] * (0.6 + u2 * 0.8))::INTEGER AS tenure_days,
              round([0.02, 0.05, 0.03, 0.12][seg + 1] * (0.5 + u3), 4)::DOUBLE AS return_rate,
              least(5, greatest(1, [5, 4, 4, 1][seg + 1] + (i % 3) - 1))::INTEGER AS rfm_r,
              least(5, greatest(1, [5, 3, 1, 1][seg + 1] + (i % 4 = 0)::INTEGER - (i % 7 = 0)::INTEGER))::INTEGER AS rfm_f,
              least(5, greatest(1, [5, 3, 2, 1][seg + 1] + (i % 5 = 0)::INTEGER))::INTEGER AS rfm_m,
              (['Champions', 'Loyal', 'Promising', 'Lost'])[seg + 1] AS rfm_segment,
              CASE
                WHEN seg = 3 THEN (CASE WHEN u1 < 0.7 THEN 'inactive' ELSE 'at_risk' END)
                WHEN seg = 2 THEN (CASE WHEN u1 < 0.75 THEN 'new' ELSE 'active' END)
                WHEN seg = 1 THEN (CASE WHEN u1 < 0.6 THEN 'active' WHEN u1 < 0.85 THEN 'at_risk' ELSE 'reactivated' END)
                ELSE (CASE WHEN u1 < 0.9 THEN 'active' ELSE 'reactivated' END)
              END AS lifecycle_stage,
              round([${CENTRES.map((c) => c[0]).join(', ')}][seg + 1] + (u1 + u2 - 1) * 1.6, 4)::DOUBLE AS pc1,
              round([${CENTRES.map((c) => c[1]).join(', ')}][seg + 1] + (u3 + u4 - 1) * 1.6, 4)::DOUBLE AS pc2
       FROM base
       ORDER BY customer_id`,
      { k, n, name0: names[0], name1: names[1], name2: names[2] ?? '', name3: names[3] ?? '' },
    );
    if (legacy) {
      await connection.run('ALTER TABLE customers DROP COLUMN pc1');
      await connection.run('ALTER TABLE customers DROP COLUMN pc2');
      await connection.run('ALTER TABLE customers DROP COLUMN rfm_r');
      await connection.run('ALTER TABLE customers DROP COLUMN rfm_f');
      await connection.run('ALTER TABLE customers DROP COLUMN lifecycle_stage');
    }
    await connection.run('COPY customers TO $path (FORMAT parquet)', { path: join(dir, 'customers.parquet') });
    await connection.run('COPY customers TO $path (FORMAT csv, HEADER true)', { path: join(dir, 'customers.csv') });
    const reader = await connection.runAndReadAll(
      `SELECT segment_id, ${legacy ? 'NULL' : 'lifecycle_stage'} AS lifecycle_stage, ${FEATURES.join(', ')} FROM customers ORDER BY customer_id`,
    );
    rows = reader.getRowObjectsJS() as CustomerRow[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }

  const segmentsDoc = buildSegments(rows, names, legacy);
  const manifest = buildManifest(dir, rows.length, k, options.finishedAt);
  await writeFile(join(dir, 'segments.json'), JSON.stringify(segmentsDoc, null, 2));
  if (legacy) {
    const { data_quality: _dropped, ...older } = manifest;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(older, null, 2));
  } else {
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  }
  return { dir, segments: segmentsDoc, manifest };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function sd(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

const STABILITY = [0.91, 0.78, 0.55, 0.83];
const DESCRIPTIONS = [
  'Bought recently and often, with the largest baskets: the core of revenue.',
  'Steady customers who order every month or two at mid-range basket values.',
  'First orders in the last three months; too early to tell whether they stay.',
  'One or two orders long ago and a high return rate; most have not come back.',
];
const ACTIONS = [
  ['Invite to the loyalty programme', 'Early access to new collections'],
  ['Cross-sell related categories', 'Reminder before their usual reorder date'],
  ['Welcome series with a second-order incentive', 'Ask for product reviews'],
  ['Win-back offer with a deadline', 'Suppress from full-price campaigns'],
];

function buildSegments(rows: CustomerRow[], names: string[], legacy: boolean): SegmentsDocument {
  const all = (f: string) => rows.map((r) => Number(r[f]));
  const totalRevenue = all('revenue').reduce((a, b) => a + b, 0);
  const segments: SegmentProfile[] = names.map((name, id) => {
    const own = rows.filter((r) => r.segment_id === id);
    const col = (f: string) => own.map((r) => Number(r[f]));
    const revenue = col('revenue').reduce((a, b) => a + b, 0);
    const profile = Object.fromEntries(FEATURES.map((f) => [f, mean(col(f))]));
    const lifecycle: Record<string, number> = {};
    for (const r of own) if (r.lifecycle_stage) lifecycle[r.lifecycle_stage] = (lifecycle[r.lifecycle_stage] ?? 0) + 1;
    return {
      id,
      name,
      description: DESCRIPTIONS[id],
      size: own.length,
      share: own.length / rows.length,
      revenue,
      revenue_share: revenue / totalRevenue,
      profile,
      median: Object.fromEntries(FEATURES.map((f) => [f, median(col(f))])),
      z: Object.fromEntries(FEATURES.map((f) => [f, (profile[f] - mean(all(f))) / sd(all(f))])),
      actions: ACTIONS[id],
      lifecycle,
      rfm_segments: { [['Champions', 'Loyal', 'Promising', 'Lost'][id]]: own.length },
      stability: STABILITY[id],
      unstable: STABILITY[id] < 0.6,
      ...{ pc: CENTRES[id] },
    };
  });
  const kScan: KScanEntry[] = [2, 3, 4, 5, 6, 7].map((k) => ({
    k,
    silhouette: [0.41, 0.44, 0.47, 0.39, 0.36, 0.33][k - 2],
    calinski_harabasz: [820, 910, 960, 870, 800, 760][k - 2],
    davies_bouldin: [1.05, 0.95, 0.88, 1.01, 1.1, 1.16][k - 2],
    inertia: [5200, 3900, 3000, 2700, 2500, 2350][k - 2],
    stability: [0.92, 0.86, 0.8, 0.66, 0.61, 0.58][k - 2],
  }));
  const doc: SegmentsDocument = {
    k: names.length,
    as_of: '2011-12-10',
    features: [...FEATURES],
    quality: { silhouette: 0.47, calinski_harabasz: 960, davies_bouldin: 0.88, inertia: 3000, stability: 0.8 },
    k_choice: { rule: 'best silhouette among k with stability ≥ 0.75', requested: 'auto (2–7)', chosen: names.length },
    k_scan: kScan,
    segments,
  };
  if (!legacy) return doc;
  // An older run: only the fields every version wrote.
  return {
    k: doc.k,
    as_of: doc.as_of,
    segments: segments.map(({ id, name, size, share, revenue, revenue_share, description }) => ({ id, name, size, share, revenue, revenue_share, description })),
  } as unknown as SegmentsDocument;
}

function buildManifest(dir: string, customers: number, k: number, finishedAt?: string): RunManifest {
  return {
    format: 'segmenta.manifest/v1',
    command: 'segmenta discover --input data/online_retail.csv.gz --out runs/latest',
    input: {
      path: 'data/online_retail.csv.gz',
      sha256: 'a'.repeat(64),
      bytes: 23_715_344,
      format: 'csv',
      columns: { customer_id: 'CustomerID', order_id: 'InvoiceNo', order_date: 'InvoiceDate' },
    },
    as_of: '2011-12-10',
    rows: {
      read: 541_909,
      used: 392_692,
      out_of_window: 13_000,
      rejected: 136_217,
      rejected_by_reason: { missing_customer_id: 135_080, non_positive_price: 1_137 },
    },
    customers,
    k,
    seed: 42,
    versions: { segmenta: '0.1.0', node: 'v20.20.2', duckdb: '1.5.0' },
    timings_ms: { ingest: 1800, features: 420, cluster: 2600, publish: 90 },
    started_at: '2024-05-02T09:14:03.000Z',
    finished_at: finishedAt ?? '2024-05-02T09:14:08.250Z',
    data_quality: {
      duplicates_removed: 5_268,
      return_lines: 8_905,
      returns_value_share: 0.0312,
      date_range: { first: '2010-12-01', last: '2011-12-09' },
      countries: { 'United Kingdom': Math.round(customers * 0.9), Germany: 20, France: 14, 'Channel Islands': 4, EIRE: 2 },
      currencies: ['GBP'],
      customers_only_returns: 29,
      orders: 18_532,
    },
  };
}
