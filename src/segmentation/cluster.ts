import { availableParallelism } from 'node:os';
import type { DiscoverOptions } from '../config.ts';
import { InputError } from '../errors.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import type { Progress } from '../cli/progress.ts';
import { KMeans } from '../ml/kmeans.ts';
import { createLloydKernelPool, LLOYD_BLOCK_ROWS, lloydAssignWasm, lloydKernelFactory } from '../ml/wasm/lloydWasm.ts';
import { scanK, chooseK, K_CHOICE_RULE } from '../ml/kScan.ts';
import { bootstrapStability } from '../ml/stability.ts';
import { orderLabelsByRevenue } from '../segments/profile.ts';
import type { ClusterQuality, KScanEntry } from '../segments/types.ts';
import type { TransformChain } from './transformChain.ts';
import type { LloydKernelFactory } from '../ml/kernels/lloyd.ts';

/**
 * Threads of the k-means kernel for n customers: two where the machine has
 * them (the blocks of a pass at 100k customers are too few to share more
 * widely), one when a pass is a single block and a worker would never get
 * work. Results are bit-identical for any number.
 */
function clusterThreads(n: number): number {
  return n > LLOYD_BLOCK_ROWS ? Math.min(2, availableParallelism()) : 1;
}

/** Largest bootstrap sample the stability refits see. */
export const STABILITY_SAMPLE_SIZE = 50_000;

/** The chosen clustering and the evidence for it. */
export interface Clustering {
  k: number;
  model: KMeans;
  /** Segment id per customer (0 = the segment with the largest revenue), customer_id order. */
  segmentIds: Int32Array;
  /** k-means label → segment id. */
  labelToSegment: number[];
  /** Euclidean distance of each customer to its centroid, in the PCA space. */
  distances: Float64Array;
  quality: ClusterQuality;
  scan: KScanEntry[];
  choice: { rule: string; requested: string; chosen: number };
  /** Per segment id: mean bootstrap Jaccard (Hennig's clusterboot). */
  segmentStability: number[];
}

/**
 * Runs k-means for every candidate k on the PCA scores, chooses k by the
 * documented rule (or takes the fixed one), and measures the chosen
 * clustering's stability by bootstrap.
 */
export function clusterCustomers(
  chain: TransformChain,
  features: CustomerFeatureMatrix,
  options: DiscoverOptions,
  progress: Progress,
): Clustering {
  const X = chain.scores;
  const spec = options.kSpec;
  const n = X.rows;
  let ks: number[];
  if (spec.kind === 'fixed') ks = [spec.k];
  else {
    ks = [];
    for (let k = spec.min; k <= Math.min(spec.max, n - 1); k += 1) ks.push(k);
  }
  if (ks.length === 0 || n < ks[0] + 1) {
    throw new InputError(`--k ${options.k}: needs more customers than segments, but the input has ${n} customer${n === 1 ? '' : 's'}`);
  }
  // One pool of wasm memory and worker threads for every k-means fit of the
  // stage: each fit copies its X in once, and the workers start once.
  const pool = createLloydKernelPool({ threads: clusterThreads(n) });
  try {
    return clusterWithPool(X, ks, features, options, progress, lloydKernelFactory(pool));
  } finally {
    pool.dispose();
  }
}

function clusterWithPool(
  X: TransformChain['scores'],
  ks: number[],
  features: CustomerFeatureMatrix,
  options: DiscoverOptions,
  progress: Progress,
  kernel: LloydKernelFactory,
): Clustering {
  const spec = options.kSpec;
  const task = progress.task('k scan', ks.length);
  const scan = scanK(X, ks, {
    nInit: options.nInit,
    seed: options.seed,
    silhouetteSampleSize: options.silhouetteSample,
    stabilityResamples: ks.length > 1 ? Math.min(options.stabilityResamples, 10) : 0,
    // The same cap as the chosen k's stability below, so a scan over a million customers stays affordable.
    stabilitySampleSize: STABILITY_SAMPLE_SIZE,
    onK: (k: number) => task.tick(`k=${k}`),
    // The WebAssembly SIMD kernel, always: the same kernel on every run keeps results bit-identical.
    assign: lloydAssignWasm,
    kernel,
  });
  task.done();
  const entries: KScanEntry[] = scan.map((s) => s.entry);
  const chosenK = spec.kind === 'fixed' ? spec.k : chooseK(entries);
  const chosen = scan.find((s) => s.entry.k === chosenK)!;
  const model = chosen.model;
  const labels = model.labels;

  const { ids, mapping } = orderLabelsByRevenue(labels, chosenK, features.columns.revenue);
  const distances = distancesToOwnCentroid(X, labels, model);

  let ari = chosen.entry.stability;
  let segmentStability = new Array<number>(chosenK).fill(NaN);
  if (options.stabilityResamples > 0) {
    const stability = bootstrapStability(
      X,
      (sample, seed) => new KMeans({ k: chosenK, nInit: Math.min(options.nInit, 3), seed, assign: lloydAssignWasm, kernel }).fit(sample),
      labels,
      chosenK,
      // Bootstrap samples of at most 50,000 customers: stability is about whether
      // the structure comes back, which a sample of that size shows as well as a
      // million rows do, at a fraction of the cost.
      { resamples: options.stabilityResamples, seed: options.seed, bootstrapSize: Math.min(X.rows, STABILITY_SAMPLE_SIZE) },
    );
    ari = stability.ari;
    segmentStability = new Array<number>(chosenK);
    stability.jaccard.forEach((value, label) => {
      segmentStability[mapping[label]] = value;
    });
  }
  return {
    k: chosenK,
    model,
    segmentIds: ids,
    labelToSegment: mapping,
    distances,
    quality: { ...pickQuality(chosen.entry), stability: ari },
    scan: entries.map((e) => (e.k === chosenK ? { ...e, stability: ari } : e)),
    choice: { rule: spec.kind === 'fixed' ? 'fixed by --k' : K_CHOICE_RULE, requested: options.k, chosen: chosenK },
    segmentStability,
  };
}

function pickQuality(entry: KScanEntry): Omit<ClusterQuality, 'stability'> {
  return {
    silhouette: entry.silhouette,
    calinski_harabasz: entry.calinski_harabasz,
    davies_bouldin: entry.davies_bouldin,
    inertia: entry.inertia,
  };
}

function distancesToOwnCentroid(X: { data: Float64Array; rows: number; cols: number }, labels: Int32Array, model: KMeans): Float64Array {
  const { data, rows, cols } = X;
  const centroids = model.centroids.data;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i += 1) {
    const c = labels[i] * cols;
    let sum = 0;
    for (let j = 0; j < cols; j += 1) {
      const diff = data[i * cols + j] - centroids[c + j];
      sum += diff * diff;
    }
    out[i] = Math.sqrt(sum);
  }
  return out;
}
