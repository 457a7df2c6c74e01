/**
 * The passes of `PCA` and `StandardScaler` over the rows on the WebAssembly
 * SIMD kernels in `covariance.wat`: column sums, the centred cross-products
 * of the covariance, the projection onto the components; sums with minima
 * and maxima, sums of deviations and their squares, and standardisation.
 *
 * Rows are copied into the kernel's memory one chunk at a time (the chunk
 * stays in cache for the kernel), so the n×d input is never duplicated. Each
 * kernel does exactly the floating-point operations of the scalar loops in
 * `pca.ts` and `standardScaler.ts`, in the same order, so the results are
 * bit-identical to them (`test/ml/pcaWasm.test.ts` checks this).
 */
import { readFileSync } from 'node:fs';

const WASM_URL = new URL('./covariance.wasm', import.meta.url);
const PAGE_BYTES = 65536;
/** wasm32 addresses are 32-bit: 65536 pages of 64 KiB is all there is. */
const MAX_PAGES = 65536;

/**
 * Rows per block of the covariance pass: the partial sums of each (a, b)
 * pair are formed per block of this many rows, so it is part of the result
 * and must match the scalar reference in `pca.ts`.
 */
export const COVARIANCE_BLOCK_ROWS = 1024;

/**
 * Largest d the kernels take: the d×d triangle, the transposed block and
 * the chunk must fit the scratch memory comfortably. Wider matrices use the
 * scalar loops.
 */
export const COVARIANCE_WASM_MAX_COLS = 1024;

interface CovarianceExports {
  col_sums(x: number, rows: number, d: number, acc: number): void;
  sums_min_max(x: number, rows: number, d: number, acc: number, mn: number, mx: number): void;
  deviations(x: number, rows: number, d: number, mean: number, dev: number, sq: number): void;
  standardise(x: number, rows: number, d: number, mean: number, scale: number): number;
  cov_block(x: number, rows: number, d: number, mean: number, dev: number, blk: number, B: number, upper: number): void;
  project(x: number, rows: number, d: number, mean: number, wt: number, k: number, out: number): number;
}

interface Kernel {
  memory: WebAssembly.Memory;
  exports: CovarianceExports;
}

let compiled: WebAssembly.Module | undefined;
let kernel: Kernel | undefined;

/**
 * The process's kernel instance, its memory grown to at least `bytes`. One
 * instance serves every call: the calls are synchronous, so none overlap.
 */
function kernelWith(bytes: number): Kernel {
  compiled ??= new WebAssembly.Module(readFileSync(WASM_URL));
  if (!kernel) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as CovarianceExports;
    kernel = { memory, exports };
  }
  const pages = Math.ceil(bytes / PAGE_BYTES);
  const have = kernel.memory.buffer.byteLength / PAGE_BYTES;
  if (pages > have) kernel.memory.grow(pages - have);
  return kernel;
}

/** Allocates consecutive 16-byte-aligned regions of f64s; returns their byte offsets. */
function layout(sizes: Record<string, number>): { offsets: Record<string, number>; bytes: number } {
  const offsets: Record<string, number> = {};
  let at = 0;
  for (const [name, count] of Object.entries(sizes)) {
    offsets[name] = at;
    at += Math.ceil((count * 8) / 16) * 16;
  }
  return { offsets, bytes: at };
}

function checkCols(d: number): void {
  if (!(Number.isSafeInteger(d) && d >= 1 && d <= COVARIANCE_WASM_MAX_COLS)) {
    throw new RangeError(`the covariance kernels take 1..${COVARIANCE_WASM_MAX_COLS} columns, got ${d}`);
  }
}

/**
 * Per-column sums of the n×d row-major `data`, each added row by row from 0
 * (the order of the scalar loop `sum[j] += data[i*d + j]`).
 */
export function columnSumsWasm(data: Float64Array, n: number, d: number): Float64Array {
  checkCols(d);
  const chunk = COVARIANCE_BLOCK_ROWS * 4;
  const { offsets, bytes } = layout({ acc: d, x: chunk * d });
  const { memory, exports } = kernelWith(bytes);
  const f64 = new Float64Array(memory.buffer);
  f64.fill(0, offsets.acc / 8, offsets.acc / 8 + d);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    f64.set(data.subarray(start * d, (start + rows) * d), offsets.x / 8);
    exports.col_sums(offsets.x, rows, d, offsets.acc);
  }
  return f64.slice(offsets.acc / 8, offsets.acc / 8 + d);
}

/**
 * The centred cross-products of the covariance pass, block by block of
 * {@link COVARIANCE_BLOCK_ROWS} rows: `upper[a*d + b]` (a ≤ b) is the sum
 * over blocks of Σ (x_a − mean_a)(x_b − mean_b), and `dev[j]` the sum of
 * x_j − mean_j, exactly as the scalar pass in `pca.ts` computes them.
 */
export function centredCrossProductsWasm(
  data: Float64Array, n: number, d: number, mean: Float64Array,
): { upper: Float64Array; dev: Float64Array } {
  checkCols(d);
  const B = COVARIANCE_BLOCK_ROWS;
  const { offsets, bytes } = layout({ mean: d, dev: d, upper: d * d, blk: d * (B + 8), x: B * d });
  const { memory, exports } = kernelWith(bytes);
  const f64 = new Float64Array(memory.buffer);
  f64.set(mean, offsets.mean / 8);
  f64.fill(0, offsets.dev / 8, offsets.dev / 8 + d);
  f64.fill(0, offsets.upper / 8, offsets.upper / 8 + d * d);
  for (let start = 0; start < n; start += B) {
    const rows = Math.min(B, n - start);
    f64.set(data.subarray(start * d, (start + rows) * d), offsets.x / 8);
    exports.cov_block(offsets.x, rows, d, offsets.mean, offsets.dev, offsets.blk, B, offsets.upper);
  }
  return {
    upper: f64.slice(offsets.upper / 8, offsets.upper / 8 + d * d),
    dev: f64.slice(offsets.dev / 8, offsets.dev / 8 + d),
  };
}

/**
 * Scores of the n×d rows on the k×d `components`: (x − mean)·componentsᵀ,
 * each score summed over the features in order from 0. `finite` is true
 * when every score is finite (false may also mean an overflow of x − mean).
 */
export function projectWasm(
  data: Float64Array, n: number, d: number, mean: Float64Array, components: Float64Array, k: number,
): { scores: Float64Array; finite: boolean } {
  checkCols(d);
  const kp = Math.ceil(k / 4) * 4;
  const chunk = COVARIANCE_BLOCK_ROWS * 4;
  const { offsets, bytes } = layout({ mean: d, wt: d * kp, out: chunk * k, x: chunk * d });
  const { memory, exports } = kernelWith(bytes);
  const f64 = new Float64Array(memory.buffer);
  f64.set(mean, offsets.mean / 8);
  const wt = offsets.wt / 8;
  f64.fill(0, wt, wt + d * kp);
  for (let c = 0; c < k; c += 1) for (let j = 0; j < d; j += 1) f64[wt + j * kp + c] = components[c * d + j];
  const scores = new Float64Array(n * k);
  let check = 0;
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    f64.set(data.subarray(start * d, (start + rows) * d), offsets.x / 8);
    check += exports.project(offsets.x, rows, d, offsets.mean, offsets.wt, k, offsets.out);
    scores.set(f64.subarray(offsets.out / 8, offsets.out / 8 + rows * k), start * k);
  }
  return { scores, finite: check === 0 };
}

/** Column-wise sums, minima and maxima (as `if (x < min) min = x`, row by row) of the n×d rows. */
export function sumsMinMaxWasm(data: Float64Array, n: number, d: number): { sums: Float64Array; min: Float64Array; max: Float64Array } {
  checkCols(d);
  const chunk = COVARIANCE_BLOCK_ROWS * 4;
  const { offsets, bytes } = layout({ acc: d, mn: d, mx: d, x: chunk * d });
  const { memory, exports } = kernelWith(bytes);
  const f64 = new Float64Array(memory.buffer);
  f64.fill(0, offsets.acc / 8, offsets.acc / 8 + d);
  f64.fill(Infinity, offsets.mn / 8, offsets.mn / 8 + d);
  f64.fill(-Infinity, offsets.mx / 8, offsets.mx / 8 + d);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    f64.set(data.subarray(start * d, (start + rows) * d), offsets.x / 8);
    exports.sums_min_max(offsets.x, rows, d, offsets.acc, offsets.mn, offsets.mx);
  }
  const out = (at: number) => f64.slice(at / 8, at / 8 + d);
  return { sums: out(offsets.acc), min: out(offsets.mn), max: out(offsets.mx) };
}

/** Column-wise sums of x − mean and of (x − mean)², row by row, of the n×d rows. */
export function deviationsWasm(data: Float64Array, n: number, d: number, mean: Float64Array): { dev: Float64Array; squares: Float64Array } {
  checkCols(d);
  const chunk = COVARIANCE_BLOCK_ROWS * 4;
  const { offsets, bytes } = layout({ mean: d, dev: d, sq: d, x: chunk * d });
  const { memory, exports } = kernelWith(bytes);
  const f64 = new Float64Array(memory.buffer);
  f64.set(mean, offsets.mean / 8);
  f64.fill(0, offsets.dev / 8, offsets.sq / 8 + d);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    f64.set(data.subarray(start * d, (start + rows) * d), offsets.x / 8);
    exports.deviations(offsets.x, rows, d, offsets.mean, offsets.dev, offsets.sq);
  }
  return { dev: f64.slice(offsets.dev / 8, offsets.dev / 8 + d), squares: f64.slice(offsets.sq / 8, offsets.sq / 8 + d) };
}

/**
 * (x − mean) / scale of every value of the n×d rows, as a new array;
 * `finite` is true when every result is finite.
 */
export function standardiseWasm(
  data: Float64Array, n: number, d: number, mean: Float64Array, scale: Float64Array,
): { values: Float64Array; finite: boolean } {
  checkCols(d);
  const chunk = COVARIANCE_BLOCK_ROWS * 4;
  const { offsets, bytes } = layout({ mean: d, scale: d, x: chunk * d });
  const { memory, exports } = kernelWith(bytes);
  const f64 = new Float64Array(memory.buffer);
  f64.set(mean, offsets.mean / 8);
  f64.set(scale, offsets.scale / 8);
  const out = new Float64Array(n * d);
  let check = 0;
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    f64.set(data.subarray(start * d, (start + rows) * d), offsets.x / 8);
    check += exports.standardise(offsets.x, rows, d, offsets.mean, offsets.scale);
    out.set(f64.subarray(offsets.x / 8, offsets.x / 8 + rows * d), start * d);
  }
  return { values: out, finite: check === 0 };
}
