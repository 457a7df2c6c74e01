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
  for (const [name, values] of Object.entries(columns)) {
    const { mean: m, std: s, median: md, count } = describe(values, null, 0);
    mean[name] = m;
    std[name] = s;
    median[name] = md;
    n = Math.max(n, values.length);
    void count;
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
  const stats: SegmentStats[] = [];
  for (let id = 0; id < k; id += 1) {
    let size = 0;
    let segmentRevenue = 0;
    for (let i = 0; i < n; i += 1) {
      if (ids[i] === id) {
        size += 1;
        segmentRevenue += revenue[i];
      }
    }
    const profile: Record<string, number> = {};
    const median: Record<string, number> = {};
    const z: Record<string, number> = {};
    for (const [name, values] of Object.entries(columns)) {
      const d = describe(values, ids, id);
      profile[name] = d.mean;
      median[name] = d.median;
      const sd = population.std[name];
      z[name] = sd > 0 && Number.isFinite(d.mean) ? (d.mean - population.mean[name]) / sd : 0;
    }
    stats.push({
      id,
      size,
      share: size / n,
      revenue: segmentRevenue,
      revenue_share: population.revenue !== 0 ? segmentRevenue / population.revenue : 0,
      profile,
      median,
      z,
    });
  }
  return stats;
}

function describe(values: Float64Array, ids: Int32Array | null, id: number): { mean: number; std: number; median: number; count: number } {
  const selected: number[] = [];
  for (let i = 0; i < values.length; i += 1) {
    if ((ids === null || ids[i] === id) && !Number.isNaN(values[i])) selected.push(values[i]);
  }
  const count = selected.length;
  if (count === 0) return { mean: NaN, std: NaN, median: NaN, count };
  const mean = selected.reduce((a, b) => a + b, 0) / count;
  const variance = selected.reduce((a, b) => a + (b - mean) * (b - mean), 0) / count;
  const sorted = Float64Array.from(selected).sort();
  const mid = count >> 1;
  const median = count % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { mean, std: Math.sqrt(variance), median, count };
}

function sum(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i += 1) if (!Number.isNaN(values[i])) total += values[i];
  return total;
}
