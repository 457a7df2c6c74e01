/**
 * Node side of the kernel benchmarks. Runs ONE implementation of one
 * workload per process (so each gets its own peak RSS and a fresh JIT) and
 * prints one JSON object on its last stdout line.
 *
 *   node bin/run-ts.mjs bench/kernels.ts kmeans <impl> --data X.f64 --centroids C.f64 --n N --d D --k K --iters M --repeats R
 *   node bin/run-ts.mjs bench/kernels.ts pca <impl> --data X.f64 --n N --d D --repeats R
 *
 * k-means implementations ({@link KMEANS_IMPLS}) run M Lloyd iterations from
 * the same fixed centroids; the figure is milliseconds per iteration, best of
 * R. PCA implementations ({@link PCA_IMPLS}) fit PCA(0.9) and project the
 * data onto the kept components.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kmeans as mlKMeans } from 'ml-kmeans';
import { Matrix } from 'ml-matrix';
import { PCA as MlPCA } from 'ml-pca';
import * as lloydModule from '../src/ml/kernels/lloyd.ts';
import { createLloydKernel, createLloydKernelPool, lloydAssignWasm, lloydKernelFactory } from '../src/ml/wasm/lloydWasm.ts';
import { KMeans } from '../src/ml/kmeans.ts';
import { PCA } from '../src/ml/pca.ts';
import { readMatrix } from './matrices.ts';

/** k-means implementations, by id, with the label the report shows. */
export const KMEANS_IMPLS = {
  'segmenta-js-kernel': 'segmenta lloydAssign (JS kernel) + centroid update',
  'segmenta-wasm-1t': 'segmenta wasm SIMD kernel, 1 thread',
  'segmenta-wasm-mt': 'segmenta wasm SIMD kernel, all cores',
  'segmenta-kmeans': 'segmenta KMeans.fitFromCentroids, default kernel (JS lloydAssign)',
  'segmenta-kmeans-oneshot': 'segmenta KMeans.fitFromCentroids + lloydAssignWasm (one-shot: copies X every pass)',
  'segmenta-kmeans-wasm': 'segmenta KMeans.fitFromCentroids + resident wasm kernel (kernel pool, as the cluster stage), all cores',
  'ml-kmeans': 'ml-kmeans 7',
} as const;
export type KMeansImpl = keyof typeof KMEANS_IMPLS;

/** PCA implementations, by id, with the label the report shows. */
export const PCA_IMPLS = {
  'segmenta-pca': 'segmenta PCA (covariance + eigendecomposition)',
  'ml-pca-cov': "ml-pca, method 'covarianceMatrix'",
  'ml-pca-svd': "ml-pca, default method 'SVD'",
} as const;
export type PcaImpl = keyof typeof PCA_IMPLS;

/**
 * Rows ml-pca's SVD gets at most: it builds the full n×d U of a one-sided
 * Jacobi SVD in JS, which at 1M rows takes minutes. Above this the figure
 * is scaled up linearly from a leading subset, and the report says so.
 */
const ML_PCA_SVD_MAX_ROWS = 100_000;

/** What one k-means run reports. */
export interface KMeansResult {
  impl: KMeansImpl;
  label: string;
  ms_per_iter: number;
  n_iter: number;
  inertia: number;
  /** Rows actually clustered when a subset was used (absent = all). */
  subset_rows?: number;
  /** One-off cost outside the per-iteration figure (e.g. copying X into wasm memory). */
  setup_ms?: number;
  threads: number;
}

/** What one PCA run reports. */
export interface PcaResult {
  impl: PcaImpl;
  label: string;
  fit_ms: number;
  fit_transform_ms: number;
  components: number;
  subset_rows?: number;
  /** True when the figures were scaled up linearly from the subset. */
  extrapolated?: boolean;
}

function best(repeats: number, run: () => number): number {
  let min = Infinity;
  for (let r = 0; r < repeats; r += 1) min = Math.min(min, run());
  return min;
}

function time(run: () => void): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

/** Sum of squared distances to the nearest centroid, computed outside any timing. */
function inertiaOf(X: Float64Array, n: number, d: number, C: Float64Array, k: number): number {
  return lloydModule.lloydAssign(X, n, d, C, k, new Int32Array(n), new Float64Array(n), new Float64Array(k * d), new Float64Array(k));
}

/** New centroids from sums and counts; an empty cluster keeps its centre (as scikit-learn's relocation is not timed either). */
function updateCentroids(C: Float64Array, sums: Float64Array, counts: Float64Array, k: number, d: number): void {
  for (let c = 0; c < k; c += 1) {
    if (counts[c] === 0) continue;
    for (let j = 0; j < d; j += 1) C[c * d + j] = sums[c * d + j] / counts[c];
  }
}

/** Runs one k-means implementation for `iters` iterations from C0, best of `repeats`. */
export async function benchKMeans(
  impl: KMeansImpl, X: Float64Array, C0: Float64Array, n: number, d: number, k: number, iters: number, repeats: number,
): Promise<KMeansResult> {
  const cores = availableParallelism();
  const base = { impl, label: KMEANS_IMPLS[impl] };
  const labels = new Int32Array(n);
  const dist2 = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  switch (impl) {
    case 'segmenta-js-kernel': {
      const C = new Float64Array(k * d);
      const loop = () =>
        time(() => {
          C.set(C0);
          for (let it = 0; it < iters; it += 1) {
            lloydModule.lloydAssign(X, n, d, C, k, labels, dist2, sums, counts);
            updateCentroids(C, sums, counts, k, d);
          }
        });
      loop(); // warm-up: V8 compiles the kernel
      const ms = best(repeats, loop) / iters;
      return { ...base, ms_per_iter: ms, n_iter: iters, inertia: inertiaOf(X, n, d, C, k), threads: 1 };
    }
    case 'segmenta-wasm-1t':
    case 'segmenta-wasm-mt': {
      const threads = impl === 'segmenta-wasm-1t' ? 1 : cores;
      const t0 = performance.now();
      const kernel = createLloydKernel(X, n, d, k, { threads });
      await kernel.ready;
      const setup = performance.now() - t0;
      const C = new Float64Array(k * d);
      const loop = () =>
        time(() => {
          C.set(C0);
          for (let it = 0; it < iters; it += 1) {
            kernel.assign(C, labels, dist2, sums, counts);
            updateCentroids(C, sums, counts, k, d);
          }
        });
      loop();
      const ms = best(repeats, loop) / iters;
      kernel.dispose();
      return { ...base, ms_per_iter: ms, n_iter: iters, inertia: inertiaOf(X, n, d, C, k), setup_ms: setup, threads };
    }
    case 'segmenta-kmeans':
    case 'segmenta-kmeans-oneshot':
    case 'segmenta-kmeans-wasm': {
      const threads = impl === 'segmenta-kmeans-wasm' ? cores : 1;
      const matrix = { data: X, rows: n, cols: d };
      const initial = { data: C0, rows: k, cols: d };
      let result = { ms: Infinity, nIter: 0, inertia: NaN };
      // The cluster stage starts its worker threads once for all its fits: so does this.
      const pool = createLloydKernelPool({ threads });
      await pool.ready;
      const fit = async () => {
        const t0 = performance.now();
        let model: KMeans;
        if (impl === 'segmenta-kmeans') {
          model = new KMeans({ k, maxIter: iters, tol: 0 }).fitFromCentroids(matrix, initial);
        } else if (impl === 'segmenta-kmeans-oneshot') {
          model = new KMeans({ k, maxIter: iters, tol: 0, assign: lloydAssignWasm }).fitFromCentroids(matrix, initial);
        } else {
          // Each fit copies X into the pool's memory: that is part of every fit.
          model = new KMeans({ k, maxIter: iters, tol: 0, assign: lloydAssignWasm, kernel: lloydKernelFactory(pool) })
            .fitFromCentroids(matrix, initial);
        }
        const ms = (performance.now() - t0) / model.nIter;
        if (ms < result.ms) result = { ms, nIter: model.nIter, inertia: model.inertia };
      };
      try {
        await fit(); // warm-up
        result = { ms: Infinity, nIter: 0, inertia: NaN };
        for (let r = 0; r < repeats; r += 1) await fit();
      } finally {
        pool.dispose();
      }
      return { ...base, ms_per_iter: result.ms, n_iter: result.nIter, inertia: result.inertia, threads };
    }
    case 'ml-kmeans': {
      const rows: number[][] = new Array(n);
      for (let i = 0; i < n; i += 1) rows[i] = Array.from(X.subarray(i * d, (i + 1) * d));
      const initial: number[][] = [];
      for (let c = 0; c < k; c += 1) initial.push(Array.from(C0.subarray(c * d, (c + 1) * d)));
      let centroids: number[][] = initial;
      let iterations = 0;
      // A negative tolerance never counts as converged: exactly `iters` iterations.
      const run = () =>
        time(() => {
          const out = mlKMeans(rows, k, { initialization: initial.map((r) => r.slice()), maxIterations: iters, tolerance: -1 });
          centroids = out.centroids;
          iterations = out.iterations;
        });
      const ms = best(repeats, run) / iters;
      return { ...base, ms_per_iter: ms, n_iter: iterations, inertia: inertiaOf(X, n, d, Float64Array.from(centroids.flat()), k), threads: 1 };
    }
  }
}

/** Runs one PCA implementation (fit, and fit + projection) best of `repeats`. */
export function benchPca(impl: PcaImpl, X: Float64Array, n: number, d: number, repeats: number): PcaResult {
  const base = { impl, label: PCA_IMPLS[impl] };
  if (impl === 'segmenta-pca') {
    const matrix = { data: X, rows: n, cols: d };
    let components = 0;
    new PCA({ varianceThreshold: 0.9 }).fitTransform(matrix); // warm-up
    const fit = best(repeats, () => time(() => new PCA({ varianceThreshold: 0.9 }).fit(matrix)));
    const fitTransform = best(repeats, () =>
      time(() => {
        components = new PCA({ varianceThreshold: 0.9 }).fitTransform(matrix).cols;
      }),
    );
    return { ...base, fit_ms: fit, fit_transform_ms: fitTransform, components };
  }
  const rows = impl === 'ml-pca-svd' ? Math.min(n, ML_PCA_SVD_MAX_ROWS) : n;
  // ml-matrix holds one Float64Array per row; building it is not timed.
  const data = new Matrix(rows, d);
  for (let i = 0; i < rows; i += 1) for (let j = 0; j < d; j += 1) data.set(i, j, X[i * d + j]);
  const method = impl === 'ml-pca-cov' ? 'covarianceMatrix' : 'SVD';
  const keep = (model: MlPCA) => {
    const ratios = model.getExplainedVariance();
    let cumulative = 0;
    for (let c = 0; c < ratios.length; c += 1) {
      cumulative += ratios[c];
      if (cumulative >= 0.9) return c + 1;
    }
    return ratios.length;
  };
  let components = 0;
  const repeatsHere = impl === 'ml-pca-svd' ? Math.min(repeats, 2) : repeats;
  const fit = best(repeatsHere, () => time(() => new MlPCA(data, { method })));
  const fitTransform = best(repeatsHere, () =>
    time(() => {
      const model = new MlPCA(data, { method });
      components = keep(model);
      model.predict(data, { nComponents: components });
    }),
  );
  const scale = n / rows;
  return {
    ...base,
    fit_ms: fit * scale,
    fit_transform_ms: fitTransform * scale,
    components,
    ...(rows < n ? { subset_rows: rows, extrapolated: true } : {}),
  };
}

function flag(args: string[], name: string): string {
  const i = args.indexOf(`--${name}`);
  if (i < 0) throw new Error(`missing --${name}`);
  return args[i + 1];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [workload, impl, ...args] = process.argv.slice(2);
  const n = Number(flag(args, 'n'));
  const d = Number(flag(args, 'd'));
  const repeats = Number(flag(args, 'repeats'));
  const X = readMatrix({ path: flag(args, 'data'), rows: n, cols: d });
  let result: KMeansResult | PcaResult;
  if (workload === 'kmeans' && impl in KMEANS_IMPLS) {
    const k = Number(flag(args, 'k'));
    const C0 = readMatrix({ path: flag(args, 'centroids'), rows: k, cols: d });
    result = await benchKMeans(impl as KMeansImpl, X, C0, n, d, k, Number(flag(args, 'iters')), repeats);
  } else if (workload === 'pca' && impl in PCA_IMPLS) {
    result = benchPca(impl as PcaImpl, X, n, d, repeats);
  } else {
    console.error(`usage: bench/kernels.ts kmeans|pca IMPL …; k-means: ${Object.keys(KMEANS_IMPLS).join(', ')}; PCA: ${Object.keys(PCA_IMPLS).join(', ')}`);
    process.exit(2);
  }
  console.log(JSON.stringify(result));
  // The wasm kernel's workers are unref'd, but exit at once rather than wait on any handle.
  process.exit(0);
}
