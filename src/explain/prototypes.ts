/**
 * `segmenta explain` for a run whose segments were found with k-prototypes
 * (`--segment-on firmographics|both`): the customer's dissimilarity to every
 * saved prototype, the arithmetic that assigned it — squared Euclidean
 * distance on the numbers (ln(1 + employees) and ln(1 + annual revenue),
 * standardised; with `both` also the behavioural PCA scores, scaled) plus γ
 * per categorical mismatch (WZ section, size class, federal state).
 *
 * The inputs come from the run itself: model.json (the encoding and the
 * prototypes) and the customer's row of customers.parquet (the master's
 * columns, and the behavioural features the saved chain turns into PCA
 * scores).
 */
import type { FittedChain } from './clusteringSpace.ts';
import type { DenseMatrix } from '../ml/matrix.ts';
import { applyTransformChain } from '../segmentation/transformChain.ts';
import { encodeMixed, type FirmographicInputs, type FirmographicModelSection } from '../segmentation/firmographicClustering.ts';

/** Plain names of the k-prototypes inputs. */
export const PROTOTYPE_INPUT_LABELS: Readonly<Record<string, string>> = {
  behaviour: 'Buying behaviour (PCA)',
  log_employees: 'Employees (log)',
  log_annual_revenue: 'Annual revenue (log)',
  wz_section: 'WZ 2008 section',
  size_class: 'EU size class',
  state: 'Federal state',
};

/** One prototype as the customer sees it. */
export interface PrototypeDistance {
  segment_id: number;
  name: string;
  /** Squared distance on the behavioural PCA scores (scaled); null for `firmographics`. */
  behaviour: number | null;
  /** Squared distance on the firmographic numbers (training sd units). */
  numeric: number;
  /** The categorical inputs where the customer differs from the prototype's mode. */
  mismatches: string[];
  /** γ × the number of mismatches. */
  categorical: number;
  /** behaviour + numeric + categorical: what k-prototypes minimised. */
  dissimilarity: number;
  /** √dissimilarity, as customers.csv publishes it. */
  distance: number;
  /** The prototype in readable units: employees and annual revenue (back from ln(1 + x)), category levels. */
  values: PrototypeValues;
}

/** Firmographic values of a customer or a prototype (null = unknown). */
export interface PrototypeValues {
  employees: number | null;
  annual_revenue: number | null;
  wz_section: string | null;
  size_class: string | null;
  state: string | null;
}

/** How the customer was placed among the prototypes. */
export interface PrototypeExplanation {
  segment_on: 'firmographics' | 'both';
  gamma: number;
  /** With `both`: the PCA scores used and the factor they were multiplied by. */
  behaviour: { components: number; scale: number } | null;
  /** Numeric firmographic inputs used (others were left out at training: nobody had them, or all the same). */
  numeric: string[];
  categorical: string[];
  customer: PrototypeValues;
  /** Every prototype, nearest first (ties by segment id). */
  prototypes: PrototypeDistance[];
}

/** One input's share in the margin between the own segment and the runner-up. */
export interface PrototypeMargin {
  input: string;
  label: string;
  /** runner-up term − own term: positive favours the own segment. */
  contribution: number;
}

/**
 * Places one customer among the saved prototypes.
 *
 * @param inputs - the customer's firmographic inputs (n = 1), e.g. from `readRunFirmographicInputs`.
 * @param features - the customer's behavioural features by name (needed with `both`).
 * @param nameOf - segment id → name.
 */
export function placeAmongPrototypes(
  section: FirmographicModelSection,
  chain: FittedChain | null,
  inputs: FirmographicInputs,
  features: Record<string, number | null>,
  nameOf: ReadonlyMap<number, string>,
): PrototypeExplanation {
  const encoding = section.encoding;
  const components = encoding.behaviour?.components ?? 0;
  let scores: DenseMatrix | null = null;
  if (components > 0) {
    if (!chain) throw new Error('a model found on both needs its behavioural chain');
    const columns = Object.fromEntries(chain.features.map((f) => [f, Float64Array.of(features[f] ?? NaN)]));
    scores = applyTransformChain(chain, columns);
  }
  const data = encodeMixed(encoding, inputs, scores);
  const { centroids, modes, gamma } = section.kprototypes;
  const levelsOf = (j: number, code: number | undefined) => (code === undefined ? null : (encoding.categorical[j]!.levels[code] ?? null));
  const prototypes = centroids.map((centre, label): PrototypeDistance => {
    let behaviour = 0;
    for (let c = 0; c < components; c += 1) behaviour += (data.numeric[c]! - centre[c]!) ** 2;
    let numeric = 0;
    for (let l = components; l < data.p; l += 1) numeric += (data.numeric[l]! - centre[l]!) ** 2;
    const mismatches = encoding.categorical.filter((_, j) => data.categorical[j] !== modes[label]![j]).map((c) => c.name);
    const categorical = gamma * mismatches.length;
    const dissimilarity = behaviour + numeric + categorical;
    const id = section.label_to_segment[label]!;
    const numbers = Object.fromEntries(encoding.numeric.map((column, l) => [column.name, centre[components + l]! * column.std + column.mean]));
    return {
      segment_id: id,
      name: nameOf.get(id) ?? `segment ${id}`,
      behaviour: components > 0 ? behaviour : null,
      numeric,
      mismatches,
      categorical,
      dissimilarity,
      distance: Math.sqrt(dissimilarity),
      values: {
        employees: 'log_employees' in numbers ? Math.expm1(numbers.log_employees!) : null,
        annual_revenue: 'log_annual_revenue' in numbers ? Math.expm1(numbers.log_annual_revenue!) : null,
        ...categoricalValues(encoding.categorical.map((c, j) => [c.name, levelsOf(j, modes[label]![j])])),
      },
    };
  });
  prototypes.sort((a, b) => a.dissimilarity - b.dissimilarity || a.segment_id - b.segment_id);
  const known = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? null : Math.expm1(x));
  return {
    segment_on: section.segment_on,
    gamma,
    behaviour: encoding.behaviour,
    numeric: encoding.numeric.map((c) => c.name),
    categorical: encoding.categorical.map((c) => c.name),
    customer: {
      employees: known(inputs.numeric.log_employees[0]),
      annual_revenue: known(inputs.numeric.log_annual_revenue[0]),
      ...categoricalValues(encoding.categorical.map((c, j) => [c.name, levelsOf(j, data.categorical[j])])),
    },
    prototypes,
  };
}

function categoricalValues(pairs: Array<[string, string | null]>): Pick<PrototypeValues, 'wz_section' | 'size_class' | 'state'> {
  const byName = new Map(pairs);
  return { wz_section: byName.get('wz_section') ?? null, size_class: byName.get('size_class') ?? null, state: byName.get('state') ?? null };
}

/**
 * What separates the own segment's prototype from the runner-up's, input by
 * input: the behaviour block (with `both`) as one part, every firmographic
 * number, and γ for every categorical input where exactly one of the two
 * prototypes matches the customer. The parts add up to the difference of the
 * two dissimilarities.
 */
export function prototypeMargins(placement: PrototypeExplanation, section: FirmographicModelSection, inputs: FirmographicInputs, ownSegment: number, runnerUp: number): PrototypeMargin[] {
  const own = placement.prototypes.find((p) => p.segment_id === ownSegment)!;
  const runner = placement.prototypes.find((p) => p.segment_id === runnerUp)!;
  const margins: PrototypeMargin[] = [];
  if (own.behaviour !== null && runner.behaviour !== null) {
    margins.push({ input: 'behaviour', label: PROTOTYPE_INPUT_LABELS.behaviour!, contribution: runner.behaviour - own.behaviour });
  }
  const encoding = section.encoding;
  const components = encoding.behaviour?.components ?? 0;
  const labelOf = (id: number) => section.label_to_segment.indexOf(id);
  const ownCentre = section.kprototypes.centroids[labelOf(ownSegment)]!;
  const runnerCentre = section.kprototypes.centroids[labelOf(runnerUp)]!;
  encoding.numeric.forEach((column, l) => {
    const raw = inputs.numeric[column.name][0]!;
    const x = Number.isNaN(raw) ? 0 : (raw - column.mean) / column.std;
    const contribution = (x - runnerCentre[components + l]!) ** 2 - (x - ownCentre[components + l]!) ** 2;
    margins.push({ input: column.name, label: PROTOTYPE_INPUT_LABELS[column.name] ?? column.name, contribution });
  });
  for (const column of encoding.categorical) {
    const contribution = placement.gamma * (Number(runner.mismatches.includes(column.name)) - Number(own.mismatches.includes(column.name)));
    margins.push({ input: column.name, label: PROTOTYPE_INPUT_LABELS[column.name] ?? column.name, contribution });
  }
  return margins;
}
