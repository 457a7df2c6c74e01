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

const WASM_URL = new URL('./lloyd.wasm', import.meta.url);
const PAGE_BYTES = 65536;
/** wasm32 addresses are 32-bit: 65536 pages of 64 KiB is all there is. */
const MAX_PAGES = 65536;
/** Region alignment: two cache lines, so no two regions (or threads) share a line. */
const ALIGN = 128;

interface LloydExports {
  readonly block_rows: WebAssembly.Global;
  partial_bytes(d: number, k: number): number;
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

/** Byte offsets of the regions in the kernel's linear memory. */
interface Layout {
  n: number;
  d: number;
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
}

const alignUp = (v: number): number => Math.ceil(v / ALIGN) * ALIGN;

function checkShape(n: number, d: number, k: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, got ${d}`);
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

function computeLayout(n: number, d: number, k: number, exports: LloydExports): Layout {
  checkShape(n, d, k);
  const blocks = Math.ceil(n / LLOYD_BLOCK_ROWS);
  // partial_bytes works in i32: only ask it where its result cannot overflow
  // (beyond that the problem cannot fit in memory anyway).
  const partBound = (k * (d + 1) + 1) * 8 + (k + d) * 16 + 256;
  const partBytes = partBound < 2 ** 31 ? exports.partial_bytes(d, k) : Infinity;
  const c = 0;
  const part = alignUp(c + k * d * 16);
  const lab = alignUp(part + blocks * partBytes);
  const dist = alignUp(lab + n * 4);
  const x = alignUp(dist + n * 8);
  // The padding row is what an odd last row is paired with.
  const bytes = x + (n + 1) * d * 8;
  if (!(bytes <= MAX_PAGES * PAGE_BYTES)) {
    throw new RangeError(
      `Lloyd wasm kernel: n=${n}, d=${d}, k=${k} needs ${bytes} bytes, more than the 4 GiB a wasm32 memory can address`,
    );
  }
  return { n, d, k, c, part, partBytes, blocks, lab, dist, x, bytes };
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
    const have = this.memory.buffer.byteLength / PAGE_BYTES;
    const need = pagesFor(layout.bytes);
    if (need > have) {
      try {
        this.memory.grow(need - have);
      } catch (cause) {
        throw new RangeError(`Lloyd wasm kernel: cannot allocate ${layout.bytes} bytes`, { cause });
      }
    }
    this.layout = layout;
    return layout;
  }

  /**
   * Copies X (row-major n×d) in as it is, and zeroes the padding row after
   * it (an odd last row is paired with it; its results are never written,
   * zeroing just keeps the memory contents a function of the inputs).
   */
  loadPoints(X: Float64Array): void {
    const { n, d, x } = this.layout;
    if (X.length < n * d) throw new RangeError(`X has ${X.length} values, fewer than n*d = ${n * d}`);
    const dst = new Float64Array(this.memory.buffer, x, (n + 1) * d);
    dst.set(X.length === n * d ? X : X.subarray(0, n * d));
    dst.fill(0, n * d);
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

  /** Writes each centroid coordinate twice, once per lane of a pair. */
  loadCentroids(C: Float64Array): void {
    const { d, k, c } = this.layout;
    if (C.length < k * d) throw new RangeError(`C has ${C.length} values, fewer than k*d = ${k * d}`);
    const dst = new Float64Array(this.memory.buffer, c, 2 * k * d);
    for (let i = 0; i < k * d; i++) {
      const v = C[i];
      dst[2 * i] = v;
      dst[2 * i + 1] = v;
    }
  }

  runBlock(block: number, generic: boolean): void {
    const L = this.layout;
    this.exports.lloyd_block(L.x, L.c, L.part, L.lab, L.dist, L.n, L.d, L.k, block, generic ? 1 : 0);
  }

  /** Copies all labels and squared distances out. */
  copyAll(labels: Int32Array, dist2: Float64Array): void {
    const { n, lab, dist } = this.layout;
    const buffer = this.memory.buffer;
    labels.set(new Int32Array(buffer, lab, n));
    dist2.set(new Float64Array(buffer, dist, n));
  }

  /** Copies one block's labels and squared distances out. */
  copyBlock(block: number, labels: Int32Array, dist2: Float64Array): void {
    const { n, lab, dist } = this.layout;
    const r0 = block * LLOYD_BLOCK_ROWS;
    const rows = Math.min(LLOYD_BLOCK_ROWS, n - r0);
    const buffer = this.memory.buffer;
    labels.set(new Int32Array(buffer, lab + r0 * 4, rows), r0);
    dist2.set(new Float64Array(buffer, dist + r0 * 8, rows), r0);
  }

  /**
   * Adds the per-block partials up in block order into sums and counts
   * (overwriting them) and returns the inertia. The order is fixed, so the
   * result does not depend on which thread ran which block.
   */
  reduce(sums: Float64Array, counts: Float64Array): number {
    const { d, k, part, partBytes, blocks } = this.layout;
    sums.fill(0, 0, k * d);
    counts.fill(0, 0, k);
    let inertia = 0;
    const stride = partBytes / 8;
    const partials = new Float64Array(this.memory.buffer, part, blocks * stride);
    const kd = k * d;
    for (let b = 0; b < blocks; b++) {
      const base = b * stride;
      for (let i = 0; i < kd; i++) sums[i] += partials[base + i];
      for (let i = 0; i < k; i++) counts[i] += partials[base + kd + i];
      inertia += partials[base + kd + k];
    }
    return inertia;
  }
}

function checkOutputs(
  n: number, d: number, k: number,
  labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array,
): void {
  if (labels.length < n) throw new RangeError(`labels has length ${labels.length}, fewer than n = ${n}`);
  if (dist2.length < n) throw new RangeError(`dist2 has length ${dist2.length}, fewer than n = ${n}`);
  if (sums.length < k * d) throw new RangeError(`sums has length ${sums.length}, fewer than k*d = ${k * d}`);
  if (counts.length < k) throw new RangeError(`counts has length ${counts.length}, fewer than k = ${k}`);
}

/** Options of {@link createLloydKernel}. */
export interface LloydKernelOptions {
  /**
   * Threads that run blocks: the calling thread plus `threads - 1` workers
   * (default 1, no workers). Results are bit-identical for every value.
   */
  threads?: number;
  /**
   * Use the any-d code even where a specialised one exists (d = 8). Both give
   * the same bits; this is for checking that and for timing.
   */
  generic?: boolean;
}

/** A Lloyd assignment kernel with the points resident in WebAssembly memory. */
export interface LloydKernel {
  /** Rows of X. */
  readonly n: number;
  /** Coordinates per row. */
  readonly d: number;
  /** Centroids per pass. */
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
   * One Lloyd assignment pass against centroids C (row-major k×d): writes
   * labels (nearest centroid, ties to the lowest index) and dist2 (squared
   * distance to it) for the n rows, overwrites sums (k×d coordinate sums per
   * cluster) and counts (k), and returns the inertia (sum of dist2).
   */
  assign(C: Float64Array, labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array): number;
  /** Stops the workers and releases the memory; the kernel cannot be used after. */
  dispose(): void;
}

// Control words of the thread protocol (Int32Array over a SharedArrayBuffer).
/** Job generation: bumped by the caller to wake the workers. */
const GEN = 0;
/** 0 = run, 1 = exit. */
const CMD = 1;
/** Next block to claim (Atomics.add). */
const NEXT = 2;
/** Blocks finished in the current job. */
const DONE = 3;
/** Set to 1 when a block threw in a worker. */
const ERR = 4;
const CONTROL_WORDS = 5;

/**
 * Worker body, evaluated as a CommonJS script so it needs no file and no
 * TypeScript loader. Workers claim blocks with an atomic counter; which
 * thread runs which block does not matter to the result because every block
 * writes only its own rows and its own partial record.
 */
const WORKER_SOURCE = `
'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control, args, blocks } = workerData;
const ctrl = new Int32Array(control);
const { lloyd_block } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const [x, c, part, lab, dist, n, d, k, generic] = args;
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${GEN}, seen);
  seen = Atomics.load(ctrl, ${GEN});
  if (Atomics.load(ctrl, ${CMD}) !== 0) break;
  for (;;) {
    const b = Atomics.add(ctrl, ${NEXT}, 1);
    if (b >= blocks) break;
    try {
      lloyd_block(x, c, part, lab, dist, n, d, k, b, generic);
    } catch (error) {
      Atomics.store(ctrl, ${ERR}, 1);
    }
    if (Atomics.add(ctrl, ${DONE}, 1) + 1 === blocks) Atomics.notify(ctrl, ${DONE});
  }
}
`;

class WasmLloydKernel implements LloydKernel {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly threads: number;
  readonly ready: Promise<void>;
  private state: LloydState | undefined;
  private readonly generic: boolean;
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;

  constructor(X: Float64Array, n: number, d: number, k: number, options: LloydKernelOptions) {
    const threads = options.threads ?? 1;
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${threads}`);
    }
    checkShape(n, d, k);
    this.n = n;
    this.d = d;
    this.k = k;
    this.threads = threads;
    this.generic = options.generic ?? false;
    this.state = new LloydState(n, d, k);
    this.state.loadPoints(X);
    this.state.touchOutputs();
    this.ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    this.ready = this.startWorkers(threads - 1);
    // Keep a rejection from surfacing as unhandled when nobody awaits ready.
    this.ready.catch(() => undefined);
  }

  private startWorkers(count: number): Promise<void> {
    const state = this.state!;
    const L = state.layout;
    const started: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          module: lloydWasmModule(),
          memory: state.memory,
          control: this.ctrl.buffer,
          args: [L.x, L.c, L.part, L.lab, L.dist, L.n, L.d, L.k, this.generic ? 1 : 0],
          blocks: L.blocks,
        },
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

  assign(C: Float64Array, labels: Int32Array, dist2: Float64Array, sums: Float64Array, counts: Float64Array): number {
    const state = this.state;
    if (state === undefined) throw new Error('Lloyd kernel used after dispose()');
    const { n, d, k } = this;
    checkOutputs(n, d, k, labels, dist2, sums, counts);
    state.loadCentroids(C);
    const blocks = state.layout.blocks;
    // One block cannot be shared: waking the workers would only cost time.
    if (this.workers.length === 0 || blocks <= 1) {
      for (let b = 0; b < blocks; b++) state.runBlock(b, this.generic);
      // One copy at the end: measured faster than copying block by block.
      state.copyAll(labels, dist2);
    } else {
      this.runShared(state, blocks, labels, dist2);
    }
    return state.reduce(sums, counts);
  }

  /**
   * Runs the blocks on this thread and the workers and copies every block's
   * labels and distances out; returns when all are done. This thread copies
   * its own blocks as it goes, so that part of the copy happens while the
   * workers are still computing.
   */
  private runShared(state: LloydState, blocks: number, labels: Int32Array, dist2: Float64Array): void {
    const ctrl = this.ctrl;
    const copied = new Uint8Array(blocks);
    // DONE is reset before NEXT: a worker can only claim (and then count) a
    // block of this job after NEXT is reset, so no count is lost.
    Atomics.store(ctrl, ERR, 0);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, NEXT, 0);
    Atomics.add(ctrl, GEN, 1);
    Atomics.notify(ctrl, GEN);
    for (;;) {
      const b = Atomics.add(ctrl, NEXT, 1);
      if (b >= blocks) break;
      state.runBlock(b, this.generic);
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
    this.state = undefined;
    Atomics.store(this.ctrl, CMD, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}

/**
 * Copies X (row-major n×d float64) into WebAssembly memory once and returns a
 * kernel that runs Lloyd assignment passes against any centroids, e.g. once
 * per k-means iteration. Call `dispose()` when done (it stops the workers).
 */
export function createLloydKernel(
  X: Float64Array, n: number, d: number, k: number, options: LloydKernelOptions = {},
): LloydKernel {
  return new WasmLloydKernel(X, n, d, k, options);
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
  scratch.loadCentroids(C);
  for (let b = 0; b < scratch.layout.blocks; b++) scratch.runBlock(b, false);
  scratch.copyAll(labels, dist2);
  return scratch.reduce(sums, counts);
}
