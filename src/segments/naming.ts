/**
 * Segment names: turns each cluster's profile into a unique name a marketing
 * team can use in a meeting ("Fading high spenders", „Abwandernde Top-Kunden“).
 *
 * How:
 * 1. A fixed list of archetypes ({@link ARCHETYPES}), each a prototype
 *    profile: target levels for its key features, optionally the lifecycle
 *    stage most of its customers should be in, and whether its customers are
 *    one-time or repeat buyers.
 * 2. Every (segment, archetype) pair gets a cost ({@link archetypeCost}): how
 *    far the segment's profile is from the prototype.
 * 3. The Hungarian algorithm ({@link hungarian}) assigns archetypes to
 *    segments so that names are unique and the total cost is minimal — the
 *    best overall fit wins, not the first segment to grab a name.
 * 4. An archetype may be used again, at a cost (`reusePenalty`) — always
 *    when there are more segments than archetypes, and otherwise only when
 *    the next-best archetype fits clearly worse (two lapsed one-timer groups
 *    are better named "Lapsed one-timers (…)" twice than one of them
 *    "Everyday customers"). Every segment sharing an archetype gets its most
 *    distinguishing trait appended ("Champions (high return rate)"), never a
 *    number, so the displayed names are always unique.
 *
 * The result depends only on the profiles and ids, never on input order, and
 * ties are broken by id, so the same profiles always get the same names.
 */

import type { Lang, Localized } from './i18n.ts';
import type { LifecycleStage } from '../rules/lifecycle.ts';
import { FEATURES, FEATURE_NAMES, LIFECYCLE_LABELS, type FeatureName, type FeatureTrait } from './features.ts';

// ---------------------------------------------------------------------------
// Hungarian algorithm
// ---------------------------------------------------------------------------

/** An optimal assignment of rows to columns. */
export interface Assignment {
  /** `assignment[row]` = the column given to that row, or −1 when there are more rows than columns and it got none. */
  assignment: number[];
  /** Sum of the costs of the assigned cells. */
  total: number;
}

/**
 * Minimum-cost assignment (Hungarian algorithm, Kuhn–Munkres with potentials,
 * O(n²·m)) on a rectangular cost matrix. Every row gets a distinct column when
 * rows ≤ columns; otherwise every column gets a distinct row and the
 * remaining rows get −1. Deterministic: among equal-cost columns the scan
 * takes the lowest index.
 *
 * @param cost `cost[row][column]`, finite numbers, all rows of equal length.
 * @throws {RangeError} for a ragged matrix or a non-finite cost.
 */
export function hungarian(cost: readonly (readonly number[])[]): Assignment {
  const rows = cost.length;
  if (rows === 0) return { assignment: [], total: 0 };
  const cols = cost[0].length;
  for (const [i, line] of cost.entries()) {
    if (line.length !== cols) throw new RangeError(`cost matrix is ragged: row ${i} has ${line.length} columns, row 0 has ${cols}`);
    for (const [j, value] of line.entries()) {
      if (!Number.isFinite(value)) throw new RangeError(`cost[${i}][${j}] must be finite, got ${String(value)}`);
    }
  }
  if (cols === 0) return { assignment: new Array<number>(rows).fill(-1), total: 0 };

  if (rows > cols) {
    // The algorithm needs rows ≤ columns: solve the transpose and invert.
    const transposed = Array.from({ length: cols }, (_, j) => cost.map((line) => line[j]));
    const byColumn = hungarian(transposed).assignment;
    const assignment = new Array<number>(rows).fill(-1);
    byColumn.forEach((row, column) => {
      assignment[row] = column;
    });
    return { assignment, total: sumAssigned(cost, assignment) };
  }

  // 1-based arrays; index 0 is the virtual column the augmenting path starts from.
  const u = new Array<number>(rows + 1).fill(0);
  const v = new Array<number>(cols + 1).fill(0);
  const rowOfCol = new Array<number>(cols + 1).fill(0);
  const way = new Array<number>(cols + 1).fill(0);
  for (let i = 1; i <= rows; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    const minv = new Array<number>(cols + 1).fill(Infinity);
    const used = new Array<boolean>(cols + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = rowOfCol[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= cols; j++) {
        if (used[j]) continue;
        const reduced = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= cols; j++) {
        if (used[j]) {
          u[rowOfCol[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (rowOfCol[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOfCol[j0] = rowOfCol[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= cols; j++) {
    if (rowOfCol[j] !== 0) assignment[rowOfCol[j] - 1] = j - 1;
  }
  return { assignment, total: sumAssigned(cost, assignment) };
}

function sumAssigned(cost: readonly (readonly number[])[], assignment: readonly number[]): number {
  let total = 0;
  assignment.forEach((column, row) => {
    if (column >= 0) total += cost[row][column];
  });
  return total;
}

// ---------------------------------------------------------------------------
// Archetypes
// ---------------------------------------------------------------------------

/**
 * Target levels for a feature, on the saturated scale tanh(z / {@link Z_SCALE})
 * that runs from −1 (far below average) to +1 (far above). For recency, LOW
 * means *recent*.
 */
export const LEVEL = {
  veryHigh: 0.9,
  high: 0.6,
  some: 0.3,
  average: 0,
  little: -0.3,
  low: -0.6,
  veryLow: -0.9,
} as const;

/** Whether an archetype's customers buy once or again (checked on the segment's median frequency). */
export type BuyerKind = 'one_time' | 'repeat';

/** Ids of the archetypes. */
export const ARCHETYPE_IDS = [
  'champions',
  'loyal_regulars',
  'big_basket_wholesalers',
  'promising_newcomers',
  'new_one_time_buyers',
  'fading_high_spenders',
  'lapsed_one_timers',
  'occasional_low_spenders',
  'returners',
  'long_standing_steady_buyers',
  'dormant',
  'everyday_customers',
  'frequent_small_baskets',
  'variety_seekers',
  'cooling_regulars',
] as const;

/** An archetype id; language-independent, used by the action rules. */
export type ArchetypeId = (typeof ARCHETYPE_IDS)[number];

/** A prototype segment profile with a name. */
export interface Archetype {
  id: ArchetypeId;
  /** The segment name. */
  name: Localized;
  /** One line: who these customers are (README, report legend). */
  summary: Localized;
  /** Target level per key feature (see {@link LEVEL}). Features not listed are expected to be near average, with a lower weight. */
  pattern: Readonly<Partial<Record<FeatureName, number>>>;
  /** The lifecycle stage most of its customers are expected to be in. */
  lifecycle?: LifecycleStage;
  /** One-time or repeat buyers; names like "one-timers" must not land on repeat buyers. */
  buyers?: BuyerKind;
}

/**
 * The archetypes, in priority order (on exactly equal fit, an earlier one goes
 * to the lower segment id). Patterns are prototypes, not thresholds: a segment
 * gets the archetype it is closest to, relative to the other segments.
 */
export const ARCHETYPES: readonly Archetype[] = [
  {
    id: 'champions',
    name: { en: 'Champions', de: 'Champions' },
    summary: {
      en: 'Frequent, recent high spenders with a broad basket.',
      de: 'Kaufen häufig, kürzlich und viel, quer durchs Sortiment.',
    },
    pattern: { recency_days: LEVEL.low, frequency: LEVEL.veryHigh, revenue: LEVEL.veryHigh, distinct_products: LEVEL.high, tenure_days: LEVEL.some },
    lifecycle: 'active',
    buyers: 'repeat',
  },
  {
    id: 'loyal_regulars',
    name: { en: 'Loyal regulars', de: 'Treue Stammkunden' },
    summary: {
      en: 'Order regularly and recently, with above-average revenue.',
      de: 'Bestellen regelmäßig und kürzlich, mit überdurchschnittlichem Umsatz.',
    },
    pattern: { recency_days: LEVEL.little, frequency: LEVEL.high, revenue: LEVEL.some, tenure_days: LEVEL.some, distinct_products: LEVEL.some },
    buyers: 'repeat',
  },
  {
    id: 'big_basket_wholesalers',
    name: { en: 'Big-basket wholesalers', de: 'Großabnehmer' },
    summary: {
      en: 'Few but very large orders: high order value and many units per order.',
      de: 'Wenige, aber sehr große Bestellungen: hoher Bestellwert und viele Stück pro Bestellung.',
    },
    pattern: { avg_order_value: LEVEL.veryHigh, units_per_order: LEVEL.veryHigh, revenue: LEVEL.high },
  },
  {
    id: 'promising_newcomers',
    name: { en: 'Promising newcomers', de: 'Vielversprechende Neukunden' },
    summary: {
      en: 'Joined recently, have already come back, and order at or above the usual value.',
      de: 'Kürzlich gewonnen, schon wiedergekommen und bestellen für durchschnittliche oder höhere Beträge.',
    },
    pattern: { recency_days: LEVEL.low, tenure_days: LEVEL.low, avg_order_value: LEVEL.some, frequency: LEVEL.average },
    lifecycle: 'new',
    buyers: 'repeat',
  },
  {
    id: 'new_one_time_buyers',
    name: { en: 'New one-time buyers', de: 'Neue Einmalkäufer' },
    summary: {
      en: 'Bought once, recently, for a small amount.',
      de: 'Haben einmal gekauft, vor Kurzem und für einen kleinen Betrag.',
    },
    pattern: { recency_days: LEVEL.low, tenure_days: LEVEL.low, frequency: LEVEL.low, revenue: LEVEL.little },
    lifecycle: 'new',
    buyers: 'one_time',
  },
  {
    id: 'fading_high_spenders',
    name: { en: 'Fading high spenders', de: 'Abwandernde Top-Kunden' },
    summary: {
      en: 'Brought high revenue but have not ordered for a long time.',
      de: 'Haben viel Umsatz gebracht, aber lange nicht mehr bestellt.',
    },
    pattern: { revenue: LEVEL.high, recency_days: LEVEL.high, avg_order_value: LEVEL.some, tenure_days: LEVEL.some },
    lifecycle: 'at_risk',
  },
  {
    id: 'lapsed_one_timers',
    name: { en: 'Lapsed one-timers', de: 'Abgewanderte Einmalkäufer' },
    summary: {
      en: 'Bought once, long ago, and never came back.',
      de: 'Haben einmal gekauft, vor langer Zeit, und sind nie wiedergekommen.',
    },
    pattern: { recency_days: LEVEL.veryHigh, frequency: LEVEL.low, revenue: LEVEL.little, distinct_products: LEVEL.little },
    lifecycle: 'inactive',
    buyers: 'one_time',
  },
  {
    id: 'occasional_low_spenders',
    name: { en: 'Occasional low spenders', de: 'Sparsame Gelegenheitskäufer' },
    summary: {
      en: 'Order now and then, in small baskets and for little money.',
      de: 'Bestellen ab und zu, kleine Warenkörbe für wenig Geld.',
    },
    pattern: { frequency: LEVEL.little, revenue: LEVEL.low, avg_order_value: LEVEL.low, distinct_products: LEVEL.little },
  },
  {
    id: 'returners',
    name: { en: 'Returners', de: 'Vielretournierer' },
    summary: {
      en: 'Send back a large share of what they buy.',
      de: 'Schicken einen großen Teil ihrer Einkäufe zurück.',
    },
    pattern: { return_rate: LEVEL.veryHigh },
  },
  {
    id: 'long_standing_steady_buyers',
    name: { en: 'Long-standing steady buyers', de: 'Langjährige Bestandskunden' },
    summary: {
      en: 'Customers for a long time who keep ordering at a moderate pace.',
      de: 'Seit Langem Kunden, die in mäßigem Takt weiter bestellen.',
    },
    pattern: { tenure_days: LEVEL.high, frequency: LEVEL.some, recency_days: LEVEL.little, revenue: LEVEL.some },
    buyers: 'repeat',
  },
  {
    id: 'dormant',
    name: { en: 'Dormant customers', de: 'Schlafende Kunden' },
    summary: {
      en: 'Bought repeatedly in the past, but nothing for a long time.',
      de: 'Haben früher mehrfach gekauft, aber lange nichts mehr.',
    },
    pattern: { recency_days: LEVEL.veryHigh, tenure_days: LEVEL.high, frequency: LEVEL.little },
    lifecycle: 'inactive',
    buyers: 'repeat',
  },
  {
    id: 'everyday_customers',
    name: { en: 'Everyday customers', de: 'Durchschnittskunden' },
    summary: {
      en: 'Close to the average customer on every feature.',
      de: 'In allen Merkmalen nahe am durchschnittlichen Kunden.',
    },
    pattern: {
      recency_days: LEVEL.average,
      frequency: LEVEL.average,
      revenue: LEVEL.average,
      avg_order_value: LEVEL.average,
      tenure_days: LEVEL.average,
      distinct_products: LEVEL.average,
      units_per_order: LEVEL.average,
      return_rate: LEVEL.average,
    },
  },
  {
    id: 'frequent_small_baskets',
    name: { en: 'Frequent small-basket buyers', de: 'Häufige Kleinkäufer' },
    summary: {
      en: 'Order often, but little at a time.',
      de: 'Bestellen oft, aber jeweils wenig.',
    },
    pattern: { frequency: LEVEL.high, avg_order_value: LEVEL.low, units_per_order: LEVEL.low, recency_days: LEVEL.little },
    buyers: 'repeat',
  },
  {
    id: 'variety_seekers',
    name: { en: 'Variety seekers', de: 'Sortimentsentdecker' },
    summary: {
      en: 'Buy across a wide range of products, few units of each.',
      de: 'Kaufen quer durch ein breites Sortiment, von jedem Produkt wenige Stück.',
    },
    pattern: { distinct_products: LEVEL.veryHigh, units_per_order: LEVEL.little, frequency: LEVEL.some },
  },
  {
    id: 'cooling_regulars',
    name: { en: 'Cooling regulars', de: 'Nachlassende Stammkunden' },
    summary: {
      en: 'Used to order regularly; the last order is longer ago than usual.',
      de: 'Haben regelmäßig bestellt; die letzte Bestellung liegt länger zurück als üblich.',
    },
    pattern: { frequency: LEVEL.some, recency_days: LEVEL.some, tenure_days: LEVEL.high, revenue: LEVEL.average },
    lifecycle: 'at_risk',
    buyers: 'repeat',
  },
];

/** Looks an archetype up by id. */
export function archetypeById(id: ArchetypeId): Archetype {
  const found = ARCHETYPES.find((archetype) => archetype.id === id);
  if (!found) throw new RangeError(`unknown archetype ${id}`);
  return found;
}

// ---------------------------------------------------------------------------
// Fit
// ---------------------------------------------------------------------------

/**
 * The features a profile is compared on: the union of all archetype key
 * features (the default clustering features). A feature missing from a
 * segment's z counts as average — no evidence either way.
 */
export const NAMING_FEATURES: readonly FeatureName[] = FEATURE_NAMES.filter((name) =>
  ARCHETYPES.some((archetype) => archetype.pattern[name] !== undefined),
);

/**
 * The constants of the fit, in one place.
 * - `zScale`: z-scores are squashed with tanh(z / zScale), so one wholesaler
 *   segment at z = 9 counts as "far above average", not 9 times as much.
 * - `skewedZScale`: the same for the `log1p` features (counts and money).
 *   Profiles standardise the *raw* features, and there a few huge customers
 *   inflate the standard deviation, so a segment that spends 3× the average
 *   per order shows z ≈ 0.45. Reading these z on half the scale puts them on
 *   a par with recency and tenure (checked on the embedded Online Retail data
 *   for k = 4 … 12). Use 1 if z is ever computed on transformed features.
 * - `otherWeight`: weight of the features an archetype does not mention,
 *   which should be near average. Low, so an archetype is about its key
 *   features, but not zero, so a segment with a striking trait elsewhere
 *   (returns) is not hidden under a generic name.
 * - `lifecycleWeight`: weight of "customers are in the expected stage",
 *   relative to one key feature.
 * - `buyerPenalty`: added when a one-time archetype's segment has a median
 *   of 2+ orders or a repeat archetype's segment a median of ≤ 1 — the name
 *   would be false. As large as a full miss on a key feature.
 * - `reusePenalty`: added per extra use of an archetype. A second
 *   "Lapsed one-timers" beats a different archetype only if that one fits
 *   worse by more than this (on the embedded data: distinct lapsed groups get
 *   the shared name plus a trait; near-ties keep distinct archetypes).
 * - `costQuantum`: costs are rounded to this before the assignment, so float
 *   noise below it cannot flip a name between runs.
 */
export const NAMING = {
  zScale: 1,
  skewedZScale: 0.5,
  otherWeight: 0.25,
  lifecycleWeight: 1,
  buyerPenalty: 1,
  reusePenalty: 0.1,
  costQuantum: 1e-4,
} as const;

/** What naming needs to know about a segment (a subset of `SegmentProfile`). */
export interface NamingInput {
  /** Segment id; ties are broken in favour of the lower id. */
  id: number;
  /** Number of customers; the denominator of the lifecycle shares. */
  size: number;
  /** Standardised deviation of the segment mean from all customers, per feature. */
  z: Record<string, number>;
  /** Median per feature; `frequency` tells one-time from repeat buyers. */
  median: Record<string, number>;
  /** Customers per lifecycle stage. */
  lifecycle: Record<string, number>;
}

function level(feature: FeatureName, z: number | undefined): number {
  if (z === undefined || Number.isNaN(z)) return 0;
  const scale = FEATURES[feature].transform === 'log1p' ? NAMING.skewedZScale : NAMING.zScale;
  return Math.tanh(z / scale);
}

function lifecycleShare(segment: NamingInput, stage: LifecycleStage): number | undefined {
  const counts = Object.values(segment.lifecycle).filter((n) => Number.isFinite(n));
  const total = segment.size > 0 ? segment.size : counts.reduce((a, b) => a + b, 0);
  if (counts.length === 0 || total <= 0) return undefined;
  return (segment.lifecycle[stage] ?? 0) / total;
}

/**
 * How far a segment is from an archetype (0 = a perfect match; lower is better).
 * With the segment's levels ℓ = tanh(z / scale) (see `zScale`, `skewedZScale`) over {@link NAMING_FEATURES}:
 *
 *   mean over key features of (ℓ − target)², the lifecycle term
 *   (1 − share in the expected stage)² counting as one more key term when the
 *   archetype names a stage and the segment has lifecycle counts;
 * + otherWeight · mean over the other features of ℓ² (they should be ordinary);
 * + buyerPenalty when the median frequency contradicts the archetype's buyer kind.
 *
 * Means, not sums, so an archetype with one key feature (Returners) competes
 * on equal terms with one that has five.
 */
export function archetypeCost(segment: NamingInput, archetype: Archetype): number {
  let keySum = 0;
  let keyWeight = 0;
  let otherSum = 0;
  let otherCount = 0;
  for (const feature of NAMING_FEATURES) {
    const target = archetype.pattern[feature];
    const actual = level(feature, segment.z[feature]);
    if (target === undefined) {
      otherSum += actual * actual;
      otherCount += 1;
    } else {
      keySum += (actual - target) ** 2;
      keyWeight += 1;
    }
  }
  if (archetype.lifecycle !== undefined) {
    const share = lifecycleShare(segment, archetype.lifecycle);
    if (share !== undefined) {
      keySum += NAMING.lifecycleWeight * (1 - share) ** 2;
      keyWeight += NAMING.lifecycleWeight;
    }
  }
  let cost = keySum / keyWeight + (otherCount > 0 ? (NAMING.otherWeight * otherSum) / otherCount : 0);
  const medianOrders = segment.median.frequency;
  if (archetype.buyers !== undefined && Number.isFinite(medianOrders)) {
    const contradicts = archetype.buyers === 'one_time' ? medianOrders >= 2 : medianOrders <= 1;
    if (contradicts) cost += NAMING.buyerPenalty;
  }
  return cost;
}

// ---------------------------------------------------------------------------
// Naming
// ---------------------------------------------------------------------------

/** How a trait is worded: against all customers (`high`/`low`) or against same-named segments (`higher`/`lower`). */
export type TraitWording = keyof FeatureTrait;

/** A trait appended to a reused archetype name. */
export interface NameTrait {
  feature: FeatureName;
  wording: TraitWording;
  /** |segment z − mean z of the segments sharing its archetype| on the feature. */
  distance: number;
}

/** The name given to one segment. */
export interface SegmentName {
  id: number;
  /** The unique display name in the requested language. */
  name: string;
  archetype: ArchetypeId;
  /** Set when the archetype is shared with other segments (see `reusePenalty`). */
  trait: NameTrait | null;
  /** {@link archetypeCost} of the segment for its archetype (how well the name fits; lower is better). */
  cost: number;
}

/**
 * Gives every segment a unique, stable, human name in `lang`.
 *
 * The assignment does not depend on `lang`, so calling once per language gives
 * the same archetype for a segment in every language. The result is in input
 * order; it does not depend on that order.
 *
 * @throws {RangeError} when ids are not unique integers, or when segments that
 *   share an archetype cannot be told apart by any trait (identical profiles).
 */
export function nameSegments(segments: readonly NamingInput[], lang: Lang): SegmentName[] {
  const ids = new Set<number>();
  for (const segment of segments) {
    if (!Number.isInteger(segment.id)) throw new RangeError(`segment id must be an integer, got ${String(segment.id)}`);
    if (ids.has(segment.id)) throw new RangeError(`segment id ${segment.id} is not unique`);
    ids.add(segment.id);
  }
  if (segments.length === 0) return [];

  // Rows in id order: the tie-break below, and the algorithm's scan, then
  // depend on ids only, never on the order the caller listed the segments in.
  const rows = [...segments].sort((a, b) => a.id - b.id);
  const k = rows.length;
  // One column per (archetype, use): the c-th extra use of an archetype costs
  // c × reusePenalty more, so the optimum decides how often each is reused.
  const copies = k;
  const columns = Array.from({ length: copies * ARCHETYPES.length }, (_, c) => ({
    archetype: ARCHETYPES[c % ARCHETYPES.length],
    copy: Math.floor(c / ARCHETYPES.length),
  }));

  const costs = rows.map((segment) => ARCHETYPES.map((archetype) => archetypeCost(segment, archetype)));

  // Integer costs: quantised cost × tieBase + a tie term that is smaller than
  // one quantum in total. Among assignments of equal quantised cost, the tie
  // term j·(k − i) prefers giving lower-listed archetypes to lower ids
  // (swapping two rows' columns a < b changes it by (b − a)·(i' − i) > 0).
  const m = columns.length;
  const tieBase = k * k * m + 1;
  const matrix = rows.map((_, i) =>
    columns.map((column, j) => {
      const base = costs[i][ARCHETYPES.indexOf(column.archetype)] + column.copy * NAMING.reusePenalty;
      return Math.round(base / NAMING.costQuantum) * tieBase + j * (k - i);
    }),
  );
  const largest = Math.max(...matrix.flat());
  if (largest * k > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`too many segments to name exactly (k = ${k})`);
  }
  const { assignment } = hungarian(matrix);

  const chosen = rows.map((segment, i) => ({
    segment,
    archetype: columns[assignment[i]].archetype,
    cost: costs[i][ARCHETYPES.indexOf(columns[assignment[i]].archetype)],
  }));

  const traits = assignTraits(chosen);
  const byId = new Map(
    chosen.map((entry) => {
      const trait = traits.get(entry.segment.id) ?? null;
      const base = entry.archetype.name[lang];
      const name = trait ? `${base} (${FEATURES[trait.feature].trait[trait.wording][lang]})` : base;
      return [entry.segment.id, { id: entry.segment.id, name, archetype: entry.archetype.id, trait, cost: entry.cost }];
    }),
  );
  return segments.map((segment) => byId.get(segment.id)!);
}

/**
 * Picks a distinguishing trait for every segment whose archetype is shared:
 * the {@link NAMING_FEATURES} feature (a clustering feature; derived ones like
 * days between orders only echo them) on which the segment is farthest from
 * the mean of its siblings. It is worded absolutely ("high return rate") when
 * the segment also lies on that side of the average customer, so the phrase
 * is true on its own; otherwise comparatively ("higher return rate"). Lower
 * ids choose first; a wording already taken in the group is skipped; ties go
 * to {@link FEATURE_NAMES} order. Segments that are identical on all of these
 * fall back to their own largest |z| over the whole registry.
 */
function assignTraits(chosen: ReadonlyArray<{ segment: NamingInput; archetype: Archetype }>): Map<number, NameTrait> {
  const groups = new Map<ArchetypeId, Array<{ segment: NamingInput; archetype: Archetype }>>();
  for (const entry of chosen) {
    const group = groups.get(entry.archetype.id) ?? [];
    group.push(entry);
    groups.set(entry.archetype.id, group);
  }
  const zOf = (segment: NamingInput, feature: FeatureName): number => {
    const z = segment.z[feature];
    return z === undefined || !Number.isFinite(z) ? 0 : z;
  };
  const result = new Map<number, NameTrait>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const taken = new Set<string>();
    for (const { segment, archetype } of group) {
      const siblings = group.filter((other) => other.segment.id !== segment.id);
      const candidates: NameTrait[] = NAMING_FEATURES.map((feature) => {
        const own = zOf(segment, feature);
        const siblingMean = siblings.reduce((sum, other) => sum + zOf(other.segment, feature), 0) / siblings.length;
        const diff = own - siblingMean;
        const absolute = own !== 0 && Math.sign(own) === Math.sign(diff);
        const wording: TraitWording = diff > 0 ? (absolute ? 'high' : 'higher') : absolute ? 'low' : 'lower';
        return { feature, wording, distance: Math.abs(diff) };
      })
        .filter((c) => c.distance > 0)
        .sort((a, b) => b.distance - a.distance);
      // Segments identical on every clustering feature: fall back to the
      // segment's own strongest traits over the whole registry.
      const fallback: NameTrait[] = FEATURE_NAMES.map((feature) => {
        const own = zOf(segment, feature);
        return { feature, wording: own > 0 ? ('high' as const) : ('low' as const), distance: Math.abs(own) };
      })
        .filter((c) => c.distance > 0)
        .sort((a, b) => b.distance - a.distance);
      const pick = [...candidates, ...fallback].find((c) => !taken.has(`${c.feature}:${c.wording}`));
      if (!pick) {
        throw new RangeError(
          `segments ${group.map((g) => g.segment.id).join(', ')} share the archetype ${archetype.id} and no trait tells segment ${segment.id} apart`,
        );
      }
      taken.add(`${pick.feature}:${pick.wording}`);
      result.set(segment.id, pick);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------
// Documentation
// ---------------------------------------------------------------------------

const LEVEL_WORDS: ReadonlyArray<{ value: number; text: Localized }> = [
  { value: LEVEL.veryHigh, text: { en: 'very high', de: 'sehr hoch' } },
  { value: LEVEL.high, text: { en: 'high', de: 'hoch' } },
  { value: LEVEL.some, text: { en: 'above average', de: 'überdurchschnittlich' } },
  { value: LEVEL.average, text: { en: 'average', de: 'durchschnittlich' } },
  { value: LEVEL.little, text: { en: 'below average', de: 'unterdurchschnittlich' } },
  { value: LEVEL.low, text: { en: 'low', de: 'niedrig' } },
  { value: LEVEL.veryLow, text: { en: 'very low', de: 'sehr niedrig' } },
];

/** Renders the archetypes (name, summary, pattern) as a markdown table for the README. */
export function renderArchetypeTableMarkdown(lang: Lang): string {
  const header = lang === 'en' ? ['name', 'who', 'profile'] : ['Name', 'Wer', 'Profil'];
  const buyerWords: Record<BuyerKind, Localized> = {
    one_time: { en: 'median 1 order', de: 'Median 1 Bestellung' },
    repeat: { en: 'median 2+ orders', de: 'Median 2+ Bestellungen' },
  };
  const lines = [header, header.map(() => '---')].map((cells) => `| ${cells.join(' | ')} |`);
  for (const archetype of ARCHETYPES) {
    const parts = NAMING_FEATURES.filter((f) => archetype.pattern[f] !== undefined).map((f) => {
      const target = archetype.pattern[f]!;
      const word = LEVEL_WORDS.find((w) => w.value === target)?.text[lang] ?? String(target);
      return `${FEATURES[f].label[lang]}: ${word}`;
    });
    if (archetype.lifecycle) {
      const stage = LIFECYCLE_LABELS[archetype.lifecycle][lang];
      parts.push(lang === 'en' ? `mostly ${stage}` : `überwiegend ${stage}`);
    }
    if (archetype.buyers) parts.push(buyerWords[archetype.buyers][lang]);
    const cells = [archetype.name[lang], archetype.summary[lang], parts.join('; ')];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
