import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { checkMatrix, columnStats, denseMatrix, fromColumns, fromRows, gatherRows, row, toRows } from '../../src/ml/matrix.ts';

describe('DenseMatrix helpers', () => {
  it('interleaves columns row-major', () => {
    const m = fromColumns([Float64Array.of(1, 2, 3), Float64Array.of(10, 20, 30)]);
    expect(m.rows).toBe(3);
    expect(m.cols).toBe(2);
    expect(Array.from(m.data)).toEqual([1, 10, 2, 20, 3, 30]);
    expect(toRows(m)).toEqual([[1, 10], [2, 20], [3, 30]]);
    expect(() => fromColumns([Float64Array.of(1), Float64Array.of(1, 2)])).toThrow(InputError);
  });

  it('row() is a view and gatherRows() a copy in the given order', () => {
    const m = fromRows([[1, 2], [3, 4], [5, 6]]);
    row(m, 1)[0] = 30;
    expect(m.data[2]).toBe(30);
    const g = gatherRows(m, [2, 0, 2]);
    expect(toRows(g)).toEqual([[5, 6], [1, 2], [5, 6]]);
    g.data[0] = -1;
    expect(m.data[4]).toBe(5);
    expect(() => gatherRows(m, [3])).toThrow(RangeError);
  });

  it('denseMatrix is zero-filled', () => {
    const m = denseMatrix(2, 3);
    expect(m.data.length).toBe(6);
    expect(m.data.every((x) => x === 0)).toBe(true);
    expect(() => denseMatrix(-1, 2)).toThrow(/rows must be an integer ≥ 0, got -1/);
  });

  it('checkMatrix names the bad value and its position', () => {
    const m = fromRows([[1, 2], [3, NaN]]);
    expect(() => checkMatrix(m, 'X')).toThrow(/X has a non-finite value NaN at row 1, column 1/);
    expect(() => checkMatrix(fromRows([[1, Infinity]]), 'X')).toThrow(InputError);
    expect(() => checkMatrix({ data: new Float64Array(3), rows: 2, cols: 2 }, 'X')).toThrow(/3 values/);
    expect(() => checkMatrix(fromRows([[1, 2]]), 'X', { cols: 3 })).toThrow(/fitted on 3/);
    expect(() => checkMatrix(fromRows([[1, 2]]), 'X', { minRows: 2 })).toThrow(/at least 2 rows/);
    expect(() => checkMatrix(fromRows([[1, 2]]), 'X')).not.toThrow();
  });

  it('columnStats gives means and population variances, accurately for large offsets', () => {
    const s = columnStats(fromRows([[1, 1e9 + 1], [2, 1e9 + 2], [3, 1e9 + 3], [4, 1e9 + 4]]));
    expect(Array.from(s.mean)).toEqual([2.5, 1e9 + 2.5]);
    expect(s.variance[0]).toBe(1.25);
    expect(s.variance[1]).toBeCloseTo(1.25, 12);
  });
});
