import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileWat, LLOYD_WASM_PATH, LLOYD_WAT_PATH } from '../../src/ml/wasm/build.ts';
import {
  createLloydKernel,
  createLloydKernelPool,
  LLOYD_BLOCK_ROWS,
  lloydAssignWasm,
  type LloydKernel,
} from '../../src/ml/wasm/lloydWasm.ts';

interface Out {
  labels: Int32Array;
  dist2: Float64Array;
  sums: Float64Array;
  counts: Float64Array;
  inertia: number;
}

/** mulberry32: deterministic test data. */
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

/** Continuous random data: exact distance ties have probability ~0. */
function randomProblem(n: number, d: number, k: number, seed: number): { X: Float64Array; C: Float64Array } {
  const next = rng(seed);
  const X = Float64Array.from({ length: n * d }, () => next() * 20 - 10);
  const C = Float64Array.from({ length: k * d }, () => next() * 20 - 10);
  return { X, C };
}

function outputs(n: number, d: number, k: number, fill = 0): Omit<Out, 'inertia'> {
  return {
    labels: new Int32Array(n).fill(fill),
    dist2: new Float64Array(n).fill(fill),
    sums: new Float64Array(k * d).fill(fill),
    counts: new Float64Array(k).fill(fill),
  };
}

/**
 * The scalar Lloyd pass, written independently of the kernel. Per-row
 * distances use the plain sequential loop, so dist2 must match bit for bit.
 * `blockRows` = Infinity accumulates sums in one sequential pass; a finite
 * value accumulates per block in row order and adds the blocks up in order,
 * which is the reduction order the kernel promises.
 */
function scalarLloyd(
  X: Float64Array, n: number, d: number, C: Float64Array, k: number, blockRows = Infinity,
): Out {
  const out = outputs(n, d, k);
  let inertia = 0;
  const partSums = new Float64Array(k * d);
  const partCounts = new Float64Array(k);
  let partInertia = 0;
  const flush = (): void => {
    for (let i = 0; i < k * d; i++) out.sums[i] += partSums[i];
    for (let c = 0; c < k; c++) out.counts[c] += partCounts[c];
    inertia += partInertia;
    partSums.fill(0);
    partCounts.fill(0);
    partInertia = 0;
  };
  for (let i = 0; i < n; i++) {
    let best = 0;
    let label = 0;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = X[i * d + j] - C[c * d + j];
        s += t * t;
      }
      if (c === 0 || s < best) {
        best = s;
        label = c;
      }
    }
    out.labels[i] = label;
    out.dist2[i] = best;
    partInertia += best;
    partCounts[label] += 1;
    for (let j = 0; j < d; j++) partSums[label * d + j] += X[i * d + j];
    if ((i + 1) % blockRows === 0) flush();
  }
  flush();
  return { ...out, inertia };
}

function runKernel(kernel: LloydKernel, C: Float64Array): Out {
  const o = outputs(kernel.n, kernel.d, kernel.k, 7);
  const inertia = kernel.assign(C, o.labels, o.dist2, o.sums, o.counts);
  return { ...o, inertia };
}

function runOneShot(X: Float64Array, n: number, d: number, C: Float64Array, k: number): Out {
  const o = outputs(n, d, k, -3);
  const inertia = lloydAssignWasm(X, n, d, C, k, o.labels, o.dist2, o.sums, o.counts);
  return { ...o, inertia };
}

/**
 * Index of the first element whose bits differ (or the shorter length), -1
 * when identical. Compares bytes because deep equality over large typed
 * arrays is slow and would call -0 and +0, or two NaNs, equal.
 */
function firstBitDifference(a: Float64Array | Int32Array, b: Float64Array | Int32Array): number {
  const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (x.equals(y)) return -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (!Object.is(a[i], b[i])) return i;
  }
  return Math.min(a.length, b.length);
}

/** Bit-for-bit equality of every output. */
function expectIdentical(actual: Out, expected: Out): void {
  expect(firstBitDifference(actual.labels, expected.labels), 'labels').toBe(-1);
  expect(firstBitDifference(actual.dist2, expected.dist2), 'dist2').toBe(-1);
  expect(firstBitDifference(actual.sums, expected.sums), 'sums').toBe(-1);
  expect(firstBitDifference(actual.counts, expected.counts), 'counts').toBe(-1);
  expect(Object.is(actual.inertia, expected.inertia), `inertia ${actual.inertia} vs ${expected.inertia}`).toBe(true);
}

function relClose(actual: number, expected: number, scale: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(expected), scale, 1e-300));
}

/** Labels and dist2 exact, sums/counts/inertia within relative 1e-12 of the sequential reference. */
function expectMatchesReference(actual: Out, ref: Out, X: Float64Array): void {
  expect(firstBitDifference(actual.labels, ref.labels), 'labels').toBe(-1);
  expect(firstBitDifference(actual.dist2, ref.dist2), 'dist2').toBe(-1);
  const scale = X.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < ref.sums.length; i++) relClose(actual.sums[i], ref.sums[i], scale);
  expect(Array.from(actual.counts)).toEqual(Array.from(ref.counts));
  relClose(actual.inertia, ref.inertia, 0);
}

// Shapes around every edge: empty, single row, odd row counts (padded last
// pair), exact and off-by-one block multiples, the specialised d = 8 and the
// any-d code with odd and even d, k = 1 and k larger than the SIMD width.
const SHAPES: [number, number, number][] = [
  [0, 3, 2],
  [1, 1, 1],
  [1, 8, 8],
  [2, 8, 3],
  [3, 8, 8],
  [7, 5, 3],
  [LLOYD_BLOCK_ROWS - 1, 8, 8],
  [LLOYD_BLOCK_ROWS, 8, 8],
  [LLOYD_BLOCK_ROWS + 1, 8, 8],
  [3 * LLOYD_BLOCK_ROWS + 77, 8, 5],
  [2 * LLOYD_BLOCK_ROWS + 1, 3, 4],
  [5000, 1, 7],
  [4099, 2, 2],
  [3001, 9, 8],
  [2500, 16, 17],
  [300, 5, 1],
  [1000, 8, 1],
  [999, 8, 33],
  // d = 4 has its own code; 1..3 and 5..7 run on the d = 4 and d = 8 code, padded.
  [3, 4, 1],
  [4097, 4, 6],
  [2 * LLOYD_BLOCK_ROWS + 3, 4, 9],
  [1001, 6, 5],
  [4099, 7, 3],
];

describe('Lloyd wasm kernel vs the scalar loop', () => {
  it('uses 4096-row blocks', () => {
    expect(LLOYD_BLOCK_ROWS).toBe(4096);
  });

  it.each(SHAPES)('n=%i d=%i k=%i: same labels and dist2, sums/counts/inertia within 1e-12', (n, d, k) => {
    const { X, C } = randomProblem(n, d, k, n * 131 + d * 17 + k);
    const ref = scalarLloyd(X, n, d, C, k);
    const kernel = createLloydKernel(X, n, d, k);
    try {
      expectMatchesReference(runKernel(kernel, C), ref, X);
    } finally {
      kernel.dispose();
    }
    expectMatchesReference(runOneShot(X, n, d, C, k), ref, X);
  });

  it.each(SHAPES)('n=%i d=%i k=%i: bit-identical to the scalar loop reduced in 4096-row blocks', (n, d, k) => {
    const { X, C } = randomProblem(n, d, k, n * 7 + d * 3 + k);
    const blocked = scalarLloyd(X, n, d, C, k, LLOYD_BLOCK_ROWS);
    expectIdentical(runOneShot(X, n, d, C, k), blocked);
  });

  it('follows several Lloyd iterations with the points kept resident', () => {
    const n = 20_000, d = 8, k = 6;
    const { X, C } = randomProblem(n, d, k, 99);
    const kernel = createLloydKernel(X, n, d, k);
    try {
      let centroids = C;
      for (let iter = 0; iter < 4; iter++) {
        const ref = scalarLloyd(X, n, d, centroids, k);
        const got = runKernel(kernel, centroids);
        expectMatchesReference(got, ref, X);
        centroids = Float64Array.from(got.sums, (s, i) => s / Math.max(1, got.counts[Math.floor(i / d)]));
      }
    } finally {
      kernel.dispose();
    }
  });

  it('sends ties to the lowest centroid index', () => {
    for (const d of [8, 3]) {
      // Rows on the midpoint between centroids 1 and 2, and centroid 3 = centroid 1.
      const k = 4;
      const C = new Float64Array(k * d);
      for (let j = 0; j < d; j++) {
        C[0 * d + j] = 100;
        C[1 * d + j] = -1;
        C[2 * d + j] = 1;
        C[3 * d + j] = -1;
      }
      const n = 5;
      const X = new Float64Array(n * d); // rows 0..3 at the origin: tie between 1 and 2
      for (let j = 0; j < d; j++) X[4 * d + j] = -1; // row 4 on centroids 1 and 3
      for (const got of [runOneShot(X, n, d, C, k), runOneShot(X, n, d, C, k)]) {
        expect(Array.from(got.labels)).toEqual([1, 1, 1, 1, 1]);
        expect(Array.from(got.dist2)).toEqual([d, d, d, d, 0]);
        expect(Array.from(got.counts)).toEqual([0, 5, 0, 0]);
      }
      // All centroids equal: everything goes to centroid 0.
      const same = new Float64Array(k * d).fill(2.5);
      expect(Array.from(runOneShot(X, n, d, same, k).labels)).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it('overwrites sums and counts instead of adding to them', () => {
    const n = 100, d = 4, k = 3;
    const { X, C } = randomProblem(n, d, k, 5);
    const first = runOneShot(X, n, d, C, k); // outputs start filled with -3
    const o = outputs(n, d, k, 1e6);
    const inertia = lloydAssignWasm(X, n, d, C, k, o.labels, o.dist2, o.sums, o.counts);
    expectIdentical({ ...o, inertia }, first);
  });

  it('reads only the first n rows of a longer X', () => {
    const n = 4097, d = 8, k = 4;
    const { X, C } = randomProblem(n + 3, d, k, 11);
    const ref = scalarLloyd(X, n, d, C, k);
    const kernel = createLloydKernel(X, n, d, k);
    try {
      expectMatchesReference(runKernel(kernel, C), ref, X);
    } finally {
      kernel.dispose();
    }
    expectMatchesReference(runOneShot(X, n, d, C, k), ref, X);
  });

  it('grows and reuses the one-shot memory across problem sizes', () => {
    for (const [n, d, k] of [[10, 2, 2], [30_000, 8, 8], [50, 3, 9], [12_345, 11, 4]] as const) {
      const { X, C } = randomProblem(n, d, k, n + d + k);
      expectMatchesReference(runOneShot(X, n, d, C, k), scalarLloyd(X, n, d, C, k), X);
    }
  });

  it('keeps two kernels independent', () => {
    const a = randomProblem(5000, 8, 8, 1);
    const b = randomProblem(3000, 3, 5, 2);
    const ka = createLloydKernel(a.X, 5000, 8, 8);
    const kb = createLloydKernel(b.X, 3000, 3, 5);
    try {
      const ra = runKernel(ka, a.C);
      const rb = runKernel(kb, b.C);
      expectIdentical(runKernel(ka, a.C), ra);
      expectMatchesReference(ra, scalarLloyd(a.X, 5000, 8, a.C, 8), a.X);
      expectMatchesReference(rb, scalarLloyd(b.X, 3000, 3, b.C, 5), b.X);
    } finally {
      ka.dispose();
      kb.dispose();
    }
  });
});

describe('Lloyd wasm kernel determinism', () => {
  const n = 9 * LLOYD_BLOCK_ROWS + 1234;

  it('gives the same bits from the d = 8 code and the any-d code', () => {
    const { X, C } = randomProblem(n, 8, 8, 2024);
    const fast = createLloydKernel(X, n, 8, 8);
    const generic = createLloydKernel(X, n, 8, 8, { generic: true });
    try {
      expectIdentical(runKernel(generic, C), runKernel(fast, C));
    } finally {
      fast.dispose();
      generic.dispose();
    }
  });

  it('gives the same bits from the d = 4 code and the any-d code, also padded', () => {
    for (const d of [2, 4]) {
      const { X, C } = randomProblem(n, d, 6, 31 + d);
      const fast = createLloydKernel(X, n, d, 6);
      const generic = createLloydKernel(X, n, d, 6, { generic: true });
      try {
        expectIdentical(runKernel(generic, C), runKernel(fast, C));
      } finally {
        fast.dispose();
        generic.dispose();
      }
    }
  });

  it.each([
    [8, 8],
    [5, 3],
    [4, 6],
  ])('gives the same bits on 1, 2 and 3 threads and on every run (d=%i, k=%i)', async (d, k) => {
    const { X, C } = randomProblem(n, d, k, 77 + d);
    const single = createLloydKernel(X, n, d, k);
    const expected = runKernel(single, C);
    single.dispose();
    for (const threads of [2, 3]) {
      const kernel = createLloydKernel(X, n, d, k, { threads });
      try {
        // Before the workers are up the calling thread does every block...
        expectIdentical(runKernel(kernel, C), expected);
        await kernel.ready;
        // ...afterwards the blocks are shared out; the result must not move.
        for (let run = 0; run < 5; run++) expectIdentical(runKernel(kernel, C), expected);
      } finally {
        kernel.dispose();
      }
    }
    expectIdentical(runOneShot(X, n, d, C, k), expected);
  });

  it('handles n = 0 and tiny n with workers', async () => {
    for (const m of [0, 1, 5]) {
      const { X, C } = randomProblem(m, 8, 3, m);
      const kernel = createLloydKernel(X, m, 8, 3, { threads: 2 });
      try {
        await kernel.ready;
        expectIdentical(runKernel(kernel, C), scalarLloyd(X, m, 8, C, 3, LLOYD_BLOCK_ROWS));
      } finally {
        kernel.dispose();
      }
    }
  });
});

describe('Lloyd wasm kernel pool', () => {
  it('runs problem after problem on the same workers, with fewer centroids on demand', async () => {
    const pool = createLloydKernelPool({ threads: 2 });
    try {
      await pool.ready;
      for (const [m, d, k] of [[9 * LLOYD_BLOCK_ROWS + 5, 4, 6], [3000, 8, 8], [5 * LLOYD_BLOCK_ROWS, 3, 4], [7, 9, 2]]) {
        const { X, C } = randomProblem(m, d, k, m + 3 * d);
        const kernel = pool.kernel(X, m, d, k);
        for (let run = 0; run < 3; run++) expectIdentical(runKernel(kernel, C), scalarLloyd(X, m, d, C, k, LLOYD_BLOCK_ROWS));
        // One centroid, as k-means++ seeding asks for.
        const o = outputs(m, d, 1, 5);
        const inertia = kernel.assign(C, o.labels, o.dist2, o.sums, o.counts, 1);
        expectIdentical({ ...o, inertia }, scalarLloyd(X, m, d, C, 1, LLOYD_BLOCK_ROWS));
        expect(() => kernel.assign(C, o.labels, o.dist2, o.sums, o.counts, k + 1)).toThrow(RangeError);
      }
    } finally {
      pool.dispose();
    }
  });

  it('stops a kernel when the pool loads another problem or is disposed', () => {
    const pool = createLloydKernelPool();
    const a = randomProblem(100, 4, 3, 1);
    const first = pool.kernel(a.X, 100, 4, 3);
    const second = pool.kernel(a.X, 100, 4, 3);
    const o = outputs(100, 4, 3);
    expect(() => first.assign(a.C, o.labels, o.dist2, o.sums, o.counts)).toThrow(/dispose|another problem/);
    runKernel(second, a.C);
    second.dispose();
    // Disposing a kernel of a pool leaves the pool usable.
    runKernel(pool.kernel(a.X, 100, 4, 3), a.C);
    pool.dispose();
    pool.dispose();
    expect(() => pool.kernel(a.X, 100, 4, 3)).toThrow(/dispose/);
  });
});

describe('Lloyd wasm kernel arguments', () => {
  const { X, C } = randomProblem(10, 4, 3, 3);
  const o = outputs(10, 4, 3);

  it('rejects bad shapes and short arrays', () => {
    expect(() => createLloydKernel(X, 10, 0, 3)).toThrow(RangeError);
    expect(() => createLloydKernel(X, 10, 4, 0)).toThrow(RangeError);
    expect(() => createLloydKernel(X, -1, 4, 3)).toThrow(RangeError);
    expect(() => createLloydKernel(X, 10.5, 4, 3)).toThrow(RangeError);
    expect(() => createLloydKernel(X, 11, 4, 3)).toThrow(/X has 40 values/);
    expect(() => createLloydKernel(X, 10, 4, 3, { threads: 0 })).toThrow(RangeError);
    expect(() => lloydAssignWasm(X, 10, 4, C.subarray(1), 3, o.labels, o.dist2, o.sums, o.counts)).toThrow(/C has/);
    expect(() => lloydAssignWasm(X, 10, 4, C, 3, o.labels.subarray(1), o.dist2, o.sums, o.counts)).toThrow(/labels/);
    expect(() => lloydAssignWasm(X, 10, 4, C, 3, o.labels, o.dist2.subarray(1), o.sums, o.counts)).toThrow(/dist2/);
    expect(() => lloydAssignWasm(X, 10, 4, C, 3, o.labels, o.dist2, o.sums.subarray(1), o.counts)).toThrow(/sums/);
    expect(() => lloydAssignWasm(X, 10, 4, C, 3, o.labels, o.dist2, o.sums, o.counts.subarray(1))).toThrow(/counts/);
  });

  it('refuses problems a 32-bit wasm memory cannot hold', () => {
    expect(() => createLloydKernel(new Float64Array(0), 2 ** 28, 8, 8)).toThrow(/4 GiB/);
    expect(() => createLloydKernel(new Float64Array(0), 0, 2 ** 26, 2 ** 6)).toThrow(/4 GiB/);
    expect(() => createLloydKernel(new Float64Array(0), 0, 2 ** 28, 1)).toThrow(/4 GiB/);
  });

  it('refuses use after dispose', () => {
    const kernel = createLloydKernel(X, 10, 4, 3);
    kernel.dispose();
    kernel.dispose();
    expect(() => kernel.assign(C, o.labels, o.dist2, o.sums, o.counts)).toThrow(/dispose/);
  });
});

describe('lloyd.wasm', () => {
  it('is exactly what build.ts makes from lloyd.wat', async () => {
    const built = await compileWat(readFileSync(LLOYD_WAT_PATH, 'utf8'));
    expect(Buffer.from(built).equals(readFileSync(LLOYD_WASM_PATH))).toBe(true);
  });
});
