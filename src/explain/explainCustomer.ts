/**
 * `segmenta explain`: why one customer is in its segment.
 *
 * Reads a run directory — `segments.json` for the segment profiles,
 * `model.json` for the fitted chain, `customers.parquet` (or the CSV twin)
 * for the customer's own figures — and puts together: the customer's feature
 * values with z-scores and percentiles next to its segment's means and
 * medians, its distance to every centroid in the clustering space, the
 * features that decide between its segment and the runner-up, and its RFM
 * scores and lifecycle stage with the rule that gave them.
 *
 * For a run whose segments were found with k-prototypes (`--segment-on
 * firmographics|both`, a `firmographics` section in model.json), the
 * distances are the k-prototypes dissimilarities to the saved prototypes —
 * what assigned the segment — rebuilt from the customer's row (./prototypes.ts);
 * never the behavioural distances, which did not decide.
 *
 * The customer table can be large, so it stays in DuckDB: only the one
 * customer's row and a handful of aggregates come into JavaScript.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { withDatabase } from '../db/database.ts';
import { queryRows } from '../db/query.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { InputError, show } from '../errors.ts';
import { checkModelDocument, type ModelDocument } from '../model/modelDocument.ts';
import type { LifecycleThresholds } from '../rules/lifecycle.ts';
import { FEATURES, isFeatureName, type FeatureUnit } from '../segments/features.ts';
import { fmScore } from '../segments/rfmSegments.ts';
import type { SegmentProfile, SegmentsDocument } from '../segments/types.ts';
import { loadFittedChain, placeCustomer, type Placement } from './clusteringSpace.ts';
import { customerValueOf, type CustomerValueExplanation } from '../value/explain.ts';
import { readRunFirmographicInputs, RUN_FIRMOGRAPHIC_COLUMNS } from '../refresh/firmographics.ts';
import { placeAmongPrototypes, prototypeMargins, type PrototypeExplanation } from './prototypes.ts';

/** Most close ids suggested when a customer id is not in the run. */
export const MAX_SUGGESTIONS = 3;

/** One feature of the customer next to its segment and all customers. */
export interface FeatureComparison {
  feature: string;
  /** Human label ("Recency (days)"). */
  label: string;
  unit: FeatureUnit | null;
  /** True when the clustering used the feature. */
  clustered: boolean;
  /** The customer's value (null where undefined, e.g. days between orders of a one-order customer). */
  value: number | null;
  /** (value − mean of all customers) / their standard deviation; null when undefined. */
  z: number | null;
  /** Share of customers with a lower value, counting ties half (0–100); null when undefined. */
  percentile: number | null;
  /** Mean over all customers. */
  population_mean: number | null;
  segment_mean: number | null;
  segment_median: number | null;
  /** z-score of the segment mean, as in segments.json. */
  segment_z: number | null;
}

/** The customer's distance to one centroid. */
export interface SegmentDistance {
  segment_id: number;
  name: string;
  distance: number;
  /** True for the segment the run assigned the customer to. */
  assigned: boolean;
}

/** One feature's share in what separates the customer's segment from the runner-up. */
export interface DecidingFeature {
  feature: string;
  label: string;
  /** Squared-distance difference along this feature (see {@link FeatureMargin}); positive favours the own segment. */
  contribution: number;
  /** contribution / (sum of all contributions): the feature's share of the margin. */
  share: number;
}

/** Everything `segmenta explain` reports about one customer. */
export interface CustomerExplanation {
  run: string;
  customer_id: string;
  segment: Pick<SegmentProfile, 'id' | 'name' | 'description' | 'size' | 'share' | 'actions'> & {
    stability: number | null;
    unstable: boolean;
  };
  /** Distance to the own centroid as published in customers.csv. */
  published_distance: number | null;
  /**
   * What assigned the segment: `k-means` (distances to centroids in the PCA
   * space) or `k-prototypes` (runs found on firmographics: distances are
   * √ of the mixed dissimilarity to each prototype, detailed in `prototypes`).
   */
  method: 'k-means' | 'k-prototypes';
  /** For k-prototypes: the dissimilarity to every prototype, part by part; null for k-means or when it cannot be rebuilt. */
  prototypes: PrototypeExplanation | null;
  /** The clustering space: features, number of principal components and the variance they keep. */
  space: { features: string[]; components: number; explained_variance: number } | null;
  /** Distances to every centroid, nearest first; null when the chain cannot be applied (see `space_note`). */
  distances: SegmentDistance[] | null;
  /** Why distances are missing, when they are. */
  space_note: string | null;
  /** The nearest segment other than the assigned one, and how much farther it is. */
  runner_up: { segment_id: number; name: string; distance: number; margin: number } | null;
  /** Features ordered by how much they decide between the own segment and the runner-up. */
  deciding_features: DecidingFeature[];
  features: FeatureComparison[];
  rfm: { r: number | null; f: number | null; m: number | null; fm: number | null; segment: string | null };
  lifecycle: { stage: string | null; reason: string | null };
  country: string | null;
  first_order_date: string | null;
  last_order_date: string | null;
  /** CLV, P(alive), expected purchases and churn risk (docs/value.md); null when the run has no value columns. */
  value: CustomerValueExplanation | null;
}

/**
 * Explains one customer of a run.
 *
 * @param runDir - a run directory written by `discover` (or `refresh`).
 * @param customerId - the customer id exactly as in customers.csv.
 * @throws InputError when the run directory is incomplete, or when the customer
 *   is not in it (the message names the id and suggests close ids).
 */
export async function explainCustomer(runDir: string, customerId: string): Promise<CustomerExplanation> {
  const dir = resolve(runDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--run ${show(runDir)}: no such run directory`);
  const segments = (await readJson(join(dir, 'segments.json'), runDir)) as SegmentsDocument;
  if (!Array.isArray(segments?.segments) || segments.segments.length === 0) {
    throw new InputError(`${show(join(runDir, 'segments.json'))}: expected a "segments" list`);
  }
  const model = checkModelDocument(await readJson(join(dir, 'model.json'), runDir), join(runDir, 'model.json'));
  const table = customerTable(dir, runDir);

  return withDatabase({}, async ({ connection }) => {
    const rows = <T>(sql: string, params: Record<string, DuckDBValue> = {}) => queryRows<T>(connection, sql, { path: table.path, ...params });
    const columns = new Set((await rows<{ column_name: string }>(`DESCRIBE SELECT * FROM ${table.from}`)).map((r) => r.column_name));
    if (!columns.has('customer_id') || !columns.has('segment_id')) {
      throw new InputError(`${show(table.path)}: expected the columns customer_id and segment_id`);
    }
    const [found] = await rows<Record<string, unknown>>(`SELECT * FROM ${table.from} WHERE customer_id::VARCHAR = $id LIMIT 1`, { id: customerId });
    if (!found) throw await unknownCustomer(connection, table, customerId, runDir);
    const row = plain(found);

    const segment = segments.segments.find((s) => s.id === row.segment_id);
    if (!segment) throw new InputError(`${show(join(runDir, 'segments.json'))}: has no segment ${String(row.segment_id)}, the segment of customer ${show(customerId)}`);

    const names = [...new Set([...model.features, ...Object.keys(segment.profile ?? {})])].filter((f) => columns.has(f));
    const population = await populationFigures(connection, table, names, row);
    // A run found on firmographics alone did not cluster on any behavioural feature.
    const behaviourClustered = model.firmographics?.segment_on !== 'firmographics';
    const features = names.map((feature) => compare(feature, row, segment, population[feature], behaviourClustered && model.features.includes(feature)));

    const nameOf = new Map(segments.segments.map((s) => [s.id, s.name]));
    const common = {
      run: dir,
      customer_id: String(row.customer_id),
      segment: {
        id: segment.id,
        name: segment.name,
        description: segment.description,
        size: segment.size,
        share: segment.share,
        actions: segment.actions ?? [],
        stability: finiteOrNull(segment.stability),
        unstable: segment.unstable === true,
      },
      published_distance: finiteOrNull(row.distance),
    };
    const rest = {
      features,
      rfm: rfmOf(row),
      lifecycle: { stage: textOrNull(row.lifecycle_stage), reason: lifecycleReason(row, model.lifecycle) },
      country: textOrNull(row.country),
      first_order_date: textOrNull(row.first_order_date),
      last_order_date: textOrNull(row.last_order_date),
      value: customerValueOf(row, segment),
    };
    if (model.firmographics) {
      return { ...common, method: 'k-prototypes' as const, ...(await explainPrototypes(connection, table, model, row, segment.id, columns, nameOf)), ...rest };
    }
    const { placement, note, explainedVariance } = place(model, row, segment.id, columns);
    const distances = placement?.distances.map((d) => ({
      segment_id: d.segmentId,
      name: nameOf.get(d.segmentId) ?? `segment ${d.segmentId}`,
      distance: d.distance,
      assigned: d.segmentId === segment.id,
    })) ?? null;
    const own = distances?.find((d) => d.assigned);
    const runner = placement && placement.runnerUp !== null ? distances!.find((d) => d.segment_id === placement.runnerUp)! : null;

    return {
      ...common,
      method: 'k-means' as const,
      prototypes: null,
      space: placement
        ? {
            features: model.features,
            components: placement.scores.length,
            explained_variance: explainedVariance,
          }
        : null,
      distances,
      space_note: note,
      runner_up: runner && own ? { segment_id: runner.segment_id, name: runner.name, distance: runner.distance, margin: runner.distance - own.distance } : null,
      deciding_features: placement ? decidingFeatures(placement) : [],
      ...rest,
    };
  });
}

/** The parts of an explanation that differ for a k-prototypes run: distances to the prototypes, runner-up, deciding inputs. */
type PrototypeParts = Pick<CustomerExplanation, 'prototypes' | 'space' | 'distances' | 'space_note' | 'runner_up' | 'deciding_features'>;

/**
 * Rebuilds the k-prototypes placement of one customer from the run's own
 * files, or says plainly why it cannot (a table without the master's
 * columns, a behavioural feature the model needs without a value).
 */
async function explainPrototypes(
  connection: DuckDBConnection,
  table: CustomerTable,
  model: ModelDocument,
  row: Record<string, unknown>,
  ownSegment: number,
  columns: Set<string>,
  nameOf: ReadonlyMap<number, string>,
): Promise<PrototypeParts> {
  const section = model.firmographics!;
  const how = `the run found its segments with k-prototypes on ${section.segment_on === 'both' ? 'firmographics and behaviour' : 'firmographics'}`;
  const unavailable = (why: string): PrototypeParts => ({
    prototypes: null,
    space: null,
    distances: null,
    space_note: `${how}, but ${why}, so the distances that assigned the segment cannot be recomputed`,
    runner_up: null,
    deciding_features: [],
  });
  const missing = RUN_FIRMOGRAPHIC_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) return unavailable(`the customer table has no column ${missing.map((c) => show(c)).join(', ')}`);
  const withBehaviour = (section.encoding.behaviour?.components ?? 0) > 0;
  const chain = withBehaviour ? loadFittedChain(model) : null;
  if (chain) {
    const absent = chain.features.filter((f) => !columns.has(f) || finiteOrNull(row[f]) === null);
    if (absent.length > 0) return unavailable(`the customer has no value for ${absent.map((f) => show(f)).join(', ')}, which the model clusters on`);
  }
  const inputs = await readRunFirmographicInputs(connection, table.from, { path: table.path, id: String(row.customer_id) }, 'customer_id::VARCHAR = $id');
  if (!inputs || inputs.n !== 1) return unavailable('the customer’s firmographic columns cannot be read');
  const features = Object.fromEntries(model.features.map((f) => [f, finiteOrNull(row[f])]));
  const placement = placeAmongPrototypes(section, chain, inputs, features, nameOf);
  const distances = placement.prototypes.map((p) => ({ segment_id: p.segment_id, name: p.name, distance: p.distance, assigned: p.segment_id === ownSegment }));
  const own = distances.find((d) => d.assigned) ?? null;
  const runner = distances.find((d) => !d.assigned) ?? null;
  let deciding: DecidingFeature[] = [];
  if (own && runner) {
    const margins = prototypeMargins(placement, section, inputs, ownSegment, runner.segment_id);
    const total = margins.reduce((a, m) => a + m.contribution, 0);
    deciding = margins
      .map((m) => ({ feature: m.input, label: m.label, contribution: m.contribution, share: total !== 0 ? m.contribution / total : 0 }))
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature));
  }
  return {
    prototypes: placement,
    space: chain ? { features: model.features, components: chain.pca.nComponents, explained_variance: sum(chain.pca.explainedVarianceRatio) } : null,
    distances,
    space_note: null,
    runner_up: own && runner ? { segment_id: runner.segment_id, name: runner.name, distance: runner.distance, margin: runner.distance - own.distance } : null,
    deciding_features: deciding,
  };
}

async function readJson(path: string, runDir: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`--run ${show(runDir)}: not a run directory, cannot read ${show(path)} (${code ?? (error as Error).message})`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${show(path)} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

interface CustomerTable {
  path: string;
  /** A fixed SQL reader over `$path`: user text never becomes SQL. */
  from: string;
}

/** Parquet when the run has it (typed), otherwise the CSV twin with customer ids kept as text. */
function customerTable(dir: string, runDir: string): CustomerTable {
  const parquet = join(dir, 'customers.parquet');
  if (existsSync(parquet)) return { path: parquet, from: 'read_parquet($path)' };
  const csv = join(dir, 'customers.csv');
  if (existsSync(csv)) return { path: csv, from: `read_csv($path, header = true, types = {'customer_id': 'VARCHAR'})` };
  throw new InputError(`--run ${show(runDir)}: not a run directory, customers.parquet and customers.csv are missing`);
}

/** The error for an id that is not in the run, with up to three close ids as suggestions. */
async function unknownCustomer(connection: DuckDBConnection, table: CustomerTable, id: string, runDir: string): Promise<InputError> {
  // Edit distance over the id column is one scan; it only runs on this error
  // path, where the user is waiting for a hint anyway. Case and surrounding
  // spaces are forgiven first, then up to two typos (or a third of the id).
  const candidates = await queryRows<{ customer_id: string; n: number }>(
    connection,
    `WITH ids AS (SELECT customer_id::VARCHAR AS customer_id FROM ${table.from}),
     scored AS (
       SELECT customer_id,
              CASE WHEN lower(trim(customer_id)) = lower(trim($id)) THEN 0 ELSE levenshtein(customer_id, $id) END AS distance
       FROM ids)
     SELECT customer_id, (SELECT count(*) FROM ids)::INTEGER AS n
     FROM scored
     WHERE distance <= greatest(1, least(2, length($id) // 3))
     ORDER BY distance, customer_id
     LIMIT ${MAX_SUGGESTIONS}`,
    { path: table.path, id },
  );
  const hint = candidates.length > 0 ? `; did you mean ${candidates.map((c) => show(c.customer_id)).join(', ')}?` : '';
  return new InputError(`--customer ${show(id)}: no such customer in run ${show(runDir)}${hint}`);
}

interface PopulationFigure {
  mean: number | null;
  std: number | null;
  percentile: number | null;
}

/**
 * Mean, population standard deviation (as the segment z-scores use) and the
 * customer's mid-rank percentile of every feature, in one scan.
 */
async function populationFigures(
  connection: DuckDBConnection,
  table: CustomerTable,
  features: string[],
  row: Record<string, unknown>,
): Promise<Record<string, PopulationFigure>> {
  if (features.length === 0) return {};
  const params: Record<string, DuckDBValue> = { path: table.path };
  const selects = features.flatMap((feature, i) => {
    const column = `${quoteIdentifier(feature)}::DOUBLE`;
    const value = finiteOrNull(row[feature]);
    // DuckDB rejects parameters a statement does not use, so only defined values get one.
    if (value !== null) params[`v${i}`] = value;
    return [
      `avg(${column}) AS m${i}`,
      `stddev_pop(${column}) AS s${i}`,
      value === null
        ? `NULL::DOUBLE AS p${i}`
        : `100 * (count_if(${column} < $v${i}) + 0.5 * count_if(${column} = $v${i})) / nullif(count(${column}), 0) AS p${i}`,
    ];
  });
  const [figures] = await queryRows<Record<string, unknown>>(connection, `SELECT ${selects.join(', ')} FROM ${table.from}`, params);
  return Object.fromEntries(
    features.map((feature, i) => [
      feature,
      { mean: finiteOrNull(figures[`m${i}`]), std: finiteOrNull(figures[`s${i}`]), percentile: finiteOrNull(figures[`p${i}`]) },
    ]),
  );
}

function compare(
  feature: string,
  row: Record<string, unknown>,
  segment: SegmentProfile,
  population: PopulationFigure | undefined,
  clustered: boolean,
): FeatureComparison {
  const value = finiteOrNull(row[feature]);
  const mean = population?.mean ?? null;
  const std = population?.std ?? null;
  const known = isFeatureName(feature) ? FEATURES[feature] : null;
  return {
    feature,
    label: known ? known.label.en : feature,
    unit: known ? known.unit : null,
    clustered,
    value,
    z: value !== null && mean !== null && std !== null && std > 0 ? (value - mean) / std : null,
    percentile: value !== null ? (population?.percentile ?? null) : null,
    population_mean: mean,
    segment_mean: finiteOrNull(segment.profile?.[feature]),
    segment_median: finiteOrNull(segment.median?.[feature]),
    segment_z: finiteOrNull(segment.z?.[feature]),
  };
}

/** Applies the model's chain, or says why it cannot (e.g. a custom feature that customers.csv does not carry). */
function place(
  model: ModelDocument,
  row: Record<string, unknown>,
  ownSegment: number,
  columns: Set<string>,
): { placement: Placement | null; note: string | null; explainedVariance: number } {
  const missing = model.features.filter((f) => !columns.has(f));
  if (missing.length > 0) {
    const note = `the customer table has no column ${missing.map((f) => show(f)).join(', ')}, which the model clusters on`;
    return { placement: null, note, explainedVariance: NaN };
  }
  const chain = loadFittedChain(model);
  const values = Object.fromEntries(model.features.map((f) => [f, finiteOrNull(row[f])]));
  return { placement: placeCustomer(chain, values, ownSegment), note: null, explainedVariance: sum(chain.pca.explainedVarianceRatio) };
}

function decidingFeatures(placement: Placement): DecidingFeature[] {
  const total = placement.margins.reduce((a, m) => a + m.contribution, 0);
  return placement.margins
    .map((m) => ({
      feature: m.feature,
      label: isFeatureName(m.feature) ? FEATURES[m.feature].label.en : m.feature,
      contribution: m.contribution,
      share: total !== 0 ? m.contribution / total : 0,
    }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature));
}

function rfmOf(row: Record<string, unknown>): CustomerExplanation['rfm'] {
  const score = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5 ? v : null);
  const r = score(row.rfm_r);
  const f = score(row.rfm_f);
  const m = score(row.rfm_m);
  return { r, f, m, fm: f !== null && m !== null ? fmScore(f, m) : null, segment: textOrNull(row.rfm_segment) };
}

/** The lifecycle rule that matched, with the customer's own numbers and the run's thresholds. */
export function lifecycleReason(row: Record<string, unknown>, thresholds: LifecycleThresholds | undefined): string | null {
  const stage = textOrNull(row.lifecycle_stage);
  if (stage === null || !thresholds) return null;
  const recency = finiteOrNull(row.recency_days);
  const tenure = finiteOrNull(row.tenure_days);
  const days = (n: number | null) => (n === null ? 'an unknown number of' : String(n));
  switch (stage) {
    case 'inactive':
      return `no order for ${days(recency)} days (inactive from ${thresholds.inactiveDays})`;
    case 'at_risk':
      return `no order for ${days(recency)} days (at risk from ${thresholds.atRiskDays}, inactive from ${thresholds.inactiveDays})`;
    case 'new':
      return `first order ${days(tenure)} days ago (new for the first ${thresholds.newDays} days)`;
    case 'reactivated':
      return `bought again after a gap of ${thresholds.inactiveDays} days or more between two orders; last order ${days(recency)} days ago`;
    case 'active':
      return `last order ${days(recency)} days ago (under ${thresholds.atRiskDays}), a customer for ${days(tenure)} days, no gap of ${thresholds.inactiveDays}+ days`;
    default:
      return null;
  }
}

/** DuckDB row values as plain JSON values: BIGINT → number, dates → YYYY-MM-DD text. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'bigint') out[key] = Number(value);
    else if (value instanceof Date) out[key] = value.toISOString().slice(0, 10);
    else out[key] = value;
  }
  return out;
}

function finiteOrNull(value: unknown): number | null {
  const n = typeof value === 'bigint' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i += 1) total += values[i];
  return total;
}
