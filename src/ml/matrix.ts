/**
 * The dense, row-major matrix every kernel in `src/ml/` works on, and the few
 * helpers they share. A plain `Float64Array` rather than ml-matrix's `Matrix`
 * (an array of row arrays) because at a million customers the per-row objects
 * cost more memory and time than the arithmetic.
 */
import { InputError } from '../errors.ts';

/** A rows×cols matrix of doubles stored row by row: element (i, j) is `data[i * cols + j]`. */
export interface DenseMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** A zero-filled rows×cols matrix. */
export function denseMatrix(rows: number, cols: number): DenseMatrix {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new InputError(`rows must be an integer ≥ 0, got ${rows}`);
  if (!Number.isSafeInteger(cols) || cols < 0) throw new InputError(`cols must be an integer ≥ 0, got ${cols}`);
  return { data: new Float64Array(rows * cols), rows, cols };
}

/** Interleaves equal-length columns into a row-major matrix. */
export function fromColumns(columns: Float64Array[]): DenseMatrix {
  const cols = columns.length;
  const rows = cols === 0 ? 0 : columns[0].length;
  columns.forEach((c, j) => {
    if (c.length !== rows) throw new InputError(`column ${j} has ${c.length} values, expected ${rows} like column 0`);
  });
  const data = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j += 1) {
    const column = columns[j];
    for (let i = 0, p = j; i < rows; i += 1, p += cols) data[p] = column[i];
  }
  return { data, rows, cols };
}

/** Builds a matrix from an array of equal-length rows (tests, JSON, small inputs). */
export function fromRows(rows: ArrayLike<number>[]): DenseMatrix {
  const n = rows.length;
  const cols = n === 0 ? 0 : rows[0].length;
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i += 1) {
    const r = rows[i];
    if (r.length !== cols) throw new InputError(`row ${i} has ${r.length} values, expected ${cols} like row 0`);
    for (let j = 0; j < cols; j += 1) data[i * cols + j] = r[j];
  }
  return { data, rows: n, cols };
}

/** The matrix as an array of plain row arrays (for JSON and for libraries that want `number[][]`). */
export function toRows(m: DenseMatrix): number[][] {
  const out = new Array<number[]>(m.rows);
  for (let i = 0; i < m.rows; i += 1) out[i] = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  return out;
}

/** Row i as a view (no copy): writes go through to the matrix. */
export function row(m: DenseMatrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** A new matrix made of the given rows, in the given order (repeats allowed, as in a bootstrap sample). */
export function gatherRows(m: DenseMatrix, indices: ArrayLike<number>): DenseMatrix {
  const { data, rows, cols } = m;
  const count = indices.length;
  const out = new Float64Array(count * cols);
  for (let r = 0; r < count; r += 1) {
    const i = indices[r];
    if (!(i >= 0 && i < rows)) throw new RangeError(`row index ${i} out of range [0, ${rows})`);
    out.set(data.subarray(i * cols, (i + 1) * cols), r * cols);
  }
  return { data: out, rows: count, cols };
}

/**
 * Checks that `m` is a well-formed matrix whose values are all finite, so the
 * estimators can assume clean input. `what` names the matrix in the message.
 * `finite: false` skips the scan of the values, for callers that detect a
 * non-finite value from their own results (a NaN or ±Infinity in the input
 * makes a sum over it non-finite) and call again with the scan only then.
 */
export function checkMatrix(m: DenseMatrix, what: string, options: { minRows?: number; cols?: number; finite?: boolean } = {}): void {
  const { data, rows, cols } = m ?? ({} as DenseMatrix);
  if (!(data instanceof Float64Array) || !Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) {
    throw new InputError(`${what} must be a DenseMatrix { data: Float64Array, rows, cols }`);
  }
  if (data.length !== rows * cols) throw new InputError(`${what} has ${data.length} values, expected rows×cols = ${rows}×${cols}`);
  if (cols < 1) throw new InputError(`${what} must have at least 1 column, got ${cols}`);
  const minRows = options.minRows ?? 1;
  if (rows < minRows) throw new InputError(`${what} must have at least ${minRows} row${minRows === 1 ? '' : 's'}, got ${rows}`);
  if (options.cols !== undefined && cols !== options.cols) {
    throw new InputError(`${what} has ${cols} column${cols === 1 ? '' : 's'}, the model was fitted on ${options.cols}`);
  }
  if (options.finite === false) return;
  for (let p = 0; p < data.length; p += 1) {
    // x - x is NaN exactly for NaN and ±Infinity: one comparison per value.
    if (data[p] - data[p] !== 0) {
      throw new InputError(`${what} has a non-finite value ${data[p]} at row ${Math.floor(p / cols)}, column ${p % cols}`);
    }
  }
}

/** Per-column mean and population variance (divisor n). */
export interface ColumnStats {
  mean: Float64Array;
  variance: Float64Array;
}

/**
 * Column means and population variances by the corrected two-pass algorithm
 * (Chan, Golub & LeVeque): the mean first, then the squared deviations, minus
 * the square of the summed deviations, which cancels most of the rounding
 * error of the mean; the summed deviations also correct the mean itself. One-pass Σx² − n·mean² would lose every digit on
 * features like "days since first order" whose mean is large next to their
 * spread.
 */
export function columnStats(m: DenseMatrix): ColumnStats {
  const { data, rows: n, cols: d } = m;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  if (n === 0) return { mean: mean.fill(NaN), variance: variance.fill(NaN) };
  for (let i = 0, p = 0; i < n; i += 1) for (let j = 0; j < d; j += 1, p += 1) mean[j] += data[p];
  for (let j = 0; j < d; j += 1) mean[j] /= n;
  const dev = new Float64Array(d);
  for (let i = 0, p = 0; i < n; i += 1) {
    for (let j = 0; j < d; j += 1, p += 1) {
      const t = data[p] - mean[j];
      dev[j] += t;
      variance[j] += t * t;
    }
  }
  for (let j = 0; j < d; j += 1) {
    variance[j] = Math.max(0, (variance[j] - (dev[j] * dev[j]) / n) / n);
    mean[j] += dev[j] / n;
  }
  return { mean, variance };
}
