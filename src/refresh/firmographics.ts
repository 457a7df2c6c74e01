/**
 * Refresh of a model found on firmographics (`discover --segment-on
 * firmographics|both`): such a model.json has a `firmographics` section with
 * the k-prototypes model that assigned the segments, and its `kmeans` part
 * only holds the segments' mean PCA scores (for the map). A refresh
 *
 * - needs the customer master the model was trained with (`--customers`),
 * - scores customers with the saved k-prototypes model
 *   (`scoreFirmographicSegments`),
 * - measures drift of the firmographic numbers too (mean shift of every
 *   numeric input, shift of every prototype), and
 * - matches retrained segments to the previous ones on firmographics as well
 *   as behaviour.
 *
 * The firmographic inputs of a published run can be rebuilt from its
 * customers.parquet (the master's columns are in it), the same arithmetic as
 * `customer_firmographics`: {@link readRunFirmographicInputs}, used for the
 * previous run's segment centres and by `segmenta explain`.
 */
import { listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { readNumericColumns } from '../db/columns.ts';
import { InputError, show } from '../errors.ts';
import type { SegmentOn } from '../customers/options.ts';
import { KPrototypes } from '../ml/kPrototypes.ts';
import type { DenseMatrix } from '../ml/matrix.ts';
import { mixedSilhouetteScore } from '../ml/mixedSilhouette.ts';
import type { ModelDocument } from '../model/modelDocument.ts';
import {
  encodeMixed,
  FIRMOGRAPHIC_CATEGORIES,
  FIRMOGRAPHIC_NUMERIC,
  type FirmographicClustering,
  type FirmographicInputs,
  type FirmographicModelSection,
  type MixedEncoding,
} from '../segmentation/firmographicClustering.ts';
import type { KScanEntry } from '../segments/types.ts';
import { KEPT_MODEL_RULE } from './score.ts';
import type { FirmographicDrift } from './types.ts';

/** What a model segments on: `behaviour` without a firmographics section. */
export function modelSegmentOn(model: Pick<ModelDocument, 'firmographics'>): SegmentOn {
  return model.firmographics?.segment_on ?? 'behaviour';
}

/** "firmographics" or "firmographics and behaviour", for messages. */
export function segmentOnWords(segmentOn: SegmentOn): string {
  return segmentOn === 'both' ? 'firmographics and behaviour' : segmentOn === 'firmographics' ? 'firmographics' : 'behaviour';
}

/**
 * Stops a refresh of a firmographic model that was not given the customer
 * master: without it every customer would be scored as "unknown" on every
 * firmographic input.
 *
 * @throws InputError (exit 2) naming `--customers` and the model directory.
 */
export function requireMasterForModel(model: Pick<ModelDocument, 'firmographics'>, customers: string | undefined, modelDir: string): void {
  const segmentOn = modelSegmentOn(model);
  if (segmentOn === 'behaviour' || customers !== undefined) return;
  throw new InputError(
    `--customers: the model in ${show(modelDir)} segments on ${segmentOnWords(segmentOn)}; give the customer master it was trained with`,
  );
}

/**
 * The saved k-prototypes model's clustering of the current customers, shaped
 * like a fresh one (so profiles and segments.json record what the segments
 * are found on), with its quality measured on them: the mixed silhouette on
 * the same seeded sample size as discover, the cost as inertia.
 * Calinski–Harabasz, Davies–Bouldin and stability are NaN (null in JSON), as
 * for a kept k-means model.
 *
 * @param centres - the model's `kmeans` part: the segments' mean PCA scores, for the map.
 */
export function keptFirmographicClustering(
  section: FirmographicModelSection,
  centres: FirmographicClustering['model'],
  inputs: FirmographicInputs,
  scores: DenseMatrix | null,
  scored: { segmentIds: Int32Array; distances: Float64Array },
  options: { seed: number; silhouetteSample: number; requestedK: string },
): FirmographicClustering {
  const prototypes = KPrototypes.fromJSON(section.kprototypes);
  const k = section.kprototypes.k;
  const data = encodeMixed(section.encoding, inputs, section.encoding.behaviour ? scores : null);
  const separable = new Set(scored.segmentIds).size >= 2 && data.n > k;
  let inertia = 0;
  for (const d of scored.distances) inertia += d * d;
  const silhouette = separable
    ? mixedSilhouetteScore(data, scored.segmentIds, { gamma: section.encoding.gamma, sampleSize: options.silhouetteSample, seed: options.seed })
    : NaN;
  const entry: KScanEntry = { k, silhouette, calinski_harabasz: NaN, davies_bouldin: NaN, inertia, stability: NaN };
  return {
    method: 'k-prototypes',
    prototypes,
    encoding: section.encoding,
    k,
    model: centres,
    segmentIds: scored.segmentIds,
    labelToSegment: [...section.label_to_segment],
    distances: scored.distances,
    quality: { silhouette, calinski_harabasz: NaN, davies_bouldin: NaN, inertia, stability: NaN },
    scan: [entry],
    choice: { rule: KEPT_MODEL_RULE, requested: options.requestedK, chosen: k },
    segmentStability: new Array<number>(k).fill(NaN),
  };
}

/**
 * `--retrain auto` retrains when the mean of a firmographic number, or the
 * centre of a segment in the firmographic numbers, moved this far from the
 * training, in training standard deviations. For a normally distributed
 * input a mean shift of 0.5 sd gives a PSI of about 0.25, the threshold the
 * behavioural features use; and 0.5 sd is the behavioural centroid-shift
 * threshold.
 */
export const RETRAIN_FIRMOGRAPHIC_SHIFT = 0.5;

/**
 * Drift of the firmographic numbers against the saved encoding, which holds
 * their training mean and standard deviation (after ln(1 + x), over the
 * customers with a value):
 *
 * - per numeric input, the shift of its mean, (mean now − mean at training) /
 *   sd at training, over the customers with a value, and the share of
 *   customers that have one;
 * - per segment, the Euclidean distance between its saved prototype and the
 *   mean of the customers the saved model puts in it now, on the firmographic
 *   numbers in the encoding's units (one unit = one training sd; unknown
 *   values count as the training mean, as the encoding does).
 *
 * The categorical inputs are not measured: model.json keeps each prototype's
 * mode, not the training distribution of the categories.
 */
export function measureFirmographicDrift(
  section: FirmographicModelSection,
  inputs: FirmographicInputs,
  segmentIds: Int32Array,
  names: ReadonlyMap<number, string>,
): FirmographicDrift {
  const encoding = section.encoding;
  const components = encoding.behaviour?.components ?? 0;
  const numeric = encoding.numeric.map((column) => {
    const values = inputs.numeric[column.name];
    let count = 0;
    let sum = 0;
    for (const x of values) {
      if (Number.isNaN(x)) continue;
      count += 1;
      sum += x;
    }
    const mean = count > 0 ? sum / count : null;
    return {
      input: column.name,
      training_mean: round(column.mean, 6),
      training_std: round(column.std, 6),
      mean: mean === null ? null : round(mean, 6),
      known_share: inputs.n > 0 ? round(count / inputs.n, 6) : 0,
      shift: mean === null ? null : round((mean - column.mean) / column.std, 6),
    };
  });
  const k = section.kprototypes.k;
  const labelOf = new Map(section.label_to_segment.map((id, label) => [id, label]));
  const current = firmographicNumericCentres(encoding, inputs, segmentIds, k);
  const prototype_shift = current.map((centre, id) => {
    const label = labelOf.get(id);
    const saved = label === undefined ? undefined : section.kprototypes.centroids[label]?.slice(components);
    const customers = centre.count;
    const shift = customers > 0 && saved && encoding.numeric.length > 0 ? euclidean(centre.mean, saved) : null;
    return { segment_id: id, segment: names.get(id) ?? `segment ${id}`, customers, shift: shift === null ? null : round(shift, 6) };
  });
  const maxOf = (xs: (number | null)[]) => {
    const finite = xs.filter((x): x is number => x !== null);
    return finite.length > 0 ? Math.max(...finite) : null;
  };
  return {
    segment_on: section.segment_on,
    numeric,
    max_numeric_shift: maxOf(numeric.map((n) => (n.shift === null ? null : Math.abs(n.shift)))),
    prototype_shift,
    max_prototype_shift: maxOf(prototype_shift.map((p) => p.shift)),
    threshold: RETRAIN_FIRMOGRAPHIC_SHIFT,
    not_measured: encoding.categorical.map((c) => c.name),
  };
}

/** Mean of the encoded firmographic numbers (no PCA block) of every segment id 0..k−1. */
function firmographicNumericCentres(
  encoding: MixedEncoding,
  inputs: FirmographicInputs,
  segmentIds: ArrayLike<number>,
  k: number,
): Array<{ count: number; mean: number[] }> {
  const p = encoding.numeric.length;
  const sums = Array.from({ length: k }, () => new Float64Array(p));
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < inputs.n; i += 1) {
    const id = segmentIds[i]!;
    counts[id] += 1;
    encoding.numeric.forEach((column, l) => {
      const x = inputs.numeric[column.name][i]!;
      sums[id]![l] += Number.isNaN(x) ? 0 : (x - column.mean) / column.std;
    });
  }
  return sums.map((sum, id) => ({ count: counts[id]!, mean: Array.from(sum, (s) => (counts[id]! > 0 ? s / counts[id]! : NaN)) }));
}

/**
 * Centres of segments in the firmographic part of the matching space: the
 * mean encoded firmographic numbers (training sd units), then for every
 * categorical input the share of each level × √(γ/2). Between two segments
 * whose customers all share one level, the squared distance of a categorical
 * block is then γ when the levels differ and 0 when they agree: the
 * k-prototypes weight of one mismatch.
 */
export function firmographicCentres(encoding: MixedEncoding, inputs: FirmographicInputs, segmentIds: ArrayLike<number>, k: number): number[][] {
  const numeric = firmographicNumericCentres(encoding, inputs, segmentIds, k);
  const weight = Math.sqrt(encoding.gamma / 2);
  return numeric.map((centre, id) => {
    const shares = encoding.categorical.flatMap((column) => {
      const counts = new Array<number>(column.levels.length).fill(0);
      const codes = inputs.codes[column.name];
      for (let i = 0; i < inputs.n; i += 1) if (segmentIds[i] === id && codes[i]! < column.levels.length) counts[codes[i]!] += 1;
      return counts.map((c) => (centre.count > 0 ? (weight * c) / centre.count : NaN));
    });
    return [...centre.mean, ...shares];
  });
}

/** The master's columns of a run's customer table that the firmographic inputs are rebuilt from. */
export const RUN_FIRMOGRAPHIC_COLUMNS = ['has_master', 'employees', 'annual_revenue', 'wz_section', 'size_class', 'state', 'company_country'] as const;

/**
 * The firmographic inputs of the customers of a published run, from its
 * customer table (customers.parquet): the same values and category codes as
 * `readFirmographicInputs` gave when the run was made, in customer_id order.
 * Returns null when the table lacks one of {@link RUN_FIRMOGRAPHIC_COLUMNS}
 * (a run made without a customer master).
 *
 * @param from - a fixed SQL reader over `$path`, e.g. `read_parquet($path)`.
 * @param where - an optional SQL condition on the table (parameters in `params`).
 */
export async function readRunFirmographicInputs(
  connection: DuckDBConnection,
  from: string,
  params: Record<string, DuckDBValue>,
  where = 'true',
): Promise<(FirmographicInputs & { segmentIds: Int32Array }) | null> {
  // DuckDB rejects parameters a statement does not use: the description gets only those of `from`.
  const describe = `DESCRIBE SELECT * FROM ${from}`;
  const reader = await connection.runAndReadAll(describe, Object.fromEntries(Object.entries(params).filter(([name]) => describe.includes(`$${name}`))));
  const columns = new Set(reader.getRowObjectsJS().map((r) => String(r.column_name)));
  if (!RUN_FIRMOGRAPHIC_COLUMNS.every((c) => columns.has(c)) || !columns.has('segment_id')) return null;
  const names = Object.keys(FIRMOGRAPHIC_CATEGORIES) as (keyof typeof FIRMOGRAPHIC_CATEGORIES)[];
  // As src/sql/customers/customer_firmographics.sql, over the columns customers_out took from customer_master.
  const category: Record<(typeof names)[number], string> = {
    wz_section: "coalesce(wz_section, 'unknown')",
    size_class: "coalesce(size_class, 'unknown')",
    state: "CASE WHEN NOT coalesce(has_master, false) THEN 'unknown' WHEN company_country <> 'DE' THEN 'abroad' ELSE coalesce(state, 'unknown') END",
  };
  const codes = names.map((name) => `coalesce(list_position($${name}, ${category[name]}), len($${name}) + 1) - 1 AS ${name}`);
  const read = await readNumericColumns(
    connection,
    `SELECT segment_id, ln(1 + employees) AS log_employees, ln(1 + annual_revenue) AS log_annual_revenue, ${codes.join(', ')}
     FROM ${from} WHERE ${where} ORDER BY customer_id`,
    { ...params, ...Object.fromEntries(names.map((name) => [name, listValue([...FIRMOGRAPHIC_CATEGORIES[name]])])) },
  );
  const numeric = Object.fromEntries(FIRMOGRAPHIC_NUMERIC.map((name, i) => [name, read.columns[1 + i]!])) as FirmographicInputs['numeric'];
  const codeColumns = Object.fromEntries(
    names.map((name, i) => [name, Int32Array.from(read.columns[1 + FIRMOGRAPHIC_NUMERIC.length + i]!)]),
  ) as FirmographicInputs['codes'];
  return { n: read.rows, numeric, codes: codeColumns, segmentIds: Int32Array.from(read.columns[0]!) };
}

/**
 * Centres of the previous run's segments in the firmographic part of the
 * matching space ({@link firmographicCentres}), from its customers.parquet;
 * null when that run has no master columns.
 *
 * @throws InputError when the table cannot be read or has a segment id the run does not have.
 */
export async function readPreviousFirmographicCentres(
  connection: DuckDBConnection,
  customersPath: string,
  encoding: MixedEncoding,
  k: number,
): Promise<number[][] | null> {
  let inputs: Awaited<ReturnType<typeof readRunFirmographicInputs>>;
  try {
    inputs = await readRunFirmographicInputs(connection, 'read_parquet($path)', { path: customersPath });
  } catch (error) {
    throw new InputError(`${customersPath}: cannot read the previous customers' firmographics: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (!inputs) return null;
  for (const id of inputs.segmentIds) {
    if (!(id >= 0 && id < k)) throw new InputError(`${customersPath}: segment_id ${id} is not a segment of the previous run`);
  }
  return firmographicCentres(encoding, inputs, inputs.segmentIds, k);
}

function euclidean(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let j = 0; j < a.length; j += 1) sum += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(sum);
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
