/**
 * Times one Lloyd assignment pass at n = 1M, d = 8, k = 8 (override with
 * `--n`, `--d`, `--k`): the plain-JS scalar loop, the WebAssembly SIMD kernel
 * on one thread and split over worker threads, best of 5, in ms per pass.
 *
 * Run: `node bin/run-ts.mjs bench/lloydKernel.ts [--n 1000000] [--d 8] [--k 8] [--threads 2]`
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createLloydKernel, lloydAssignWasm } from '../src/ml/wasm/lloydWasm.ts';

type Assign = (
  X: Float64Array, n: number, d: number, C: Float64Array, k: number,
  labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array,
) => number;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const n = arg('n', 1_000_000);
const d = arg('d', 8);
const k = arg('k', 8);
const threads = arg('threads', Math.min(2, availableParallelism()));
const REPEATS = 5;

/** mulberry32: small, fast and the same sequence on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Points around k blob centres (so the pass does real work), centroids perturbed centres. */
function makeData(): { X: Float64Array; C: Float64Array } {
  const next = rng(20240611);
  const centres = Float64Array.from({ length: k * d }, () => next() * 10);
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(next() * k);
    for (let j = 0; j < d; j++) X[i * d + j] = centres[c * d + j] + (next() + next() + next() - 1.5) * 2;
  }
  const C = Float64Array.from(centres, (v) => v + (next() - 0.5));
  return { X, C };
}

/** The scalar loop the JS reference runs: per row, per centroid, per coordinate. */
const scalarLoop: Assign = (X, n, d, C, k, labels, dist2, sums, counts) => {
  sums.fill(0, 0, k * d);
  counts.fill(0, 0, k);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let best = Infinity;
    let label = 0;
    for (let c = 0; c < k; c++) {
      const crow = c * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = X[row + j] - C[crow + j];
        s += t * t;
      }
      if (c === 0 || s < best) {
        best = s;
        label = c;
      }
    }
    labels[i] = label;
    dist2[i] = best;
    inertia += best;
    counts[label] += 1;
    const srow = label * d;
    for (let j = 0; j < d; j++) sums[srow + j] += X[row + j];
  }
  return inertia;
};

function outputs() {
  return { labels: new Int32Array(n), dist2: new Float64Array(n), sums: new Float64Array(k * d), counts: new Float64Array(k) };
}

function bestOf(run: () => number): { ms: number; inertia: number } {
  let inertia = run(); // warm-up: compiles the hot code
  let ms = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    inertia = run();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, inertia };
}

const { X, C } = makeData();
const rows: { name: string; ms: number; inertia: number; labelsMatch: boolean }[] = [];
const ref = outputs();
const refResult = bestOf(() => scalarLoop(X, n, d, C, k, ref.labels, ref.dist2, ref.sums, ref.counts));
rows.push({ name: 'JS scalar loop', ...refResult, labelsMatch: true });

function record(name: string, run: (o: ReturnType<typeof outputs>) => number): void {
  const o = outputs();
  const result = bestOf(() => run(o));
  rows.push({ name, ...result, labelsMatch: o.labels.every((v, i) => v === ref.labels[i]) });
}

// The plain-JS reference kernel, when it is in the tree.
const jsKernelPath = new URL('../src/ml/kernels/lloyd.ts', import.meta.url);
if (existsSync(jsKernelPath)) {
  const { lloydAssign } = (await import(jsKernelPath.href)) as { lloydAssign: Assign };
  record('JS lloydAssign (src/ml/kernels)', (o) => lloydAssign(X, n, d, C, k, o.labels, o.dist2, o.sums, o.counts));
}

record('wasm one-shot lloydAssignWasm (copies X)', (o) =>
  lloydAssignWasm(X, n, d, C, k, o.labels, o.dist2, o.sums, o.counts));

const t0 = performance.now();
const single = createLloydKernel(X, n, d, k);
const loadMs = performance.now() - t0;
record('wasm SIMD, 1 thread', (o) => single.assign(C, o.labels, o.dist2, o.sums, o.counts));
if (d === 8) {
  const generic = createLloydKernel(X, n, d, k, { generic: true });
  record('wasm SIMD any-d code, 1 thread', (o) => generic.assign(C, o.labels, o.dist2, o.sums, o.counts));
  generic.dispose();
}
single.dispose();

if (threads > 1) {
  const shared = createLloydKernel(X, n, d, k, { threads });
  await shared.ready;
  record(`wasm SIMD, ${threads} threads`, (o) => shared.assign(C, o.labels, o.dist2, o.sums, o.counts));
  shared.dispose();
}

console.log(`Lloyd assignment pass, n=${n} d=${d} k=${k}, best of ${REPEATS} (${availableParallelism()} CPUs)`);
// Other processes on the machine skew the threaded figure most: say how busy it was.
console.log(`load average at the end: ${loadavg()[0].toFixed(2)}`);
console.log(`creating the kernel (allocates memory, copies X in; once per fit): ${loadMs.toFixed(1)} ms`);
for (const row of rows) {
  const speedup = refResult.ms / row.ms;
  console.log(
    `${row.name.padEnd(44)} ${row.ms.toFixed(2).padStart(8)} ms/iter  ${speedup.toFixed(1).padStart(5)}x` +
      `  inertia ${row.inertia.toPrecision(15)}${row.labelsMatch ? '' : '  LABELS DIFFER'}`,
  );
}
