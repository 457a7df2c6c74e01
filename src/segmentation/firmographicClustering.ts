/**
 * Segments found on who the customers are (`--segment-on firmographics`) or
 * on who they are and how they buy (`--segment-on both`): k-prototypes
 * (Huang 1998, src/ml/kPrototypes.ts) on mixed numeric and categorical data,
 * a separate path beside the k-means one (./cluster.ts) that returns the same
 * {@link Clustering} shape, so profiles, names, the report and publish work
 * unchanged.
 *
 * The data, one row per customer of the run (customer_id order):
 *
 * - numeric: ln(1 + employees) and ln(1 + annual revenue), each standardised
 *   to mean 0 and standard deviation 1 over the customers that have it; an
 *   unknown value (no master row, or an empty cell) is set to the mean (0),
 *   so it pulls towards no prototype. With `both`, also the customer's
 *   behavioural PCA scores (the k-means space), multiplied by one factor so
 *   that the behaviour block carries as much variance as the firmographic
 *   numbers together: who a customer is and how it buys weigh the same, and
 *   the components keep their relative importance.
 * - categorical: WZ 2008 section (A–U), EU size class and federal state, each
 *   with `unknown` (and `abroad` for a company outside Germany) as a category
 *   of its own. Categories are never one-hot encoded into k-means: a
 *   21-level code as 21 dummy columns would weigh a section change 21 times
 *   less than one standard deviation of a number, or more, depending on the
 *   scaling — the mismatch count of k-prototypes has no such arbitrariness.
 * - γ = {@link FIRMOGRAPHIC_GAMMA}: the middle of Huang's ⅓–⅔ of the mean
 *   standard deviation of the (unit-scale) numeric columns.
 *
 * Choosing k: for every candidate k, the best of `--n-init` seeded fits, its
 * mixed silhouette (src/ml/mixedSilhouette.ts) on the same seeded sample of
 * `--silhouette-sample` customers, its cost, and its bootstrap stability; k is
 * then chosen by the k-means path's rule (src/ml/kScan.ts `chooseK`).
 * Calinski–Harabasz and Davies–Bouldin are defined for Euclidean spaces only
 * and are not reported (null in segments.json).
 */
import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { DiscoverOptions } from '../config.ts';
import type { Progress } from '../cli/progress.ts';
import { readNumericColumns } from '../db/columns.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { InputError } from '../errors.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import { BUNDESLAENDER } from '../firmographics/postcode.ts';
import { WZ_SECTIONS } from '../firmographics/wz2008.ts';
import { chooseK, K_CHOICE_RULE } from '../ml/kScan.ts';
import { KMeans, KMEANS_FORMAT } from '../ml/kmeans.ts';
import { KPrototypes, mixedDistance, type KPrototypesJSON, type MixedData } from '../ml/kPrototypes.ts';
import type { DenseMatrix } from '../ml/matrix.ts';
import { gatherMixedRows, mixedSilhouetteScore } from '../ml/mixedSilhouette.ts';
import { deriveSeed, Rng } from '../ml/rng.ts';
import { bootstrapStability } from '../ml/stability.ts';
import { orderLabelsByRevenue } from '../segments/profile.ts';
import type { KScanEntry } from '../segments/types.ts';
import type { SegmentOn } from '../customers/options.ts';
import { STABILITY_SAMPLE_SIZE, type Clustering } from './cluster.ts';
import type { TransformChain } from './transformChain.ts';

/** Format tag of the `firmographics` section of model.json. */
export const FIRMOGRAPHIC_MODEL_FORMAT = 'segmenta.firmographic-segmentation/v1';

/** Weight of one categorical mismatch: a gap of √0.5 ≈ 0.71 standard deviations on one numeric column. */
export const FIRMOGRAPHIC_GAMMA = 0.5;

/** The firmographic numbers, as columns of customer_firmographics. */
export const FIRMOGRAPHIC_NUMERIC = ['log_employees', 'log_annual_revenue'] as const;

/**
 * The categorical attributes and their levels; a value's code is its index.
 * The levels are fixed lists (not the values seen), so codes mean the same in
 * every run and a refresh encodes new customers the way discover did.
 */
export const FIRMOGRAPHIC_CATEGORIES: Readonly<Record<'wz_section' | 'size_class' | 'state', readonly string[]>> = {
  wz_section: [...Object.keys(WZ_SECTIONS), 'unknown'],
  size_class: ['micro', 'small', 'medium', 'large', 'unknown'],
  state: [...Object.keys(BUNDESLAENDER), 'abroad', 'unknown'],
};

/** k-choice rule of this path, as segments.json records it. */
export const FIRMOGRAPHIC_K_CHOICE_RULE = `k-prototypes with the mixed-data silhouette: ${K_CHOICE_RULE}`;

/** How customers become rows of mixed data; stored in model.json so new customers are encoded the same way. */
export interface MixedEncoding {
  segment_on: Exclude<SegmentOn, 'behaviour'>;
  /** With `both`: the number of PCA scores used and the factor they are multiplied by. */
  behaviour: { components: number; scale: number } | null;
  /** Firmographic numbers used (after ln(1 + x)), with the mean and standard deviation they are standardised by. */
  numeric: Array<{ name: (typeof FIRMOGRAPHIC_NUMERIC)[number]; mean: number; std: number }>;
  categorical: Array<{ name: keyof typeof FIRMOGRAPHIC_CATEGORIES; levels: string[] }>;
  gamma: number;
}

/** The `firmographics` section of model.json: everything needed to score a customer as discover did. */
export interface FirmographicModelSection {
  format: typeof FIRMOGRAPHIC_MODEL_FORMAT;
  method: 'k-prototypes';
  segment_on: Exclude<SegmentOn, 'behaviour'>;
  encoding: MixedEncoding;
  kprototypes: KPrototypesJSON;
  /** k-prototypes label → segment id (ordered by revenue). */
  label_to_segment: number[];
}

/** A clustering found by k-prototypes; `model` holds the segments' mean PCA scores (for the map and for explain). */
export interface FirmographicClustering extends Clustering {
  method: 'k-prototypes';
  prototypes: KPrototypes;
  encoding: MixedEncoding;
}

/** True for a clustering made by {@link clusterOnFirmographics}. */
export function isFirmographicClustering(clustering: Clustering): clustering is FirmographicClustering {
  return (clustering as Partial<FirmographicClustering>).method === 'k-prototypes';
}

/** The model.json section of a firmographic clustering. */
export function firmographicModelSection(clustering: FirmographicClustering): FirmographicModelSection {
  return {
    format: FIRMOGRAPHIC_MODEL_FORMAT,
    method: 'k-prototypes',
    segment_on: clustering.encoding.segment_on,
    encoding: clustering.encoding,
    kprototypes: clustering.prototypes.toJSON(),
    label_to_segment: clustering.labelToSegment,
  };
}

/** The firmographic inputs of the run's customers, customer_id order: numbers (NaN = unknown) and category codes. */
export interface FirmographicInputs {
  n: number;
  numeric: Record<(typeof FIRMOGRAPHIC_NUMERIC)[number], Float64Array>;
  codes: Record<keyof typeof FIRMOGRAPHIC_CATEGORIES, Int32Array>;
}

/**
 * Builds `customer_firmographics` (needs `customer_features` and
 * `customer_master`) and reads it column-wise. A category outside the fixed
 * levels gets the code `levels.length`, which matches no prototype.
 */
export async function readFirmographicInputs(connection: DuckDBConnection): Promise<FirmographicInputs> {
  await connection.run(sqlFile('customers/customer_firmographics'));
  const names = Object.keys(FIRMOGRAPHIC_CATEGORIES) as (keyof typeof FIRMOGRAPHIC_CATEGORIES)[];
  const codeColumns = names.map((name) => `coalesce(list_position($${name}, ${name}), len($${name}) + 1) - 1 AS ${name}`);
  const { columns, rows } = await readNumericColumns(
    connection,
    `SELECT ${FIRMOGRAPHIC_NUMERIC.join(', ')}, ${codeColumns.join(', ')} FROM customer_firmographics ORDER BY customer_id`,
    Object.fromEntries(names.map((name) => [name, listValue([...FIRMOGRAPHIC_CATEGORIES[name]])])),
  );
  const numeric = Object.fromEntries(FIRMOGRAPHIC_NUMERIC.map((name, i) => [name, columns[i]!])) as FirmographicInputs['numeric'];
  const codes = Object.fromEntries(names.map((name, i) => [name, Int32Array.from(columns[FIRMOGRAPHIC_NUMERIC.length + i]!)])) as FirmographicInputs['codes'];
  return { n: rows, numeric, codes };
}

/**
 * Learns the encoding on the run's customers: the firmographic numbers'
 * means and standard deviations (a number nobody has, or everybody has the
 * same of, is left out: it cannot separate anyone) and, with `both`, the
 * factor for the PCA scores.
 */
export function fitMixedEncoding(inputs: FirmographicInputs, scores: DenseMatrix | null, segmentOn: Exclude<SegmentOn, 'behaviour'>): MixedEncoding {
  const numeric: MixedEncoding['numeric'] = [];
  for (const name of FIRMOGRAPHIC_NUMERIC) {
    const values = inputs.numeric[name];
    let count = 0;
    let sum = 0;
    for (let i = 0; i < values.length; i += 1) {
      if (Number.isNaN(values[i]!)) continue;
      count += 1;
      sum += values[i]!;
    }
    if (count === 0) continue;
    const mean = sum / count;
    let squares = 0;
    for (let i = 0; i < values.length; i += 1) if (!Number.isNaN(values[i]!)) squares += (values[i]! - mean) ** 2;
    const std = Math.sqrt(squares / count);
    if (std > 0) numeric.push({ name, mean, std });
  }
  let behaviour: MixedEncoding['behaviour'] = null;
  if (segmentOn === 'both') {
    if (scores === null) throw new Error('--segment-on both needs the behavioural PCA scores');
    let total = 0;
    const { data, rows, cols } = scores;
    for (let j = 0; j < cols; j += 1) {
      let mean = 0;
      for (let i = 0; i < rows; i += 1) mean += data[i * cols + j]!;
      mean /= rows;
      let variance = 0;
      for (let i = 0; i < rows; i += 1) variance += (data[i * cols + j]! - mean) ** 2;
      total += variance / rows;
    }
    // As much variance as the firmographic numbers together (one per column), at least one column's worth.
    const target = Math.max(1, numeric.length);
    behaviour = { components: cols, scale: total > 0 ? Math.sqrt(target / total) : 1 };
  }
  const categorical = (Object.keys(FIRMOGRAPHIC_CATEGORIES) as (keyof typeof FIRMOGRAPHIC_CATEGORIES)[]).map((name) => ({
    name,
    levels: [...FIRMOGRAPHIC_CATEGORIES[name]],
  }));
  return { segment_on: segmentOn, behaviour, numeric, categorical, gamma: FIRMOGRAPHIC_GAMMA };
}

/** Encodes customers as mixed data by a learnt encoding (the same arithmetic for discover and for scoring new customers). */
export function encodeMixed(encoding: MixedEncoding, inputs: FirmographicInputs, scores: DenseMatrix | null): MixedData {
  const n = inputs.n;
  const components = encoding.behaviour?.components ?? 0;
  if (components > 0 && (scores === null || scores.rows !== n || scores.cols !== components)) {
    throw new InputError(`the model expects ${components} behavioural PCA scores for each of ${n} customers`);
  }
  const p = components + encoding.numeric.length;
  const q = encoding.categorical.length;
  const numeric = new Float64Array(n * p);
  const categorical = new Int32Array(n * q);
  for (let i = 0; i < n; i += 1) {
    for (let c = 0; c < components; c += 1) numeric[i * p + c] = scores!.data[i * components + c]! * encoding.behaviour!.scale;
    encoding.numeric.forEach((column, l) => {
      const x = inputs.numeric[column.name][i]!;
      numeric[i * p + components + l] = Number.isNaN(x) ? 0 : (x - column.mean) / column.std;
    });
    encoding.categorical.forEach((column, j) => {
      categorical[i * q + j] = inputs.codes[column.name][i]!;
    });
  }
  return { n, p, q, numeric, categorical };
}

/** Mixed data packed into one matrix (numbers, then codes), so the bootstrap can resample it like any matrix. */
function pack(data: MixedData): DenseMatrix {
  const cols = data.p + data.q;
  const out = new Float64Array(data.n * cols);
  for (let i = 0; i < data.n; i += 1) {
    for (let l = 0; l < data.p; l += 1) out[i * cols + l] = data.numeric[i * data.p + l]!;
    for (let j = 0; j < data.q; j += 1) out[i * cols + data.p + j] = data.categorical[i * data.q + j]!;
  }
  return { data: out, rows: data.n, cols };
}

function unpack(matrix: DenseMatrix, p: number, q: number): MixedData {
  const { rows, cols, data } = matrix;
  const numeric = new Float64Array(rows * p);
  const categorical = new Int32Array(rows * q);
  for (let i = 0; i < rows; i += 1) {
    for (let l = 0; l < p; l += 1) numeric[i * p + l] = data[i * cols + l]!;
    for (let j = 0; j < q; j += 1) categorical[i * q + j] = data[i * cols + p + j]!;
  }
  return { n: rows, p, q, numeric, categorical };
}

/** Distinct rows of mixed data, counted up to `atMost`. */
export function countDistinctMixedRows(data: MixedData, atMost = Infinity): number {
  const seen = new Set<string>();
  for (let i = 0; i < data.n && seen.size < atMost; i += 1) {
    seen.add(`${data.numeric.subarray(i * data.p, (i + 1) * data.p).join(',')}|${data.categorical.subarray(i * data.q, (i + 1) * data.q).join(',')}`);
  }
  return seen.size;
}

/**
 * Most customers a k-prototypes fit sees. k-prototypes runs in plain
 * JavaScript, O(n · k · (p + q)) per iteration and restart: 20,000 customers
 * place the prototypes as well as a million would, in seconds, and every
 * customer is then assigned to its nearest prototype.
 */
export const FIT_SAMPLE_SIZE = 20_000;

/** The seed stream of the fit sample: one of its own, apart from the restarts' (0, 1, …). */
const SAMPLE_STREAM = 1_000_003;

/**
 * Fits k-prototypes with this path's settings, on a seeded sample of
 * {@link FIT_SAMPLE_SIZE} rows when there are more; k is lowered to the
 * distinct rows of a small bootstrap sample.
 */
function fitPrototypes(data: MixedData, k: number, nInit: number, seed: number, gamma: number): KPrototypes {
  const fitted = data.n > FIT_SAMPLE_SIZE ? gatherMixedRows(data, new Rng(deriveSeed(seed, SAMPLE_STREAM)).sampleWithoutReplacement(data.n, FIT_SAMPLE_SIZE)) : data;
  return new KPrototypes({ k: Math.min(k, countDistinctMixedRows(fitted, k)), nInit, seed, gamma, standardize: false }).fit(fitted);
}

/** The fitted model's label for every row, and the cost over all rows. */
function assignAll(model: KPrototypes, data: MixedData): { labels: Int32Array; cost: number } {
  if (data.n <= FIT_SAMPLE_SIZE) return { labels: model.labels, cost: model.cost };
  const labels = model.predict(data);
  let cost = 0;
  for (const d of prototypeDistances(data, labels, model)) cost += d * d;
  return { labels, cost };
}

/**
 * The k-prototypes path of the cluster stage (`inputs` from
 * {@link readFirmographicInputs}, read by the features stage): encodes the customers, scans
 * the candidate k, chooses one, measures its bootstrap stability and returns
 * the segments ordered by revenue (0 = where the money is).
 *
 * @throws InputError when the master gives fewer distinct customers than segments asked for.
 */
export function clusterOnFirmographics(
  inputs: FirmographicInputs,
  chain: TransformChain,
  features: CustomerFeatureMatrix,
  options: DiscoverOptions,
  progress: Progress,
): FirmographicClustering {
  const segmentOn = options.segmentOn;
  if (segmentOn === 'behaviour') throw new Error('clusterOnFirmographics is for --segment-on firmographics or both');
  if (inputs.n !== features.n) throw new Error(`firmographic inputs for ${inputs.n} customers, features for ${features.n}`);
  const encoding = fitMixedEncoding(inputs, chain.scores, segmentOn);
  const data = encodeMixed(encoding, inputs, segmentOn === 'both' ? chain.scores : null);
  const spec = options.kSpec;
  const distinct = countDistinctMixedRows(data, spec.kind === 'fixed' ? spec.k : spec.max);
  const ks: number[] = [];
  if (spec.kind === 'fixed') ks.push(spec.k);
  else for (let k = spec.min; k <= Math.min(spec.max, data.n - 1, distinct); k += 1) ks.push(k);
  if (ks.length === 0 || ks[0]! > distinct) {
    throw new InputError(
      `--segment-on ${segmentOn} --k ${options.k}: the customer master gives ${distinct} distinct customer profile${distinct === 1 ? '' : 's'}, fewer than the segments asked for`,
    );
  }

  const gamma = encoding.gamma;
  const scanResamples = ks.length > 1 ? Math.min(options.stabilityResamples, 10) : 0;
  const packed = scanResamples > 0 || options.stabilityResamples > 0 ? pack(data) : null;
  const refit = (k: number, nInit: number) => (sample: DenseMatrix, seed: number) => {
    const model = fitPrototypes(unpack(sample, data.p, data.q), k, nInit, seed, gamma);
    return { predict: (X: DenseMatrix) => model.predict(unpack(X, data.p, data.q)) };
  };
  const task = progress.task('k scan', ks.length);
  const scan = ks.map((k) => {
    task.tick(`k=${k}`);
    const model = fitPrototypes(data, k, options.nInit, options.seed, gamma);
    const { labels, cost } = assignAll(model, data);
    const separable = new Set(labels).size >= 2;
    const entry: KScanEntry = {
      k,
      silhouette: separable ? mixedSilhouetteScore(data, labels, { gamma, sampleSize: options.silhouetteSample, seed: options.seed }) : NaN,
      calinski_harabasz: NaN,
      davies_bouldin: NaN,
      inertia: cost,
      stability:
        scanResamples > 0
          ? bootstrapStability(packed!, refit(k, Math.min(options.nInit, 3)), labels, k, {
              resamples: scanResamples,
              seed: options.seed,
              bootstrapSize: Math.min(data.n, STABILITY_SAMPLE_SIZE),
            }).ari
          : NaN,
    };
    return { entry, model, labels };
  });
  task.done();
  const entries = scan.map((s) => s.entry);
  const chosenK = spec.kind === 'fixed' ? spec.k : chooseK(entries);
  const chosen = scan.find((s) => s.entry.k === chosenK)!;
  const prototypes = chosen.model;
  const labels = chosen.labels;
  const { ids, mapping } = orderLabelsByRevenue(labels, chosenK, features.columns.revenue);

  let ari = chosen.entry.stability;
  let segmentStability = new Array<number>(chosenK).fill(NaN);
  if (options.stabilityResamples > 0) {
    const stability = bootstrapStability(packed!, refit(chosenK, Math.min(options.nInit, 3)), labels, chosenK, {
      resamples: options.stabilityResamples,
      seed: options.seed,
      bootstrapSize: Math.min(data.n, STABILITY_SAMPLE_SIZE),
    });
    ari = stability.ari;
    segmentStability = new Array<number>(chosenK);
    stability.jaccard.forEach((value, label) => {
      segmentStability[mapping[label]!] = value;
    });
  }

  return {
    method: 'k-prototypes',
    prototypes,
    encoding,
    k: chosenK,
    model: pcaCentres(chain.scores, labels, chosenK, options.seed),
    segmentIds: ids,
    labelToSegment: mapping,
    distances: prototypeDistances(data, labels, prototypes),
    quality: {
      silhouette: chosen.entry.silhouette,
      calinski_harabasz: NaN,
      davies_bouldin: NaN,
      inertia: chosen.entry.inertia,
      stability: ari,
    },
    scan: entries.map((e) => (e.k === chosenK ? { ...e, stability: ari } : e)),
    choice: { rule: spec.kind === 'fixed' ? 'fixed by --k' : FIRMOGRAPHIC_K_CHOICE_RULE, requested: options.k, chosen: chosenK },
    segmentStability,
  };
}

/** √ of each customer's k-prototypes dissimilarity to its own prototype: its `distance` in customers.csv. */
function prototypeDistances(data: MixedData, labels: Int32Array, model: KPrototypes): Float64Array {
  const centroids = model.standardizedCentroids;
  const modes = model.modes;
  const out = new Float64Array(data.n);
  for (let i = 0; i < data.n; i += 1) {
    out[i] = Math.sqrt(mixedDistance(data.numeric, data.categorical, i, centroids, modes, labels[i]!, data.p, data.q, model.gamma));
  }
  return out;
}

/**
 * The segments' mean PCA scores as a fitted k-means model, label order: the
 * centres the report's map and `explain` place the segments at. They describe
 * where each segment's customers sit in the behavioural space; they do not
 * assign customers (the k-prototypes model in model.json does).
 */
function pcaCentres(scores: DenseMatrix, labels: Int32Array, k: number, seed: number): KMeans {
  const { data, rows, cols } = scores;
  const sums = Array.from({ length: k }, () => new Float64Array(cols));
  const counts = new Float64Array(k);
  for (let i = 0; i < rows; i += 1) {
    counts[labels[i]!]! += 1;
    for (let j = 0; j < cols; j += 1) sums[labels[i]!]![j]! += data[i * cols + j]!;
  }
  const centroids = sums.map((sum, c) => Array.from(sum, (s) => (counts[c]! > 0 ? s / counts[c]! : 0)));
  return KMeans.fromJSON({ format: KMEANS_FORMAT, k, nInit: 1, maxIter: 1, tol: 0, seed, init: 'k-means++', centroids, inertia: NaN, nIter: 0 });
}

/**
 * Scores customers with a saved firmographic model (a refresh keeping its
 * model): reads `customer_firmographics` for the customers of
 * `customer_features`, encodes them as discover did and assigns each to the
 * nearest prototype. `scores` are the customers' PCA scores under the saved
 * chain (needed for `both`).
 */
export async function scoreFirmographicSegments(
  connection: DuckDBConnection,
  section: FirmographicModelSection,
  scores: DenseMatrix | null,
): Promise<{ segmentIds: Int32Array; distances: Float64Array }> {
  const model = KPrototypes.fromJSON(section.kprototypes);
  const inputs = await readFirmographicInputs(connection);
  const data = encodeMixed(section.encoding, inputs, section.encoding.behaviour ? scores : null);
  const labels = model.predict(data);
  const segmentIds = Int32Array.from(labels, (label) => section.label_to_segment[label]!);
  return { segmentIds, distances: prototypeDistances(data, labels, model) };
}
