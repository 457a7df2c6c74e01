import { kmeans as mlKmeans } from 'ml-kmeans';
import { afterAll, describe, expect, it } from 'vitest';
import { KMeans } from '../../src/ml/kmeans.ts';
import { gatherRows, toRows, type DenseMatrix } from '../../src/ml/matrix.ts';
import { adjustedRandIndex } from '../../src/ml/metrics.ts';
import { Rng } from '../../src/ml/rng.ts';
import { createLloydKernelPool, lloydAssignWasm, lloydKernelFactory } from '../../src/ml/wasm/lloydWasm.ts';

/** k blobs (centres 20 apart on average, unit spread) plus uniform noise rows. */
function data(n: number, d: number, k: number, seed: number): DenseMatrix {
  const rng = new Rng(seed);
  const centres = Array.from({ length: k * d }, () => rng.next() * 20);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i += 1) {
    const c = rng.nextInt(k);
    for (let j = 0; j < d; j += 1) out[i * d + j] = i % 17 === 0 ? rng.next() * 20 : centres[c * d + j] + rng.nextGaussian();
  }
  return { data: out, rows: n, cols: d };
}

function bits(a: Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameFit(a: KMeans, b: KMeans): void {
  expect(bits(a.labels).equals(bits(b.labels)), 'labels').toBe(true);
  expect(bits(a.centroids.data).equals(bits(b.centroids.data)), 'centroids').toBe(true);
  expect(Object.is(a.inertia, b.inertia), `inertia ${a.inertia} vs ${b.inertia}`).toBe(true);
  expect(a.nIter).toBe(b.nIter);
}

const pools = [createLloydKernelPool(), createLloydKernelPool({ threads: 2 })];
afterAll(() => pools.forEach((p) => p.dispose()));

describe('KMeans on a resident wasm kernel (kernel factory)', () => {
  // d = 1..3 and 5..7 run padded on the d = 4 and d = 8 code, d = 9 on the
  // any-d code with the odd-d seeding loop; n spans several 4096-row blocks.
  it.each([
    [9000, 1, 3],
    [9001, 3, 5],
    [10_000, 4, 6],
    [8193, 5, 4],
    [9000, 8, 8],
    [5000, 9, 7],
  ])('n=%i d=%i k=%i: bit-identical to the one-shot kernel, on 1 and 2 threads', async (n, d, k) => {
    const X = data(n, d, k, n + d + k);
    const reference = new KMeans({ k, nInit: 3, seed: 11, assign: lloydAssignWasm }).fit(X);
    for (const pool of pools) {
      await pool.ready;
      const resident = new KMeans({ k, nInit: 3, seed: 11, assign: lloydAssignWasm, kernel: lloydKernelFactory(pool) }).fit(X);
      expectSameFit(resident, reference);
    }
  });

  it('reuses one pool for fits of different shapes in turn', async () => {
    const pool = pools[1];
    await pool.ready;
    const factory = lloydKernelFactory(pool);
    for (const [n, d, k] of [[6000, 4, 5], [300, 2, 3], [7000, 8, 8], [4100, 4, 6]]) {
      const X = data(n, d, k, 3 * n + d);
      const a = new KMeans({ k, nInit: 2, seed: 5, assign: lloydAssignWasm, kernel: factory }).fit(X);
      const b = new KMeans({ k, nInit: 2, seed: 5, assign: lloydAssignWasm }).fit(X);
      expectSameFit(a, b);
    }
  });

  it('reaches the same optimum as ml-kmeans from the same initial centroids', () => {
    const X = data(2000, 4, 5, 9);
    const initial = gatherRows(X, new Rng(4).sampleWithoutReplacement(X.rows, 5));
    const theirs = mlKmeans(toRows(X), 5, { initialization: toRows(initial), maxIterations: 10000, tolerance: 0 });
    const ours = new KMeans({ k: 5, tol: 0, maxIter: 10000, kernel: lloydKernelFactory(pools[1]) }).fitFromCentroids(X, initial);
    expect(adjustedRandIndex(ours.labels, theirs.clusters)).toBe(1);
    expect(ours.nIter).toBe(theirs.iterations);
  });

  it('refills an empty cluster from the distances left in the kernel, as the one-shot kernel does', () => {
    const X = data(6000, 4, 3, 21);
    // Centroids 1 and 3 start far from every point: both are empty after the first pass.
    const initial = { data: Float64Array.from([5, 5, 5, 5, 1e6, 1e6, 1e6, 1e6, 15, 15, 15, 15, -1e6, 0, 0, 0]), rows: 4, cols: 4 };
    const reference = new KMeans({ k: 4, assign: lloydAssignWasm }).fitFromCentroids(X, initial);
    for (const pool of pools) {
      expectSameFit(new KMeans({ k: 4, assign: lloydAssignWasm, kernel: lloydKernelFactory(pool) }).fitFromCentroids(X, initial), reference);
    }
    expect(new Set(reference.labels).size).toBe(4);
  });

  it('disposes the kernel of a fit, also when the fit throws', () => {
    let made = 0;
    let disposed = 0;
    const pool = pools[0];
    const factory = lloydKernelFactory(pool);
    const counting = (X: Float64Array, n: number, d: number, k: number) => {
      made += 1;
      const kernel = factory(X, n, d, k);
      return {
        assign: kernel.assign.bind(kernel),
        readDist2: kernel.readDist2.bind(kernel),
        dispose: () => {
          disposed += 1;
          kernel.dispose();
        },
      };
    };
    new KMeans({ k: 3, nInit: 2, kernel: counting }).fit(data(500, 4, 3, 1));
    const failing = (X: Float64Array, n: number, d: number, k: number) => ({
      ...counting(X, n, d, k),
      assign: () => {
        throw new Error('boom');
      },
    });
    expect(() => new KMeans({ k: 3, kernel: failing }).fit(data(500, 4, 3, 2))).toThrow('boom');
    expect(made).toBe(2);
    expect(disposed).toBe(2);
  });
});
