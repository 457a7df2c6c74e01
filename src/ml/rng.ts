/**
 * The seeded random number generator behind every random choice in
 * `src/ml/` (k-means++ seeding, samples, bootstrap resamples), so a run is
 * reproducible from its `--seed`.
 *
 * xoshiro128** (Blackman & Vigna) on 32-bit integer arithmetic
 * (`Math.imul`, shifts), seeded through a splitmix-style integer hash. Only
 * integer operations decide the stream, so the same seed gives the same
 * numbers on every platform and JavaScript engine; `nextGaussian` alone goes
 * through `Math.log`/`Math.cos`, whose last bit the language does not pin
 * down across engines.
 */
import { InputError } from '../errors.ts';

const TWO_POW_32 = 4294967296;
const GOLDEN = 0x9e3779b9;

/** A 32-bit avalanche hash (Wellons' lowbias32): every input bit flips every output bit with probability ≈ ½. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed must be an integer ≥ 0, got ${seed}`);
}

/** Folds a seed of up to 53 bits into 32. */
function foldSeed(seed: number): number {
  const lo = seed % TWO_POW_32;
  const hi = Math.floor(seed / TWO_POW_32);
  return (lo ^ mix32(hi ^ 0x6a09e667)) >>> 0;
}

/**
 * A seed for the `stream`-th independent sub-task of a seeded task (the r-th
 * k-means initialisation, the r-th bootstrap resample), in [0, 2³²). Hashing
 * rather than `seed + r` keeps the sub-streams of seeds 1 and 2 from
 * overlapping.
 */
export function deriveSeed(seed: number, stream: number): number {
  checkSeed(seed);
  if (!Number.isSafeInteger(stream) || stream < 0) throw new RangeError(`stream must be an integer ≥ 0, got ${stream}`);
  const base = mix32(foldSeed(seed) ^ 0x3c6ef372);
  return mix32((base + Math.imul((stream % TWO_POW_32) + 1, GOLDEN)) ^ Math.floor(stream / TWO_POW_32));
}

/** A seeded xoshiro128** generator. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param seed an integer in [0, 2⁵³). */
  constructor(seed: number) {
    checkSeed(seed);
    let state = foldSeed(seed);
    const words = new Array<number>(4);
    for (let w = 0; w < 4; w += 1) {
      state = (state + GOLDEN) | 0;
      words[w] = mix32(state) | 0;
    }
    // xoshiro must not start from the all-zero state (it would stay there).
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  /** The next 32 random bits, as an integer in [0, 2³²). */
  nextUint32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), 1 ≤ n ≤ 2³², without modulo bias (rejection sampling). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`nextInt needs an integer n in [1, 2^32], got ${n}`);
    // Draws at or above the largest multiple of n would favour small results.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let u = this.nextUint32();
    while (u >= limit) u = this.nextUint32();
    return u % n;
  }

  /** A standard normal variate (Box–Muller, one value per two uniforms). */
  nextGaussian(): number {
    const u = 1 - this.next(); // in (0, 1]: log(u) is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i -= 1) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * m distinct indices drawn uniformly from [0, n), sorted ascending. Floyd's
   * algorithm (O(m) draws) when m is a small share of n, Knuth's selection
   * sampling (one pass, already sorted) otherwise; which one runs depends
   * only on n and m, so the result is a function of the seed.
   */
  sampleWithoutReplacement(n: number, m: number): Int32Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new RangeError(`n must be an integer in [0, 2^31), got ${n}`);
    if (!Number.isSafeInteger(m) || m < 0 || m > n) throw new RangeError(`m must be an integer in [0, n = ${n}], got ${m}`);
    const out = new Int32Array(m);
    if (m * 16 < n) {
      const chosen = new Set<number>();
      for (let j = n - m; j < n; j += 1) {
        const t = this.nextInt(j + 1);
        chosen.add(chosen.has(t) ? j : t);
      }
      let p = 0;
      for (const i of chosen) out[p++] = i;
      return out.sort();
    }
    let selected = 0;
    for (let i = 0; i < n && selected < m; i += 1) {
      // Select i with probability (still needed) / (still available).
      if ((n - i) * this.next() < m - selected) out[selected++] = i;
    }
    return out;
  }

  /** m indices drawn uniformly from [0, n) with replacement (a bootstrap sample), in draw order. */
  bootstrapIndices(n: number, m: number = n): Int32Array {
    if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 31 - 1) throw new RangeError(`n must be an integer in [1, 2^31), got ${n}`);
    if (!Number.isSafeInteger(m) || m < 0) throw new RangeError(`m must be an integer ≥ 0, got ${m}`);
    const out = new Int32Array(m);
    for (let r = 0; r < m; r += 1) out[r] = this.nextInt(n);
    return out;
  }
}
