/**
 * Segment statistics from the customer features and the cluster labels:
 * sizes, revenue, feature means, medians and z-scores. Profiles never refit
 * anything; they describe what the clustering produced.
 */

/** Per-segment figures before naming. */
export interface SegmentStats {
  id: number;
  size: number;
  share: number;
  revenue: number;
  revenue_share: number;
  profile: Record<string, number>;
  median: Record<string, number>;
  z: Record<string, number>;
}

/** Mean and population standard deviation of every feature over all customers. */
export interface PopulationStats {
  mean: Record<string, number>;
  std: Record<string, number>;
  median: Record<string, number>;
  n: number;
  revenue: number;
}

/**
 * Renumbers cluster labels so segment 0 has the largest revenue, 1 the next,
 * and so on (ties by the clustering's own label). Segment ids then mean the
 * same thing in every run: "0 is where the money is".
 */
export function orderLabelsByRevenue(labels: Int32Array, k: number, revenue: Float64Array): { ids: Int32Array; mapping: number[] } {
  const totals = new Float64Array(k);
  for (let i = 0; i < labels.length; i += 1) totals[labels[i]] += revenue[i];
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => totals[b] - totals[a] || a - b);
  const mapping = new Array<number>(k);
  order.forEach((cluster, id) => {
    mapping[cluster] = id;
  });
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i += 1) ids[i] = mapping[labels[i]];
  return { ids, mapping };
}

/** Mean, standard deviation and median of every feature over all customers (NaN skipped). */
export function populationStats(columns: Record<string, Float64Array>, revenueColumn = 'revenue'): PopulationStats {
  const mean: Record<string, number> = {};
  const std: Record<string, number> = {};
  const median: Record<string, number> = {};
  let n = 0;
  let scratch = new Float64Array(0);
  for (const [name, values] of Object.entries(columns)) {
    if (scratch.length < values.length) scratch = new Float64Array(values.length);
    let count = 0;
    for (let i = 0; i < values.length; i += 1) if (!Number.isNaN(values[i])) scratch[count++] = values[i];
    const d = describe(scratch, 0, count);
    mean[name] = d.mean;
    std[name] = d.std;
    median[name] = d.median;
    n = Math.max(n, values.length);
  }
  return { mean, std, median, n, revenue: sum(columns[revenueColumn]) };
}

/** Size, revenue, means, medians and z-scores of every segment. */
export function segmentStats(
  columns: Record<string, Float64Array>,
  ids: Int32Array,
  k: number,
  population: PopulationStats,
  revenueColumn = 'revenue',
): SegmentStats[] {
  const n = ids.length;
  const revenue = columns[revenueColumn];
  // Customer indices grouped by segment, ascending within each: one pass per
  // feature then fills every segment's values in the original order, so sums
  // (and hence means) add up exactly as a per-segment scan would.
  const start = new Int32Array(k + 1);
  for (let i = 0; i < n; i += 1) start[ids[i] + 1] += 1;
  for (let id = 0; id < k; id += 1) start[id + 1] += start[id];
  const order = new Int32Array(n);
  const next = start.slice(0, k);
  for (let i = 0; i < n; i += 1) order[next[ids[i]]++] = i;

  const stats: SegmentStats[] = [];
  for (let id = 0; id < k; id += 1) {
    let segmentRevenue = 0;
    for (let j = start[id]; j < start[id + 1]; j += 1) segmentRevenue += revenue[order[j]];
    const size = start[id + 1] - start[id];
    stats.push({
      id,
      size,
      share: size / n,
      revenue: segmentRevenue,
      revenue_share: population.revenue !== 0 ? segmentRevenue / population.revenue : 0,
      profile: {},
      median: {},
      z: {},
    });
  }
  const scratch = new Float64Array(n);
  for (const [name, values] of Object.entries(columns)) {
    const sd = population.std[name];
    for (let id = 0; id < k; id += 1) {
      const from = start[id];
      let count = 0;
      for (let j = from; j < start[id + 1]; j += 1) {
        const value = values[order[j]];
        if (!Number.isNaN(value)) scratch[from + count++] = value;
      }
      const d = describe(scratch, from, count);
      const s = stats[id];
      s.profile[name] = d.mean;
      s.median[name] = d.median;
      s.z[name] = sd > 0 && Number.isFinite(d.mean) ? (d.mean - population.mean[name]) / sd : 0;
    }
  }
  return stats;
}

/**
 * Mean, population standard deviation and median of `values[from, from + count)`
 * (no NaN among them). Sums run in index order; the median comes from
 * selection, not a full sort, and reorders that range.
 */
function describe(values: Float64Array, from: number, count: number): { mean: number; std: number; median: number } {
  if (count === 0) return { mean: NaN, std: NaN, median: NaN };
  const to = from + count;
  let total = 0;
  for (let i = from; i < to; i += 1) total += values[i];
  const mean = total / count;
  let squares = 0;
  for (let i = from; i < to; i += 1) squares += (values[i] - mean) * (values[i] - mean);
  const mid = count >> 1;
  const median = count % 2 === 1 ? orderStatistic(values, from, count, mid) : medianOfEven(values, from, count, mid);
  return { mean, std: Math.sqrt(squares / count), median };
}

function medianOfEven(values: Float64Array, from: number, count: number, mid: number): number {
  const upper = orderStatistic(values, from, count, mid);
  // After selecting rank `mid`, everything before it is ≤ it: rank mid − 1 is their maximum.
  let lower = values[from];
  for (let i = from + 1; i < from + mid; i += 1) if (values[i] > lower) lower = values[i];
  return (fixZeroSign(values, from, count, mid - 1, lower) + upper) / 2;
}

/**
 * The value of rank `rank` (0-based) in `values[from, from + count)` as
 * `Float64Array.prototype.sort` would place it, found by Hoare selection
 * (expected linear time). Partially orders the range: after it, every value
 * before `from + rank` is ≤ the result and every value after is ≥.
 */
function orderStatistic(values: Float64Array, from: number, count: number, rank: number): number {
  const target = from + rank;
  let lo = from;
  let hi = from + count - 1;
  while (hi > lo) {
    const pivot = medianOfThree(values[lo], values[(lo + hi) >> 1], values[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i += 1;
      while (values[j] > pivot) j -= 1;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i += 1;
        j -= 1;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return fixZeroSign(values, from, count, rank, values[target]);
}

/**
 * Selection compares −0 and +0 as equal, but a typed-array sort puts every
 * −0 before every +0; for a zero result, the sign is the one the sort would
 * have at that rank (this can show, e.g. as "-0" in a formatted number).
 */
function fixZeroSign(values: Float64Array, from: number, count: number, rank: number, value: number): number {
  if (value !== 0) return value;
  let below = 0;
  for (let i = from; i < from + count; i += 1) if (values[i] < 0 || Object.is(values[i], -0)) below += 1;
  return rank < below ? -0 : 0;
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}

function sum(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i += 1) if (!Number.isNaN(values[i])) total += values[i];
  return total;
}
