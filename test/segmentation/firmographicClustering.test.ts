import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/cli/progress.ts';
import { parseDiscoverOptions } from '../../src/config.ts';
import { loadCustomerMaster } from '../../src/customers/master.ts';
import { createTableFromColumns } from '../../src/db/append.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { generateMaster, writeMasterCsv, type CustomerBehaviour } from '../../src/firmographics/generateMaster.ts';
import { adjustedRandIndex } from '../../src/ml/metrics.ts';
import {
  clusterOnFirmographics,
  encodeMixed,
  FIT_SAMPLE_SIZE,
  firmographicModelSection,
  fitMixedEncoding,
  readFirmographicInputs,
  scoreFirmographicSegments,
  type FirmographicInputs,
} from '../../src/segmentation/firmographicClustering.ts';
import type { TransformChain } from '../../src/segmentation/transformChain.ts';
import { tempDir } from '../helpers/files.ts';

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

/** Customers with skewed, correlated revenue and frequency (a seeded LCG, as in the generator's tests). */
function behaviour(n: number, seed: number): CustomerBehaviour[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, (_, i) => {
    const frequency = Math.max(1, Math.round(Math.exp(1.2 + 0.9 * gaussian())));
    return { customerId: String(10000 + i), frequency, revenue: Math.round(frequency * Math.exp(5.5 + 0.6 * gaussian()) * 100) / 100 };
  });
}

/** A run's customers and their generated master in DuckDB; returns what the cluster stage gets. */
async function prepare(customers: CustomerBehaviour[], masterCustomers = customers) {
  const dir = tempDir();
  const master = generateMaster(masterCustomers, { seed: 5 });
  const path = join(dir, 'master.csv');
  await writeMasterCsv(path, master);
  db = await openDatabase();
  await loadCustomerMaster(db.connection, path);
  await createTableFromColumns(db.connection, 'customer_features', [{ name: 'customer_id', type: 'VARCHAR', values: customers.map((c) => c.customerId) }]);
  const sorted = [...customers].sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
  const inputs = await readFirmographicInputs(db.connection);
  const features = { n: sorted.length, columns: { revenue: Float64Array.from(sorted, (c) => c.revenue) } };
  // Two "principal components" from behaviour, for the map and for --segment-on both.
  const scores = { data: Float64Array.from(sorted.flatMap((c) => [Math.log1p(c.revenue) - 7, Math.log1p(c.frequency) - 1.5])), rows: sorted.length, cols: 2 };
  const chain = { scores } as unknown as TransformChain;
  const planted = sorted.map((c) => master.plantedGroupById.get(c.customerId) ?? 'none');
  return { inputs, features, chain, planted, connection: db.connection };
}

function codes(values: readonly string[]): Int32Array {
  const seen = new Map<string, number>();
  return Int32Array.from(values, (v) => (seen.has(v) ? seen.get(v)! : (seen.set(v, seen.size), seen.size - 1)));
}

const options = (flags: Record<string, string>) => parseDiscoverOptions({ input: 'x.csv', out: 'o', customers: 'm.csv', stabilityResamples: '0', ...flags });

describe('segmenting on firmographics with k-prototypes', () => {
  it('finds the planted groups again, deterministically', async () => {
    const { inputs, features, chain, planted } = await prepare(behaviour(1200, 11));
    const opts = options({ segmentOn: 'firmographics', k: '4', nInit: '5' });
    const a = clusterOnFirmographics(inputs, chain, features, opts, silentProgress);
    const b = clusterOnFirmographics(inputs, chain, features, opts, silentProgress);
    expect(Array.from(a.segmentIds)).toEqual(Array.from(b.segmentIds));
    const ari = adjustedRandIndex(a.segmentIds, codes(planted));
    // Industry (85 % by group), employees and revenue separate the groups; state is noise.
    expect(ari).toBeGreaterThan(0.5);
    expect(a.k).toBe(4);
    expect(a.quality.silhouette).toBeGreaterThan(0);
    expect(Number.isNaN(a.quality.calinski_harabasz)).toBe(true);
    expect(a.quality.inertia).toBeCloseTo(a.prototypes.cost, 9);
    // Segment 0 has the most revenue, as on the k-means path.
    const revenue = new Float64Array(4);
    a.segmentIds.forEach((id, i) => (revenue[id] += features.columns.revenue[i]!));
    expect([...revenue]).toEqual([...revenue].sort((x, y) => y - x));
    // Distances are √ of the k-prototypes dissimilarity, so they sum (squared) to the cost.
    expect(a.distances.reduce((s, d) => s + d * d, 0)).toBeCloseTo(a.prototypes.cost, 6);
    // The map centres are the segments' mean scores.
    expect(a.model.centroids.cols).toBe(2);
  });

  it('adds behaviour with --segment-on both and weighs it like the firmographic numbers together', async () => {
    const { inputs, chain, features, planted } = await prepare(behaviour(1200, 11));
    const encoding = fitMixedEncoding(inputs, chain.scores, 'both');
    expect(encoding.numeric.map((n) => n.name)).toEqual(['log_employees', 'log_annual_revenue']);
    const data = encodeMixed(encoding, inputs, chain.scores);
    expect(data.p).toBe(4);
    let behaviourVariance = 0;
    for (let c = 0; c < 2; c += 1) {
      const column = Array.from({ length: data.n }, (_, i) => data.numeric[i * 4 + c]!);
      const mean = column.reduce((s, x) => s + x, 0) / data.n;
      behaviourVariance += column.reduce((s, x) => s + (x - mean) ** 2, 0) / data.n;
    }
    expect(behaviourVariance).toBeCloseTo(2, 9);
    const both = clusterOnFirmographics(inputs, chain, features, options({ segmentOn: 'both', k: '4', nInit: '5' }), silentProgress);
    // The groups were planted by behaviour, so behaviour helps to find them.
    expect(adjustedRandIndex(both.segmentIds, codes(planted))).toBeGreaterThan(0.5);
  });

  it('chooses k over a range by the silhouette rule, with bootstrap stability', async () => {
    const { inputs, features, chain } = await prepare(behaviour(500, 3));
    const c = clusterOnFirmographics(inputs, chain, features, options({ segmentOn: 'firmographics', k: '2..5', nInit: '3', stabilityResamples: '3' }), silentProgress);
    expect(c.scan.map((e) => e.k)).toEqual([2, 3, 4, 5]);
    expect(c.choice.rule).toMatch(/^k-prototypes with the mixed-data silhouette: /);
    const best = Math.max(...c.scan.map((e) => e.silhouette));
    expect(c.scan.find((e) => e.k === c.k)!.silhouette).toBeGreaterThanOrEqual(best - 0.02 - 1e-12);
    expect(c.quality.stability).toBeGreaterThan(0);
    expect(c.segmentStability.every((s) => s >= 0 && s <= 1)).toBe(true);
  });

  it('scores customers with the saved model exactly as discover assigned them', async () => {
    const { inputs, features, chain, connection } = await prepare(behaviour(600, 8));
    const c = clusterOnFirmographics(inputs, chain, features, options({ segmentOn: 'firmographics', k: '3', nInit: '3' }), silentProgress);
    const section = JSON.parse(JSON.stringify(firmographicModelSection(c)));
    const scored = await scoreFirmographicSegments(connection, section, null);
    expect(Array.from(scored.segmentIds)).toEqual(Array.from(c.segmentIds));
    scored.distances.forEach((d, i) => expect(d).toBeCloseTo(c.distances[i]!, 9));
  });

  it('puts customers without master data together as unknown, at the mean of the numbers', async () => {
    const customers = behaviour(400, 21);
    const { inputs } = await prepare(customers, customers.slice(0, 300));
    const encoding = fitMixedEncoding(inputs, null, 'firmographics');
    const data = encodeMixed(encoding, inputs, null);
    const unknownSection = encoding.categorical[0]!.levels.indexOf('unknown');
    const missing = Array.from({ length: data.n }, (_, i) => i).filter((i) => data.categorical[i * data.q] === unknownSection);
    expect(missing).toHaveLength(100);
    for (const i of missing) {
      expect(Array.from(data.numeric.subarray(i * data.p, (i + 1) * data.p))).toEqual([0, 0]);
      expect(encoding.categorical.map((c, j) => c.levels[data.categorical[i * data.q + j]!])).toEqual(['unknown', 'unknown', 'unknown']);
    }
  });

  it('fits on a seeded sample above FIT_SAMPLE_SIZE customers and assigns every customer to its nearest prototype', () => {
    const n = FIT_SAMPLE_SIZE + 3000;
    let state = 5;
    const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
    const group = (i: number) => i % 3;
    const inputs: FirmographicInputs = {
      n,
      numeric: {
        log_employees: Float64Array.from({ length: n }, (_, i) => 1 + group(i) * 1.5 + random()),
        log_annual_revenue: Float64Array.from({ length: n }, (_, i) => 12 + group(i) * 2 + random()),
      },
      codes: {
        wz_section: Int32Array.from({ length: n }, (_, i) => [6, 2, 8][group(i)]!),
        size_class: Int32Array.from({ length: n }, (_, i) => group(i)),
        state: Int32Array.from({ length: n }, () => Math.floor(random() * 16)),
      },
    };
    const chain = { scores: { data: new Float64Array(n * 2), rows: n, cols: 2 } } as unknown as TransformChain;
    const features = { n, columns: { revenue: Float64Array.from({ length: n }, (_, i) => 100 * (3 - group(i))) } };
    const c = clusterOnFirmographics(inputs, chain, features, options({ segmentOn: 'firmographics', k: '3', nInit: '1' }), silentProgress);
    expect(c.segmentIds).toHaveLength(n);
    // Groups 0, 1, 2 have falling revenue, so they are segments 0, 1, 2.
    expect(Array.from(c.segmentIds.subarray(0, 6))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(adjustedRandIndex(c.segmentIds, Int32Array.from({ length: n }, (_, i) => group(i)))).toBe(1);
    expect(c.quality.inertia).toBeCloseTo(c.distances.reduce((sum, d) => sum + d * d, 0), 6);
  });

  it('refuses more segments than distinct customer profiles, naming the flags', () => {
    const n = 10;
    const inputs: FirmographicInputs = {
      n,
      numeric: { log_employees: new Float64Array(n).fill(NaN), log_annual_revenue: new Float64Array(n).fill(NaN) },
      codes: { wz_section: new Int32Array(n).fill(21), size_class: new Int32Array(n).fill(4), state: new Int32Array(n).fill(17) },
    };
    const chain = { scores: { data: new Float64Array(n * 2), rows: n, cols: 2 } } as unknown as TransformChain;
    const features = { n, columns: { revenue: new Float64Array(n).fill(1) } };
    expect(() => clusterOnFirmographics(inputs, chain, features, options({ segmentOn: 'firmographics', k: '3' }), silentProgress)).toThrow(
      '--segment-on firmographics --k 3: the customer master gives 1 distinct customer profile, fewer than the segments asked for',
    );
  });
});
