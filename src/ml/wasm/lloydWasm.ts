/**
 * The Lloyd assignment step of k-means on the WebAssembly SIMD kernel in
 * `lloyd.wat`, optionally split over `worker_threads` sharing one
 * WebAssembly memory.
 *
 * Results are deterministic: labels and squared distances are computed per
 * row with the same operations as the plain scalar loop (so they are
 * bit-identical to it), and sums, counts and inertia are accumulated per
 * fixed block of rows and added up in block order, so they come out
 * bit-identical whatever the number of threads and whichever thread ran
 * which block.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { LloydKernelFactory, PlusPlusSeeder, ResidentLloydKernel } from '../kernels/lloyd.ts';

const WASM_URL = new URL('./lloyd.wasm', import.meta.url);
const PAGE_BYTES = 65536;
/** wasm32 addresses are 32-bit: 65536 pages of 64 KiB is all there is. */
const MAX_PAGES = 65536;
/** Region alignment: two cache lines, so no two regions (or threads) share a line. */
const ALIGN = 128;

interface LloydExports {
  readonly block_rows: WebAssembly.Global;
  partial_bytes(d: number, k: number): number;
  seed_trial(x: number, p: number, closest: number, out: number, n: number, d: number): number;
  cumsum(src: number, dst: number, n: number): number;
  silhouette_sums(x: number, n: number, d: number, starts: number, kc: number, out: number, scr: number): void;
  lloyd_block(
    x: number, c: number, part: number, lab: number, dist: number,
    n: number, d: number, k: number, block: number, generic: number,
  ): void;
}

let compiledModule: WebAssembly.Module | undefined;

/** The compiled kernel module (compiled once per process, synchronously). */
export function lloydWasmModule(): WebAssembly.Module {
  compiledModule ??= new WebAssembly.Module(readFileSync(WASM_URL));
  return compiledModule;
}

function instantiate(memory: WebAssembly.Memory): LloydExports {
  return new WebAssembly.Instance(lloydWasmModule(), { env: { memory } }).exports as unknown as LloydExports;
}

/**
 * Rows per block: the unit of work handed to a thread and of the fixed-order
 * reduction. Read from the kernel so the two can never disagree.
 */
export const LLOYD_BLOCK_ROWS: number = (() => {
  const probe = instantiate(new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }));
  return probe.block_rows.value as number;
})();

/**
 * Row width in wasm memory: d = 1..3 is padded to 4 and d = 5..7 to 8 with
 * zero coordinates so that the specialised d = 4 and d = 8 code runs them.
 * A zero coordinate adds exactly +0 to a distance (a sum of squares is
 * never -0) and to a sum, so padding changes no bit of any result.
 */
export function lloydPaddedWidth(d: number): number {
  return d <= 4 ? 4 : d <= 8 ? 8 : d;
}

/** Byte offsets of the regions in the kernel's linear memory. */
interface Layout {
  n: number;
  d: number;
  /** Row width in memory ({@link lloydPaddedWidth}); the kernel runs with this d. */
  dp: number;
  /** Most centroids a pass may have (the regions are sized for it). */
  k: number;
  /** Splatted centroids, k*d f64x2. */
  c: number;
  /** Per-block partial records. */
  part: number;
  partBytes: number;
  blocks: number;
  lab: number;
  dist: number;
  /** Points, row-major n×d f64, then one padding row. */
  x: number;
  bytes: number;
  /** k-means++ buffers, four of n + 1 f64 each, after everything else (reserved on first use). */
  seed: number;
}

const alignUp = (v: number): number => Math.ceil(v / ALIGN) * ALIGN;

function checkShape(n: number, d: number, k: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/** Bytes of one block's partial record for d (padded) and k, Infinity where i32 would overflow. */
function partialBytes(exports: LloydExports, d: number, k: number): number {
  // partial_bytes works in i32: only ask it where its result cannot overflow
  // (beyond that the problem cannot fit in memory anyway).
  const partBound = (k * (d + 1) + 1) * 8 + (k + d) * 16 + 256;
  return partBound < 2 ** 31 ? exports.partial_bytes(d, k) : Infinity;
}

function computeLayout(n: number, d: number, k: number, exports: LloydExports): Layout {
  checkShape(n, d, k);
  const dp = lloydPaddedWidth(d);
  const blocks = Math.ceil(n / LLOYD_BLOCK_ROWS);
  const partBytes = partialBytes(exports, dp, k);
  const c = 0;
  const part = alignUp(c + k * dp * 16);
  const lab = alignUp(part + blocks * partBytes);
  const dist = alignUp(lab + n * 4);
  const x = alignUp(dist + n * 8);
  // The padding row is what an odd last row is paired with.
  const bytes = x + (n + 1) * dp * 8;
  if (!(bytes <= MAX_PAGES * PAGE_BYTES)) {
    throw new RangeError(
      `Lloyd wasm kernel: n=${n}, d=${d}, k=${k} needs ${bytes} bytes, more than the 4 GiB a wasm32 memory can address`,
    );
  }
  const seed = alignUp(bytes);
  return { n, d, dp, k, c, part, partBytes, blocks, lab, dist, x, bytes, seed };
}

function pagesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAGE_BYTES));
}

/**
 * One WebAssembly memory holding the points and outputs of one problem, with
 * the kernel instance bound to it. Shared memory, so worker threads can run
 * blocks of the same problem in place.
 */
class LloydState {
  readonly memory: WebAssembly.Memory;
  readonly exports: LloydExports;
  layout: Layout;
  /** partial_bytes per k of the current layout (a pass may use fewer centroids than the layout's k). */
  private partBytesByK = new Map<number, number>();

  constructor(n: number, d: number, k: number) {
    // The layout needs the kernel's partial_bytes; a one-page memory is
    // enough to ask it, then the memory is grown to the real size.
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.exports = instantiate(this.memory);
    this.layout = this.reserve(n, d, k);
  }

  /** Lays out a problem of this shape, growing the memory if it is too small. */
  reserve(n: number, d: number, k: number): Layout {
    const layout = computeLayout(n, d, k, this.exports);
    this.grow(layout.bytes);
    this.layout = layout;
    this.partBytesByK.clear();
    return layout;
  }

  /** Grows the memory to at least `bytes`. */
  private grow(bytes: number): void {
    if (!(bytes <= MAX_PAGES * PAGE_BYTES)) {
      throw new RangeError(`Lloyd wasm kernel: ${bytes} bytes is more than the 4 GiB a wasm32 memory can address`);
    }
    const have = this.memory.buffer.byteLength / PAGE_BYTES;
    const need = pagesFor(bytes);
    if (need > have) {
      try {
        this.memory.grow(need - have);
      } catch (cause) {
        throw new RangeError(`Lloyd wasm kernel: cannot allocate ${bytes} bytes`, { cause });
      }
    }
  }

  /**
   * k-means++ seeding on the resident points (see {@link PlusPlusSeeder}):
   * the per-row distances and minima stay in wasm memory, in four buffers
   * after the problem, which are reserved now.
   */
  plusPlus(): PlusPlusSeeder {
    const L = this.layout;
    const { n, dp, x } = L;
    // n + 1 entries each: seed_trial works on row pairs and may write one past the end.
    const stride = alignUp((n + 1) * 8);
    this.grow(L.seed + 4 * stride);
    const exports = this.exports;
    const memory = this.memory;
    let [closest, candidate, best] = [0, 1, 2].map((i) => L.seed + i * stride);
    const cumulative = L.seed + 3 * stride;
    const row = (index: number): number => {
      if (!(Number.isSafeInteger(index) && index >= 0 && index < n)) throw new RangeError(`row ${index} is outside [0, ${n})`);
      return x + index * dp * 8;
    };
    return {
      first(index) {
        // min(distance, +Infinity) is the distance: the first centre's distances as they are.
        new Float64Array(memory.buffer, closest, n + 1).fill(Infinity);
        exports.seed_trial(x, row(index), closest, closest, n, dp);
      },
      cumulative() {
        exports.cumsum(closest, cumulative, n);
        return new Float64Array(memory.buffer, cumulative, n);
      },
      trial(index) {
        return exports.seed_trial(x, row(index), closest, candidate, n, dp);
      },
      keepTrial() {
        [best, candidate] = [candidate, best];
      },
      acceptBest() {
        [closest, best] = [best, closest];
      },
    };
  }

  /** Bytes of a block's partial record for a pass with k centroids (≤ the layout's k). */
  partBytes(k: number): number {
    let bytes = this.partBytesByK.get(k);
    if (bytes === undefined) {
      bytes = partialBytes(this.exports, this.layout.dp, k);
      this.partBytesByK.set(k, bytes);
    }
    return bytes;
  }

  /**
   * Copies X (row-major n×d) in, padding rows to dp with zeros, and zeroes
   * the padding row after it (an odd last row is paired with it; its results
   * are never written, zeroing just keeps the memory contents a function of
   * the inputs).
   */
  loadPoints(X: Float64Array): void {
    const { n, d, dp, x } = this.layout;
    if (X.length < n * d) throw new RangeError(`X has ${X.length} values, fewer than n*d = ${n * d}`);
    const dst = new Float64Array(this.memory.buffer, x, (n + 1) * dp);
    if (dp === d) {
      dst.set(X.length === n * d ? X : X.subarray(0, n * d));
    } else {
      // The memory may hold an earlier problem: every padding coordinate is written.
      dst.fill(0, 0, n * dp);
      for (let i = 0, src = 0, out = 0; i < n; i++, src += d, out += dp) {
        for (let j = 0; j < d; j++) dst[out + j] = X[src + j];
      }
    }
    dst.fill(0, n * dp);
  }

  /**
   * Writes zeros over the regions the kernel writes, so their pages are
   * mapped now rather than by page faults in the first pass, where two
   * threads faulting at once made it several times slower.
   */
  touchOutputs(): void {
    const { part, x } = this.layout;
    new Uint8Array(this.memory.buffer, part, x - part).fill(0);
  }

  /** Writes each centroid coordinate twice, once per lane of a pair; padding coordinates are 0. */
  loadCentroids(C: Float64Array, k: number): void {
    const { d, dp, c } = this.layout;
    if (C.length < k * d) throw new RangeError(`C has ${C.length} values, fewer than k*d = ${k * d}`);
    const dst = new Float64Array(this.memory.buffer, c, 2 * k * dp);
    if (dp !== d) dst.fill(0);
    for (let cc = 0; cc < k; cc++) {
      for (let j = 0, i = cc * d, o = 2 * cc * dp; j < d; j++, i++, o += 2) {
        const v = C[i];
        dst[o] = v;
        dst[o + 1] = v;
      }
    }
  }

  runBlock(block: number, generic: boolean, k: number): void {
    const L = this.layout;
    this.exports.lloyd_block(L.x, L.c, L.part, L.lab, L.dist, L.n, L.dp, k, block, generic ? 1 : 0);
  }

  /** Copies all labels and squared distances out. */
  copyAll(labels: Int32Array, dist2: Float64Array | null): void {
    const { n, lab, dist } = this.layout;
    const buffer = this.memory.buffer;
    labels.set(new Int32Array(buffer, lab, n));
    dist2?.set(new Float64Array(buffer, dist, n));
  }

  /** Copies one block's labels and squared distances out. */
  copyBlock(block: number, labels: Int32Array, dist2: Float64Array | null): void {
    const { n, lab, dist } = this.layout;
    const r0 = block * LLOYD_BLOCK_ROWS;
    const rows = Math.min(LLOYD_BLOCK_ROWS, n - r0);
    const buffer = this.memory.buffer;
    labels.set(new Int32Array(buffer, lab + r0 * 4, rows), r0);
    dist2?.set(new Float64Array(buffer, dist + r0 * 8, rows), r0);
  }

  /**
   * Adds the per-block partials up in block order into sums and counts
   * (overwriting them) and returns the inertia. The order is fixed, so the
   * result does not depend on which thread ran which block.
   */
  reduce(sums: Float64Array, counts: Float64Array, k: number): number {
    const { d, dp, part, blocks } = this.layout;
    sums.fill(0, 0, k * d);
    counts.fill(0, 0, k);
    let inertia = 0;
    const stride = this.partBytes(k) / 8;
    const partials = new Float64Array(this.memory.buffer, part, blocks * stride);
    const kdp = k * dp;
    for (let b = 0; b < blocks; b++) {
      const base = b * stride;
      if (dp === d) {
        for (let i = 0; i < kdp; i++) sums[i] += partials[base + i];
      } else {
        for (let c = 0; c < k; c++) {
          for (let j = 0; j < d; j++) sums[c * d + j] += partials[base + c * dp + j];
        }
      }
      for (let i = 0; i < k; i++) counts[i] += partials[base + kdp + i];
      inertia += partials[base + kdp + k];
    }
    return inertia;
  }
}

function checkOutputs(
  n: number, d: number, k: number,
  labels: Int32Array, dist2: Float64Array | null, sums: Float64Array, counts: Float64Array,
): void {
  if (labels.length < n) throw new RangeError(`labels has length ${labels.length}, fewer than n = ${n}`);
  if (dist2 !== null && dist2.length < n) throw new RangeError(`dist2 has length ${dist2.length}, fewer than n = ${n}`);
  if (sums.length < k * d) throw new RangeError(`sums has length ${sums.length}, fewer than k*d = ${k * d}`);
  if (counts.length < k) throw new RangeError(`counts has length ${counts.length}, fewer than k = ${k}`);
}

/** Options of {@link createLloydKernel} and {@link createLloydKernelPool}. */
export interface LloydKernelOptions {
  /**
   * Threads that run blocks: the calling thread plus `threads - 1` workers
   * (default 1, no workers). Results are bit-identical for every value.
   */
  threads?: number;
  /**
   * Use the any-d code even where a specialised one exists (d ≤ 8). Both give
   * the same bits; this is for checking that and for timing.
   */
  generic?: boolean;
}

/** A Lloyd assignment kernel with the points resident in WebAssembly memory. */
export interface LloydKernel extends ResidentLloydKernel {
  /** Rows of X. */
  readonly n: number;
  /** Coordinates per row. */
  readonly d: number;
  /** Most centroids per pass. */
  readonly k: number;
  /** Threads that share the work (1 = calling thread only). */
  readonly threads: number;
  /**
   * Settles when every worker has started. Not needed for correctness: until
   * a worker is up, the calling thread runs its blocks, with the same result.
   * Rejects if a worker fails to start.
   */
  readonly ready: Promise<void>;
  /**
   * One Lloyd assignment pass against the first `k` centroids of C
   * (row-major, `k` ≤ the kernel's k, default the kernel's k): writes labels
   * (nearest centroid, ties to the lowest index) and dist2 (squared distance
   * to it) for the n rows, overwrites sums (k×d coordinate sums per cluster)
   * and counts (k), and returns the inertia (sum of dist2). With dist2 null
   * the distances stay in the kernel until the next pass ({@link readDist2}).
   */
  assign(C: Float64Array, labels: Int32Array, dist2: Float64Array | null, sums: Float64Array, counts: Float64Array, k?: number): number;
  /** Copies the squared distances of the last pass out. */
  readDist2(dist2: Float64Array): void;
  /** Releases the kernel (for a kernel of its own, stops the workers and frees the memory); it cannot be used after. */
  dispose(): void;
}

/**
 * Worker threads and one WebAssembly memory, reused by kernel after kernel:
 * starting workers and growing memory cost more than a whole small k-means
 * fit, so a caller that fits many models (bootstrap refits) keeps one pool.
 */
export interface LloydKernelPool {
  /** Threads that share the work (1 = calling thread only). */
  readonly threads: number;
  /** Settles when every worker has started (see {@link LloydKernel.ready}). */
  readonly ready: Promise<void>;
  /**
   * Copies X (row-major n×d) into the pool's memory and returns a kernel
   * for passes with at most k centroids. The pool holds one problem at a
   * time: the kernel it returned before stops working.
   */
  kernel(X: Float64Array, n: number, d: number, k: number): LloydKernel;
  /** Stops the workers and releases the memory; idempotent. */
  dispose(): void;
}

// Control words of the thread protocol (Int32Array over a SharedArrayBuffer).
/** Job generation: bumped by the caller to wake the workers. */
const GEN = 0;
/** 0 = run, 1 = exit. */
const CMD = 1;
/**
 * Block claims (Atomics.add): the job's tag in the top 12 bits, the next
 * block in the low 20. The tag tells a worker that a claim it made late
 * belongs to a job that has finished (and whose arguments may be gone).
 */
const NEXT = 2;
/** Blocks finished in the current job. */
const DONE = 3;
/** Set to 1 when a block threw in a worker. */
const ERR = 4;
/** Tag of the job whose arguments ARGS holds; -1 while they are being rewritten. */
const TAG = 5;
/** The job's lloyd_block arguments (x, c, part, lab, dist, n, d, k, generic) and block count. */
const ARGS = 6;
const ARG_COUNT = 10;
const CONTROL_WORDS = ARGS + ARG_COUNT;
const TAG_SHIFT = 20;
const BLOCK_MASK = (1 << TAG_SHIFT) - 1;
const TAG_MASK = 0xfff;

/**
 * Worker body, evaluated as a CommonJS script so it needs no file and no
 * TypeScript loader. Workers claim blocks with an atomic counter and read
 * the job's arguments after each claim (the problem changes from kernel to
 * kernel of a pool): a claim with a block below the job's block count keeps
 * that job from finishing, so its arguments cannot change under it; the tag
 * read before and after the arguments catches a claim made after its job
 * finished. Which thread runs which block does not matter to the result
 * because every block writes only its own rows and its own partial record.
 */
const WORKER_SOURCE = `
'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control } = workerData;
const ctrl = new Int32Array(control);
const { lloyd_block } = new WebAssembly.Instance(module, { env: { memory } }).exports;
parentPort.postMessage('ready');
const a = new Int32Array(${ARG_COUNT});
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${GEN}, seen);
  seen = Atomics.load(ctrl, ${GEN});
  if (Atomics.load(ctrl, ${CMD}) !== 0) break;
  for (;;) {
    const v = Atomics.add(ctrl, ${NEXT}, 1);
    const tag = v >>> ${TAG_SHIFT};
    const b = v & ${BLOCK_MASK};
    const before = Atomics.load(ctrl, ${TAG});
    for (let i = 0; i < ${ARG_COUNT}; i++) a[i] = Atomics.load(ctrl, ${ARGS} + i);
    const after = Atomics.load(ctrl, ${TAG});
    const blocks = a[9];
    if (before !== tag || after !== tag || b >= blocks) break;
    try {
      lloyd_block(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b, a[8]);
    } catch (error) {
      Atomics.store(ctrl, ${ERR}, 1);
    }
    if (Atomics.add(ctrl, ${DONE}, 1) + 1 === blocks) Atomics.notify(ctrl, ${DONE});
  }
}
`;

class WasmLloydPool implements LloydKernelPool {
  readonly threads: number;
  readonly ready: Promise<void>;
  /** The kernel currently bound to the memory. */
  current: PoolKernel | undefined;
  readonly generic: boolean;
  private state: LloydState | undefined;
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;
  /** Tag of the last job (see NEXT). */
  private tag = 0;

  constructor(options: LloydKernelOptions, first?: { n: number; d: number; k: number }) {
    const threads = options.threads ?? 1;
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${threads}`);
    }
    if (first) checkShape(first.n, first.d, first.k);
    this.threads = threads;
    this.generic = options.generic ?? false;
    this.state = first ? new LloydState(first.n, first.d, first.k) : new LloydState(0, 1, 1);
    this.ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    this.ready = this.startWorkers(threads - 1);
    // Keep a rejection from surfacing as unhandled when nobody awaits ready.
    this.ready.catch(() => undefined);
  }

  private startWorkers(count: number): Promise<void> {
    const started: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: lloydWasmModule(), memory: this.state!.memory, control: this.ctrl.buffer },
      });
      this.workers.push(worker);
      started.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => {
            // Referenced until started so `await kernel.ready` keeps the
            // process alive; afterwards an idle worker must not.
            worker.unref();
            resolve();
          });
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`Lloyd worker exited with code ${code} before starting`)));
        }),
      );
    }
    return Promise.all(started).then(() => undefined);
  }

  kernel(X: Float64Array, n: number, d: number, k: number): LloydKernel {
    const state = this.live();
    checkShape(n, d, k);
    if (this.current) this.current.detach();
    this.current = undefined;
    state.reserve(n, d, k);
    state.loadPoints(X);
    state.touchOutputs();
    const kernel = new PoolKernel(this, state, n, d, k, false);
    this.current = kernel;
    return kernel;
  }

  /** The pool's memory, as a kernel of its own (see {@link createLloydKernel}). */
  ownKernel(X: Float64Array, n: number, d: number, k: number): LloydKernel {
    const state = this.live();
    state.loadPoints(X);
    state.touchOutputs();
    const kernel = new PoolKernel(this, state, n, d, k, true);
    this.current = kernel;
    return kernel;
  }

  private live(): LloydState {
    if (this.state === undefined) throw new Error('Lloyd kernel pool used after dispose()');
    return this.state;
  }

  /** One pass over every block of the state's problem with k centroids (already loaded). */
  run(state: LloydState, k: number, labels: Int32Array, dist2: Float64Array | null): void {
    const blocks = state.layout.blocks;
    // One block cannot be shared: waking the workers would only cost time.
    if (this.workers.length === 0 || blocks <= 1) {
      for (let b = 0; b < blocks; b++) state.runBlock(b, this.generic, k);
      // One copy at the end: measured faster than copying block by block.
      state.copyAll(labels, dist2);
    } else {
      this.runShared(state, k, blocks, labels, dist2);
    }
  }

  /**
   * Runs the blocks on this thread and the workers and copies every block's
   * labels and distances out; returns when all are done. This thread copies
   * its own blocks as it goes, so that part of the copy happens while the
   * workers are still computing.
   */
  private runShared(state: LloydState, k: number, blocks: number, labels: Int32Array, dist2: Float64Array | null): void {
    const ctrl = this.ctrl;
    const L = state.layout;
    const tag = (this.tag = (this.tag + 1) & TAG_MASK);
    const args = [L.x, L.c, L.part, L.lab, L.dist, L.n, L.dp, k, this.generic ? 1 : 0, blocks];
    // The arguments are rewritten under tag -1 (see WORKER_SOURCE), before
    // NEXT is reset: a claim of this job then always finds them in place.
    Atomics.store(ctrl, TAG, -1);
    for (let i = 0; i < ARG_COUNT; i++) Atomics.store(ctrl, ARGS + i, args[i]);
    Atomics.store(ctrl, TAG, tag);
    const copied = new Uint8Array(blocks);
    // DONE is reset before NEXT: a worker can only claim (and then count) a
    // block of this job after NEXT is reset, so no count is lost.
    Atomics.store(ctrl, ERR, 0);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, NEXT, tag << TAG_SHIFT);
    Atomics.add(ctrl, GEN, 1);
    Atomics.notify(ctrl, GEN);
    for (;;) {
      const b = Atomics.add(ctrl, NEXT, 1) & BLOCK_MASK;
      if (b >= blocks) break;
      state.runBlock(b, this.generic, k);
      Atomics.add(ctrl, DONE, 1);
      state.copyBlock(b, labels, dist2);
      copied[b] = 1;
    }
    // Only the increment that reaches `blocks` notifies; wait() returns at
    // once whenever DONE has moved past the value read.
    for (let done = Atomics.load(ctrl, DONE); done < blocks; done = Atomics.load(ctrl, DONE)) {
      Atomics.wait(ctrl, DONE, done);
    }
    if (Atomics.load(ctrl, ERR) !== 0) throw new Error('Lloyd worker failed while running a block');
    for (let b = 0; b < blocks; b++) if (copied[b] === 0) state.copyBlock(b, labels, dist2);
  }

  dispose(): void {
    if (this.state === undefined) return;
    this.current?.detach();
    this.current = undefined;
    this.state = undefined;
    Atomics.store(this.ctrl, CMD, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}

class PoolKernel implements LloydKernel {
  readonly threads: number;
  readonly ready: Promise<void>;
  private state: LloydState | undefined;

  constructor(
    private readonly pool: WasmLloydPool,
    state: LloydState,
    readonly n: number,
    readonly d: number,
    readonly k: number,
    /** Disposing this kernel disposes the pool (a kernel made by createLloydKernel). */
    private readonly ownsPool: boolean,
  ) {
    this.state = state;
    this.threads = pool.threads;
    this.ready = pool.ready;
  }

  /** Called by the pool when another problem replaces this one. */
  detach(): void {
    this.state = undefined;
  }

  assign(C: Float64Array, labels: Int32Array, dist2: Float64Array | null, sums: Float64Array, counts: Float64Array, k = this.k): number {
    const state = this.state;
    if (state === undefined) throw new Error('Lloyd kernel used after dispose() (or after its pool loaded another problem)');
    if (!Number.isSafeInteger(k) || k < 1 || k > this.k) throw new RangeError(`k must be an integer in [1, ${this.k}], got ${k}`);
    checkOutputs(this.n, this.d, k, labels, dist2, sums, counts);
    state.loadCentroids(C, k);
    this.pool.run(state, k, labels, dist2);
    return state.reduce(sums, counts, k);
  }

  readDist2(dist2: Float64Array): void {
    const state = this.state;
    if (state === undefined) throw new Error('Lloyd kernel used after dispose() (or after its pool loaded another problem)');
    if (dist2.length < this.n) throw new RangeError(`dist2 has length ${dist2.length}, fewer than n = ${this.n}`);
    const { n, dist } = state.layout;
    dist2.set(new Float64Array(state.memory.buffer, dist, n));
  }

  plusPlus(): PlusPlusSeeder {
    const state = this.state;
    if (state === undefined) throw new Error('Lloyd kernel used after dispose() (or after its pool loaded another problem)');
    return state.plusPlus();
  }

  dispose(): void {
    if (this.state === undefined && !this.ownsPool) return;
    this.detach();
    if (this.ownsPool) this.pool.dispose();
    else if (this.pool.current === this) this.pool.current = undefined;
  }
}

/**
 * Creates worker threads (`threads - 1` of them) and a WebAssembly memory to
 * be reused by many kernels in turn ({@link LloydKernelPool.kernel}). Call
 * `dispose()` when done, in a `finally`: idle workers do not keep the
 * process alive, but they hold their memory until terminated.
 */
export function createLloydKernelPool(options: LloydKernelOptions = {}): LloydKernelPool {
  return new WasmLloydPool(options);
}

/**
 * Copies X (row-major n×d float64) into WebAssembly memory once and returns a
 * kernel that runs Lloyd assignment passes against any centroids, e.g. once
 * per k-means iteration. Call `dispose()` when done (it stops the workers).
 */
export function createLloydKernel(
  X: Float64Array, n: number, d: number, k: number, options: LloydKernelOptions = {},
): LloydKernel {
  const pool = new WasmLloydPool(options, { n, d, k });
  try {
    return pool.ownKernel(X, n, d, k);
  } catch (error) {
    pool.dispose();
    throw error;
  }
}

/** Memory reused by {@link lloydAssignWasm}, grown to the largest problem seen. */
let scratch: LloydState | undefined;

/**
 * One Lloyd assignment pass with the same contract as the plain-JS
 * `lloydAssign`: labels, squared distance to the nearest centroid (ties to the
 * lowest index), per-cluster coordinate sums (k*d) and counts (k), both
 * overwritten; returns the inertia. Copies X on every call, so for repeated
 * passes over the same points use {@link createLloydKernel}.
 */
export function lloydAssignWasm(
  X: Float64Array, n: number, d: number, C: Float64Array, k: number,
  labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array,
): number {
  checkShape(n, d, k);
  checkOutputs(n, d, k, labels, dist2, sums, counts);
  if (scratch === undefined) scratch = new LloydState(n, d, k);
  else scratch.reserve(n, d, k);
  scratch.loadPoints(X);
  scratch.loadCentroids(C, k);
  for (let b = 0; b < scratch.layout.blocks; b++) scratch.runBlock(b, false, k);
  scratch.copyAll(labels, dist2);
  return scratch.reduce(sums, counts, k);
}

/**
 * A {@link LloydKernelFactory} on a pool: every k-means fit gets the pool's
 * memory and workers for its own X. The kernels it makes are released by the
 * fit; the pool by the caller.
 */
export function lloydKernelFactory(pool: LloydKernelPool): LloydKernelFactory {
  return (X, n, d, k) => pool.kernel(X, n, d, k);
}

/** Memory and instance reused by {@link silhouetteSumsWasm}, grown to the largest problem seen. */
let silhouetteScratch: { memory: WebAssembly.Memory; exports: LloydExports } | undefined;

/**
 * For every point i of X (row-major n×d) and cluster c (ids in [0, K)): the
 * sum of the Euclidean distances from i to the other points of cluster c,
 * added in increasing point order (the order of the plain double loop, so
 * the same bits), as an n×K row-major array. O(n²·d): for samples.
 */
export function silhouetteSumsWasm(X: Float64Array, n: number, d: number, ids: Int32Array, K: number): Float64Array {
  checkShape(n, d, K);
  if (X.length < n * d) throw new RangeError(`X has ${X.length} values, fewer than n*d = ${n * d}`);
  if (ids.length < n) throw new RangeError(`ids has length ${ids.length}, fewer than n = ${n}`);
  // Even row width (zero coordinates add exactly nothing), one padding row for an odd n.
  const dp = d <= 4 ? 4 : d <= 8 ? 8 : d + (d & 1);
  const starts = 0;
  const scr = alignUp((K + 1) * 4);
  const x = alignUp(scr + dp * 16);
  const out = alignUp(x + (n + 1) * dp * 8);
  const bytes = out + (n + 1) * K * 8;
  if (!(bytes <= MAX_PAGES * PAGE_BYTES)) throw new RangeError(`silhouette: n=${n}, d=${d}, K=${K} needs more than 4 GiB`);
  if (silhouetteScratch === undefined) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    silhouetteScratch = { memory, exports: instantiate(memory) };
  }
  const { memory, exports } = silhouetteScratch;
  const have = memory.buffer.byteLength / PAGE_BYTES;
  if (pagesFor(bytes) > have) memory.grow(pagesFor(bytes) - have);
  const buffer = memory.buffer;
  // Group the rows by cluster, keeping increasing row order within a group.
  const start = new Int32Array(buffer, starts, K + 1);
  start.fill(0);
  for (let i = 0; i < n; i++) {
    const c = ids[i];
    if (!(c >= 0 && c < K)) throw new RangeError(`ids[${i}] = ${c} is outside [0, ${K})`);
    start[c + 1] += 1;
  }
  for (let c = 0; c < K; c++) start[c + 1] += start[c];
  const order = new Int32Array(n);
  const next = start.slice(0, K);
  for (let i = 0; i < n; i++) order[next[ids[i]]++] = i;
  const xs = new Float64Array(buffer, x, (n + 1) * dp);
  xs.fill(0);
  for (let g = 0; g < n; g++) {
    const src = order[g] * d;
    const dst = g * dp;
    for (let j = 0; j < d; j++) xs[dst + j] = X[src + j];
  }
  exports.silhouette_sums(x, n, dp, starts, K, out, scr);
  const grouped = new Float64Array(buffer, out, n * K);
  const result = new Float64Array(n * K);
  for (let g = 0; g < n; g++) result.set(grouped.subarray(g * K, (g + 1) * K), order[g] * K);
  return result;
}
