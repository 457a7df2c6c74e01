/**
 * The fits' log-likelihoods over many rows, with a helper thread computing
 * half of the per-row terms. Each term is computed by the same code on either
 * thread and written to a shared array, and the fitting thread adds them up
 * in row order: the total is bit for bit the one of the sequential
 * likelihoods (bgnbd.ts, mbgnbd.ts, gammaGamma.ts) — tests check that —
 * whether or not a helper thread is used.
 *
 * The rows are handed out in chunks that either thread claims with an atomic
 * counter, so a helper that starts late or is descheduled on a busy machine
 * leaves more of the rows to the fitting thread instead of holding it up.
 * The fits are synchronous, so the fitting thread waits for the helper's
 * last chunk with Atomics.wait. If the helper has not answered within a few
 * seconds, the fitting thread computes every row itself and carries on alone.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompressedRfm } from './common.ts';
import { logGamma } from './specialFunctions.ts';

/** Rows below which one thread is faster than signalling a helper for every evaluation. */
export const MIN_PARALLEL_ROWS = 20_000;

/**
 * Row kernels: (from, to, f, n, s, out) computes out[i] for i in [from, to)
 * from the Float64Array data f, the Int32Array data n and the scalars s.
 * Each is the loop body of its sequential likelihood, written out the same way.
 */
const KERNELS = {
  // bgnbd.ts: total += weight · (gammaTerms[level] + tail), tail = logAddExp(A₃, A₄) for x > 0.
  bgnbd: `(from, to, f, n, s, out) => {
    const x = f[0], weight = f[1], gammaTerms = f[2], logB = f[3], logAlphaPlus = f[4];
    const level = n[0], TIndex = n[1], txIndex = n[2];
    const r = s[0], logA = s[1];
    for (let i = from; i < to; i += 1) {
      const xi = x[i];
      const k = level[i];
      const a3 = -(r + xi) * logAlphaPlus[TIndex[i]];
      let tail = a3;
      if (xi > 0) {
        const a4 = logA - logB[k] - (r + xi) * logAlphaPlus[txIndex[i]];
        const m = Math.max(a3, a4);
        tail = m === -Infinity ? -Infinity : m === Infinity ? Infinity : m + Math.log1p(Math.exp(-Math.abs(a3 - a4)));
      }
      out[i] = weight[i] * (gammaTerms[k] + tail);
    }
  }`,
  // mbgnbd.ts: total += weight · (gammaTerms[level] − (r+x)·ln(α+T) + log1pExp(odds)).
  mbgnbd: `(from, to, f, n, s, out) => {
    const x = f[0], weight = f[1], gammaTerms = f[2], logB = f[3], logAlphaPlus = f[4];
    const level = n[0], TIndex = n[1], txIndex = n[2];
    const r = s[0], logA = s[1];
    for (let i = from; i < to; i += 1) {
      const xi = x[i];
      const k = level[i];
      const logAlphaT = logAlphaPlus[TIndex[i]];
      const odds = logA - logB[k] + (r + xi) * (logAlphaT - logAlphaPlus[txIndex[i]]);
      const softplus = odds > 0 ? odds + Math.log1p(Math.exp(-odds)) : Math.log1p(Math.exp(odds));
      out[i] = weight[i] * (gammaTerms[k] - (r + xi) * logAlphaT + softplus);
    }
  }`,
  // gammaGamma.ts: total += perLevel[level] + (px − 1)·ln m̄ − (px + q)·ln(γ + x·m̄).
  gammagamma: `(from, to, f, n, s, out) => {
    const x = f[0], logM = f[1], xm = f[2], perLevel = f[3];
    const level = n[0];
    const p = s[0], q = s[1], gamma = s[2];
    for (let i = from; i < to; i += 1) {
      const px = p * x[i];
      out[i] = perLevel[level[i]] + (px - 1) * logM[i] - (px + q) * Math.log(gamma + xm[i]);
    }
  }`,
} as const;

type KernelName = keyof typeof KERNELS;
type Kernel = (from: number, to: number, f: Float64Array[], n: Int32Array[], s: Float64Array, out: Float64Array) => void;

const compiled = new Map<KernelName, Kernel>();
function kernel(name: KernelName): Kernel {
  let k = compiled.get(name);
  if (k === undefined) {
    k = new Function(`return ${KERNELS[name]};`)() as Kernel;
    compiled.set(name, k);
  }
  return k;
}

// Control words of the shared Int32Array.
const GEN = 0; // bumped by the fitting thread for each evaluation
const COMPLETED = 1; // chunks computed (by either thread) in this evaluation
const STOP = 2; // 1: the helper exits
const NEXT = 3; // next chunk to claim
const CHUNKS = 4; // chunks of this evaluation
const STARTED = 5;
const FAILED = 6;
const CHUNK_ROWS = 7;
const CONTROL_WORDS = 8;

/** Rows per claimed chunk: a few dozen chunks per evaluation at the row counts that use a helper. */
const ROWS_PER_CHUNK = 4096;

/** How long the fitting thread waits for the helper before doing its rows itself. */
const HELPER_TIMEOUT_MS = 5000;

const WORKER_SOURCE = `
'use strict';
const { workerData } = require('node:worker_threads');
const { source, f, n, s, out, control } = workerData;
const kernel = new Function('return ' + source + ';')();
const ctrl = new Int32Array(control);
Atomics.store(ctrl, ${STARTED}, 1);
const rows = out.length;
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${GEN}, seen);
  seen = Atomics.load(ctrl, ${GEN});
  if (Atomics.load(ctrl, ${STOP}) !== 0) break;
  const chunks = Atomics.load(ctrl, ${CHUNKS});
  const size = Atomics.load(ctrl, ${CHUNK_ROWS});
  for (let c = Atomics.add(ctrl, ${NEXT}, 1); c < chunks; c = Atomics.add(ctrl, ${NEXT}, 1)) {
    try {
      kernel(c * size, Math.min(rows, (c + 1) * size), f, n, s, out);
    } catch (error) {
      Atomics.store(ctrl, ${FAILED}, 1);
    }
    if (Atomics.add(ctrl, ${COMPLETED}, 1) + 1 === chunks) Atomics.notify(ctrl, ${COMPLETED});
  }
}
`;

function sharedF64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, length) * 8));
}
function sharedI32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, length) * 4));
}
function sharedCopy<T extends Float64Array | Int32Array>(values: T): T {
  const out = (values instanceof Float64Array ? sharedF64(values.length) : sharedI32(values.length)) as T;
  out.set(values);
  return out;
}

/** Per-row terms over rows [0, rows) on this thread and, when it pays, one helper thread. */
class TermEvaluator {
  private readonly run: Kernel;
  private worker: Worker | null = null;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  private generation = 0;

  /** The terms of the last evaluation. */
  out: Float64Array;

  constructor(
    name: KernelName,
    private readonly f: Float64Array[],
    private readonly n: Int32Array[],
    private readonly s: Float64Array,
    private readonly rows: number,
    threads: number,
  ) {
    this.run = kernel(name);
    this.out = new Float64Array(rows);
    if (threads >= 2 && rows >= MIN_PARALLEL_ROWS) {
      this.out = sharedF64(rows);
      this.worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { source: KERNELS[name], f, n, s, out: this.out, control: this.ctrl.buffer },
      });
      // A helper must never keep the process alive, nor its failure crash it: the fit goes on alone.
      this.worker.unref();
      this.worker.on('error', () => this.abandon());
    }
  }

  /** Fills `out` for every row. */
  evaluate(): void {
    const worker = this.worker;
    if (worker === null) {
      this.run(0, this.rows, this.f, this.n, this.s, this.out);
      return;
    }
    const ctrl = this.ctrl;
    const rows = this.rows;
    const chunks = Math.ceil(rows / ROWS_PER_CHUNK);
    // The helper, if still between claims of the last evaluation, sees NEXT ≥ CHUNKS until
    // the reset below, and the parameters were written before it: any chunk it claims is this one's.
    Atomics.store(ctrl, CHUNKS, chunks);
    Atomics.store(ctrl, CHUNK_ROWS, ROWS_PER_CHUNK);
    Atomics.store(ctrl, COMPLETED, 0);
    Atomics.store(ctrl, NEXT, 0);
    this.generation += 1;
    Atomics.store(ctrl, GEN, this.generation);
    Atomics.notify(ctrl, GEN);
    for (let c = Atomics.add(ctrl, NEXT, 1); c < chunks; c = Atomics.add(ctrl, NEXT, 1)) {
      this.run(c * ROWS_PER_CHUNK, Math.min(rows, (c + 1) * ROWS_PER_CHUNK), this.f, this.n, this.s, this.out);
      Atomics.add(ctrl, COMPLETED, 1);
    }
    // Wait for the chunks the helper claimed.
    const deadline = Date.now() + HELPER_TIMEOUT_MS;
    for (;;) {
      const completed = Atomics.load(ctrl, COMPLETED);
      if (completed >= chunks) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.abandon();
        break;
      }
      Atomics.wait(ctrl, COMPLETED, completed, left);
    }
    if (this.worker === null || Atomics.load(ctrl, FAILED) !== 0) {
      // The helper is gone or failed: every row, computed here, gives the same numbers.
      this.abandon();
      this.run(0, rows, this.f, this.n, this.s, this.out);
    }
  }

  /**
   * Stops the helper; later evaluations run on this thread alone, into an
   * array of their own (a helper being stopped may still write to the shared one).
   */
  abandon(): void {
    if (this.worker === null) return;
    const worker = this.worker;
    this.worker = null;
    this.out = Float64Array.from(this.out);
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    void worker.terminate();
  }

  close(): void {
    this.abandon();
  }
}

/** Threads the fits may use: two when the machine has them, else one. */
export function fitThreads(): number {
  return availableParallelism() >= 2 ? 2 : 1;
}

/** A likelihood over prepared data that may hold a helper thread: call close() when done. */
export interface ParallelLikelihood {
  /** Total negative log-likelihood (BG/NBD family) or log-likelihood (Gamma-Gamma), as the sequential function returns it. */
  evaluate(params: Float64Array): number;
  close(): void;
}

/** Sums the terms in row order, as the sequential likelihoods accumulate them. */
function sumInOrder(terms: Float64Array, rows: number): number {
  let total = 0;
  for (let i = 0; i < rows; i += 1) total += terms[i];
  return total;
}

/**
 * The BG/NBD or MBG/NBD negative log-likelihood of compressed data, equal bit
 * for bit to betaGeoNegativeLogLikelihood / modifiedBetaGeoNegativeLogLikelihood.
 */
export function betaGeoFamilyLikelihood(model: 'bgnbd' | 'mbgnbd', data: CompressedRfm, threads = fitThreads()): ParallelLikelihood {
  const rows = data.x.length;
  const levels = data.levels;
  const gammaTerms = sharedF64(levels.length);
  const logB = sharedF64(levels.length);
  const logAlphaPlus = sharedF64(data.times.length);
  const scalars = sharedF64(2);
  const evaluator = new TermEvaluator(
    model,
    [sharedCopy(data.x), sharedCopy(data.weight), gammaTerms, logB, logAlphaPlus],
    [sharedCopy(data.level), sharedCopy(data.TIndex), sharedCopy(data.txIndex)],
    scalars,
    rows,
    threads,
  );
  const modified = model === 'mbgnbd';
  return {
    evaluate(params: Float64Array): number {
      const [r, alpha, a, b] = params;
      // The per-level and per-time figures exactly as bgnbd.ts / mbgnbd.ts compute them.
      const base = -logGamma(r) + logGamma(a + b) - logGamma(b) + r * Math.log(alpha);
      for (let k = 0; k < levels.length; k += 1) {
        const x = levels[k];
        if (modified) {
          gammaTerms[k] = base + logGamma(r + x) + logGamma(b + x + 1) - logGamma(a + b + x + 1);
          logB[k] = Math.log(b + x);
        } else {
          gammaTerms[k] = base + logGamma(r + x) + logGamma(b + x) - logGamma(a + b + x);
          logB[k] = x > 0 ? Math.log(b + x - 1) : NaN;
        }
      }
      for (let k = 0; k < data.times.length; k += 1) logAlphaPlus[k] = Math.log(alpha + data.times[k]);
      scalars[0] = r;
      scalars[1] = Math.log(a);
      evaluator.evaluate();
      const total = sumInOrder(evaluator.out, rows);
      return Number.isFinite(total) ? -total : Infinity;
    },
    close: () => evaluator.close(),
  };
}

/** Spend data as the Gamma-Gamma likelihood reads it (see gammaGamma.ts). */
export interface PreparedSpendData {
  x: Float64Array;
  logM: Float64Array;
  xm: Float64Array;
  level: Int32Array;
  levels: Float64Array;
}

/** The Gamma-Gamma log-likelihood of prepared spend data, equal bit for bit to the sequential one in gammaGamma.ts. */
export function gammaGammaLikelihood(data: PreparedSpendData, threads = fitThreads()): ParallelLikelihood {
  const rows = data.x.length;
  const perLevel = sharedF64(data.levels.length);
  const scalars = sharedF64(3);
  const evaluator = new TermEvaluator(
    'gammagamma',
    [sharedCopy(data.x), sharedCopy(data.logM), sharedCopy(data.xm), perLevel],
    [sharedCopy(data.level)],
    scalars,
    rows,
    threads,
  );
  return {
    evaluate(params: Float64Array): number {
      const [p, q, gamma] = params;
      const base = -logGamma(q) + q * Math.log(gamma);
      for (let k = 0; k < data.levels.length; k += 1) {
        const px = p * data.levels[k];
        perLevel[k] = base + logGamma(px + q) - logGamma(px) + px * Math.log(data.levels[k]);
      }
      scalars[0] = p;
      scalars[1] = q;
      scalars[2] = gamma;
      evaluator.evaluate();
      const total = sumInOrder(evaluator.out, rows);
      return Number.isFinite(total) ? total : -Infinity;
    },
    close: () => evaluator.close(),
  };
}
