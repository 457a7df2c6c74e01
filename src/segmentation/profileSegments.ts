import { runCurrency } from '../publish/manifest.ts';
import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { DiscoverOptions } from '../config.ts';
import { createTableFromColumns } from '../db/append.ts';
import { quoteLiteral } from '../db/quote.ts';
import { queryRows } from '../db/query.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import { NUMERIC_FEATURES } from '../features/build.ts';
import type { StagedLines } from '../staging/index.ts';
import { populationStats, segmentStats, type SegmentStats } from '../segments/profile.ts';
import { RFM_GRID, type RfmScore } from '../segments/rfmSegments.ts';
import { presentSegments, type SegmentWords } from '../segments/present.ts';
import type { SegmentProfile, SegmentsDocument } from '../segments/types.ts';
import type { Clustering } from './cluster.ts';
import { addValueColumns, segmentValues } from '../value/segments.ts';
import type { ValueResult } from '../value/stage.ts';
import type { TransformChain } from './transformChain.ts';
import type { CustomerMaster } from '../customers/master.ts';
import { addFirmographics } from './profileFirmographics.ts';

/** Below this per-segment bootstrap stability a segment is flagged unstable (Hennig's rule of thumb). */
export const UNSTABLE_BELOW = 0.6;

/**
 * Builds the segment profiles and the `customers_out` table (one row per
 * customer with its segment, distance, features, RFM scores and lifecycle
 * stage) that `publish` writes as customers.csv and customers.parquet.
 */
export async function profileSegments(
  connection: DuckDBConnection,
  run: {
    options: DiscoverOptions;
    staged: StagedLines;
    features: CustomerFeatureMatrix;
    transformed: TransformChain;
    clustering: Clustering;
    /** The value stage's result; when it fitted, value columns and per-segment value figures are added. */
    value?: ValueResult;
    /** The customer master; when given, its columns, per-segment firmographics and who-sentences are added (docs/b2b.md). */
    master?: CustomerMaster | null;
  },
  naming: {
    /** The final names by segment id, from the generated ones (a refresh carries its previous names over). */
    names?: (generated: readonly SegmentWords[]) => string[];
  } = {},
): Promise<SegmentsDocument> {
  const { options, staged, features, transformed, clustering } = run;
  const k = clustering.k;

  await appendCustomerLabels(connection, clustering, transformed);
  // DuckDB labels and counts the customers on its own threads while this one
  // computes the segment statistics: neither reads what the other writes.
  const counted = (async () => {
    await createCustomerSegment(connection);
    const lifecycle = await countsBySegment(connection, 'lifecycle_stage', k);
    const rfm = await countsBySegment(connection, 'rfm_segment_name', k);
    // Before the texts: a segment's lifetime-value figures can add an action.
    const values = run.value?.section ? await segmentValues(connection, k) : null;
    return { lifecycle, rfm, values };
  })();
  // Handled here so a failure during the statistics is not an unhandled rejection; awaited below.
  counted.catch(() => undefined);
  let population: ReturnType<typeof populationStats>;
  let stats: SegmentStats[];
  try {
    population = populationStats(features.columns);
    stats = segmentStats(features.columns, clustering.segmentIds, k, population);
  } catch (error) {
    // The connection must be idle before the error leaves: the caller may use or close it.
    await counted.catch(() => undefined);
    throw error;
  }
  const { lifecycle, rfm, values } = await counted;
  const named = presentSegments(
    stats.map((s) => ({ ...s, lifecycle: lifecycle[s.id], rfm_segments: rfm[s.id], ...(values ? { value: values[s.id] } : {}) })),
    population,
    {
      lang: 'en',
      currency: runCurrency(options.currency, staged.dataQuality),
      lifecycle: { inactiveDays: options.inactiveDays, atRiskDays: options.atRiskDays, newDays: options.newDays },
    },
  );
  const names = naming.names ? naming.names(named) : named.map((s) => s.name);
  await createCustomersOut(connection, names, { valueColumns: values !== null });

  const segments: SegmentProfile[] = stats.map((s: SegmentStats, i) => ({
    id: s.id,
    name: names[i],
    description: named[i].description,
    size: s.size,
    share: round(s.share, 6),
    revenue: round(s.revenue, 2),
    revenue_share: round(s.revenue_share, 6),
    profile: roundValues(s.profile, 4),
    median: roundValues(s.median, 4),
    z: roundValues(s.z, 4),
    actions: named[i].actions,
    lifecycle: lifecycle[s.id],
    rfm_segments: rfm[s.id],
    stability: round(clustering.segmentStability[s.id], 4),
    unstable: clustering.segmentStability[s.id] < UNSTABLE_BELOW,
    pc: centroidPc(clustering, s.id),
    ...(values ? { value: values[s.id] } : {}),
  }));
  const document: SegmentsDocument = {
    k,
    as_of: staged.asOf,
    features: transformed.selection.features,
    quality: roundValues(clustering.quality, 6) as unknown as SegmentsDocument['quality'],
    k_choice: clustering.choice,
    k_scan: clustering.scan.map((e) => roundValues(e, 6) as unknown as SegmentsDocument['k_scan'][number]),
    segments,
  };
  // After the value columns, so customers.csv reads: contract, value, firmographics.
  return run.master ? addFirmographics(connection, document, clustering) : document;
}

/** The customer's segment, distance and first two PCA coordinates, in customer_id order (`customer_labels`). */
async function appendCustomerLabels(connection: DuckDBConnection, clustering: Clustering, transformed: TransformChain): Promise<void> {
  const { data, rows, cols } = transformed.scores;
  const pc1 = new Float64Array(rows);
  const pc2 = new Float64Array(rows);
  for (let i = 0; i < rows; i += 1) {
    pc1[i] = data[i * cols];
    pc2[i] = cols > 1 ? data[i * cols + 1] : 0;
  }
  await createTableFromColumns(connection, 'customer_labels', [
    { name: 'segment_id', type: 'INTEGER', values: clustering.segmentIds },
    { name: 'distance', type: 'DOUBLE', values: clustering.distances },
    { name: 'pc1', type: 'DOUBLE', values: pc1 },
    { name: 'pc2', type: 'DOUBLE', values: pc2 },
  ]);
}

/**
 * `customer_segment`: the labels joined to the customers' ids, RFM segment
 * names and lifecycle stages. The grid's names are a constant list literal
 * (fixed strings of the code, not input) rather than a parameter: a statement
 * without parameters runs without calling back into this thread.
 */
async function createCustomerSegment(connection: DuckDBConnection): Promise<void> {
  const rfmNames = `[${rfmGridList().map(quoteLiteral).join(', ')}]::VARCHAR[]`;
  // Rows were appended in customer_id order, the order the features were read in:
  // the sorted ids line up with them by position, no window numbering needed.
  await connection.run(
    `CREATE OR REPLACE TABLE customer_segment AS
     WITH labelled AS (
       SELECT * FROM (SELECT customer_id FROM customer_features ORDER BY customer_id) POSITIONAL JOIN customer_labels
     )
     SELECT l.customer_id, l.segment_id, l.distance, l.pc1, l.pc2,
            list_extract(${rfmNames}, (s.rfm_r - 1) * 5 + CAST(floor((s.rfm_f + s.rfm_m + 1) / 2) AS INTEGER)) AS rfm_segment_name,
            s.lifecycle_stage
     FROM labelled l
     JOIN customer_scores s USING (customer_id)`,
  );
}

/** RFM_GRID as a flat list indexed by (R − 1) × 5 + FM (1-based), for SQL. */
function rfmGridList(): string[] {
  const list: string[] = [];
  for (const r of [1, 2, 3, 4, 5] as RfmScore[]) list.push(...RFM_GRID[r]);
  return list;
}

async function countsBySegment(connection: DuckDBConnection, column: 'lifecycle_stage' | 'rfm_segment_name', k: number): Promise<Record<string, number>[]> {
  const rows = await queryRows<{ segment_id: number; value: string; n: number }>(
    connection,
    `SELECT segment_id, ${column} AS value, count(*)::INTEGER AS n FROM customer_segment GROUP BY ALL ORDER BY segment_id, n DESC, value`,
  );
  const out: Record<string, number>[] = Array.from({ length: k }, () => ({}));
  for (const row of rows) out[row.segment_id][row.value] = row.n;
  return out;
}

/**
 * The rows of customers.csv / customers.parquet, in the contract's column
 * order, sorted by customer_id. The contract's columns are a view; with value
 * columns, value/customers_out_value.sql reads that view and writes the one
 * sorted table, so the customer table is materialised and sorted once.
 */
async function createCustomersOut(connection: DuckDBConnection, names: string[], options: { valueColumns: boolean }): Promise<void> {
  const contract = ['recency_days', 'frequency', 'revenue', 'avg_order_value', 'tenure_days'];
  const behavioural = NUMERIC_FEATURES.filter((f) => !contract.includes(f));
  const rounded: Record<string, string> = {
    revenue: 'round(f.revenue, 2)',
    avg_order_value: 'round(f.avg_order_value, 2)',
    units_per_order: 'round(f.units_per_order, 4)',
    return_rate: 'round(f.return_rate, 6)',
    days_between_orders: 'round(f.days_between_orders, 4)',
    recent_order_share: 'round(f.recent_order_share, 6)',
  };
  const featureColumns = [...contract, ...behavioural].map((f) => `${rounded[f] ?? `f.${f}`} AS ${f}`);
  // A view cannot take parameters, so the names go into a table it joins.
  await connection.run(
    `CREATE OR REPLACE TABLE segment_names AS
     SELECT (i - 1)::INTEGER AS segment_id, list_extract($names, i) AS segment_name FROM range(1, len($names) + 1) AS r(i)`,
    { names: listValue(names) },
  );
  await connection.run(
    `CREATE OR REPLACE VIEW customers_out_contract AS
     SELECT
       f.customer_id,
       cs.segment_id,
       n.segment_name,
       round(cs.distance, 6) AS distance,
       ${featureColumns.join(',\n       ')},
       s.rfm_r, s.rfm_f, s.rfm_m,
       cs.rfm_segment_name AS rfm_segment,
       s.lifecycle_stage,
       f.country,
       f.first_order_date,
       f.last_order_date,
       round(cs.pc1, 6) AS pc1,
       round(cs.pc2, 6) AS pc2
     FROM customer_features f
     JOIN customer_scores s USING (customer_id)
     JOIN customer_segment cs USING (customer_id)
     LEFT JOIN segment_names n ON n.segment_id = cs.segment_id`,
  );
  if (options.valueColumns) await addValueColumns(connection);
  else await connection.run('CREATE OR REPLACE TABLE customers_out AS SELECT * FROM customers_out_contract ORDER BY customer_id');
}

/** The segment's centroid on the first two principal components (for the report's map). */
function centroidPc(clustering: Clustering, segmentId: number): [number, number] {
  const label = clustering.labelToSegment.indexOf(segmentId);
  const { data, cols } = clustering.model.centroids;
  return [round(data[label * cols], 6), round(cols > 1 ? data[label * cols + 1] : 0, 6)];
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function roundValues<T extends object>(record: T, digits: number): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[key] = typeof value === 'number' ? round(value, digits) : value;
  return out as T;
}
