import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { lloydAssign, type LloydAssign } from '../../src/ml/kernels/lloyd.ts';
import { chooseK, K_CHOICE_MIN_STABILITY, K_CHOICE_RULE, K_CHOICE_SILHOUETTE_TOLERANCE, scanK } from '../../src/ml/kScan.ts';
import type { DenseMatrix } from '../../src/ml/matrix.ts';
import { Rng } from '../../src/ml/rng.ts';
import type { KScanEntry } from '../../src/segments/types.ts';

/** A scan table from [k, silhouette, stability] rows; the other figures do not enter the rule. */
const table = (rows: Array<[number, number, number]>): KScanEntry[] =>
  rows.map(([k, silhouette, stability]) => ({ k, silhouette, stability, calinski_harabasz: 100, davies_bouldin: 1, inertia: 10 }));

function blobs(n: number, d: number, k: number, seed: number): DenseMatrix {
  const rng = new Rng(seed);
  const centres = Array.from({ length: k * d }, () => rng.next() * 100);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i += 1) {
    const c = rng.nextInt(k);
    for (let j = 0; j < d; j += 1) data[i * d + j] = centres[c * d + j] + 2 * rng.nextGaussian();
  }
  return { data, rows: n, cols: d };
}

describe('chooseK', () => {
  it('takes the k with the best silhouette when no other is close', () => {
    expect(chooseK(table([[2, 0.40, 0.9], [3, 0.55, 0.9], [4, 0.45, 0.95], [5, 0.30, 0.99]]))).toBe(3);
  });

  it('among k within 0.02 of the best, takes the largest stable one', () => {
    expect(chooseK(table([[2, 0.50, 0.9], [3, 0.49, 0.8], [4, 0.485, 0.7], [5, 0.47, 0.99]]))).toBe(4);
  });

  it('skips close candidates below the stability threshold', () => {
    expect(chooseK(table([[2, 0.50, 0.9], [3, 0.49, 0.8], [4, 0.495, 0.59], [5, 0.2, 0.99]]))).toBe(3);
  });

  it('may prefer a stable close k over an unstable best one', () => {
    expect(chooseK(table([[3, 0.49, 0.75], [4, 0.50, 0.4]]))).toBe(3);
  });

  it('falls back to the best silhouette when no close k is stable enough', () => {
    expect(chooseK(table([[2, 0.48, 0.3], [3, 0.50, 0.5], [4, 0.49, 0.59], [6, 0.2, 0.9]]))).toBe(3);
  });

  it('counts exactly 0.02 below the best as close, and stability exactly 0.6 as stable', () => {
    expect(chooseK(table([[2, 0.5, 0.9], [6, 0.48, 0.6]]))).toBe(6);
    expect(chooseK(table([[2, 0.5, 0.9], [6, 0.4799, 0.9]]))).toBe(2);
  });

  it('treats an unmeasured (NaN) stability as not stable and ignores NaN silhouettes', () => {
    expect(chooseK(table([[2, 0.5, NaN], [3, 0.495, NaN]]))).toBe(2);
    expect(chooseK(table([[1, NaN, NaN], [2, 0.3, 0.9], [3, 0.1, 0.9]]))).toBe(2);
    expect(() => chooseK(table([[1, NaN, NaN]]))).toThrow(InputError);
  });

  it('breaks an exact silhouette tie towards the smaller k when neither is stable', () => {
    expect(chooseK(table([[5, 0.5, 0.1], [4, 0.5, 0.1]]))).toBe(4);
  });

  it('states the rule with its numbers', () => {
    expect(K_CHOICE_SILHOUETTE_TOLERANCE).toBe(0.02);
    expect(K_CHOICE_MIN_STABILITY).toBe(0.6);
    expect(K_CHOICE_RULE).toContain('highest mean silhouette');
    expect(K_CHOICE_RULE).toContain('within 0.02 of the best silhouette');
    expect(K_CHOICE_RULE).toContain('at least 0.6');
  });
});

describe('scanK', () => {
  it('scores every k and the rule finds the planted number of blobs', () => {
    const X = blobs(900, 3, 4, 21);
    const seen: number[] = [];
    const scan = scanK(X, [2, 3, 4, 5, 6], { nInit: 3, seed: 1, stabilityResamples: 3, onK: (k) => seen.push(k) });
    expect(seen).toEqual([2, 3, 4, 5, 6]);
    expect(scan.map((s) => s.entry.k)).toEqual([2, 3, 4, 5, 6]);
    for (const { entry, model } of scan) {
      expect(model.k).toBe(entry.k);
      expect(entry.inertia).toBe(model.inertia);
      expect(entry.silhouette).toBeGreaterThan(-1);
      expect(entry.silhouette).toBeLessThanOrEqual(1);
      expect(entry.calinski_harabasz).toBeGreaterThan(0);
      expect(entry.davies_bouldin).toBeGreaterThan(0);
      expect(entry.stability).toBeGreaterThan(-1);
    }
    // Inertia falls as k grows; the planted k separates best and is perfectly stable.
    for (let i = 1; i < scan.length; i += 1) expect(scan[i].entry.inertia).toBeLessThan(scan[i - 1].entry.inertia);
    const four = scan[2].entry;
    expect(four.stability).toBeGreaterThan(0.999);
    expect(Math.max(...scan.map((s) => s.entry.silhouette))).toBe(four.silhouette);
    expect(Math.max(...scan.map((s) => s.entry.calinski_harabasz))).toBe(four.calinski_harabasz);
    expect(chooseK(scan.map((s) => s.entry))).toBe(4);
  });

  it('is reproducible from its seed', () => {
    const X = blobs(400, 2, 3, 22);
    const a = scanK(X, [2, 3], { nInit: 2, seed: 5, stabilityResamples: 2 }).map((s) => s.entry);
    const b = scanK(X, [2, 3], { nInit: 2, seed: 5, stabilityResamples: 2 }).map((s) => s.entry);
    expect(b).toEqual(a);
  });

  it('draws bootstrap samples of stabilitySampleSize rows for the stability column, all rows by default', () => {
    const X = blobs(2000, 2, 3, 24);
    const sampled: number[] = [];
    const fitting: LloydAssign = (data, n, ...rest) => {
      sampled.push(n);
      return lloydAssign(data, n, ...rest);
    };
    const small = scanK(X, [3], { nInit: 1, seed: 3, stabilityResamples: 2, stabilitySampleSize: 500, assign: fitting }).map((s) => s.entry);
    expect(sampled).toContain(500);
    expect(sampled.every((rows) => rows === 2000 || rows === 500)).toBe(true);
    expect(small[0].stability).toBeGreaterThan(0.9);
    // A cap at or above n is the same as no cap.
    const capped = scanK(X, [3], { nInit: 1, seed: 3, stabilityResamples: 2, stabilitySampleSize: 5000 }).map((s) => s.entry);
    expect(capped).toEqual(scanK(X, [3], { nInit: 1, seed: 3, stabilityResamples: 2 }).map((s) => s.entry));
  });

  it('leaves stability NaN without resamples and separation NaN for k = 1', () => {
    const X = blobs(200, 2, 2, 23);
    const [one, two] = scanK(X, [1, 2], { nInit: 1, stabilityResamples: 0 }).map((s) => s.entry);
    expect(one.silhouette).toBeNaN();
    expect(one.calinski_harabasz).toBeNaN();
    expect(one.davies_bouldin).toBeNaN();
    expect(one.inertia).toBeGreaterThan(two.inertia);
    expect(two.stability).toBeNaN();
    expect(two.silhouette).toBeGreaterThan(0.5);
  });

  it('runs every fit, bootstrap refits included, on the given assignment kernel', () => {
    const X = blobs(300, 2, 3, 25);
    let calls = 0;
    const counting: LloydAssign = (...args) => {
      calls += 1;
      return lloydAssign(...args);
    };
    const withKernel = scanK(X, [3], { nInit: 2, seed: 1, stabilityResamples: 2, assign: counting }).map((s) => s.entry);
    const callsWithStability = calls;
    calls = 0;
    scanK(X, [3], { nInit: 2, seed: 1, stabilityResamples: 0, assign: counting });
    expect(calls).toBeGreaterThan(0);
    expect(callsWithStability).toBeGreaterThan(calls);
    expect(withKernel).toEqual(scanK(X, [3], { nInit: 2, seed: 1, stabilityResamples: 2 }).map((s) => s.entry));
  });

  it('validates the candidates', () => {
    const X = blobs(5, 2, 2, 24);
    expect(() => scanK(X, [])).toThrow(/at least one k/);
    expect(() => scanK(X, [0])).toThrow(/integer ≥ 1, got 0/);
    expect(() => scanK(X, [5])).toThrow(/needs more than 5 rows, got 5/);
    expect(() => scanK(X, [2], { stabilityResamples: -1 })).toThrow(InputError);
  });
});
