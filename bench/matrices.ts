/**
 * The input matrices of the kernel benchmarks, seeded and written once as
 * raw little-endian float64 (row-major), so the Node and the Python side
 * time exactly the same numbers.
 */
import { existsSync, mkdirSync, openSync, readSync, closeSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Rng } from '../src/ml/rng.ts';

/** A matrix file and its shape. */
export interface MatrixFile {
  path: string;
  rows: number;
  cols: number;
}

/** The k-means workload: points and fixed initial centroids. */
export interface KMeansInput {
  points: MatrixFile;
  centroids: MatrixFile;
}

/**
 * Points from k overlapping Gaussian blobs (unit spread, centres drawn in a
 * cube of side 4), and initial centroids at the blob centres shifted by up to
 * ±1 per coordinate. The overlap keeps labels changing for dozens of
 * iterations, so every implementation runs its full iteration budget
 * rather than stopping early on converged labels.
 */
export function kmeansInput(n: number, d: number, k: number, seed = 11): { X: Float64Array; C: Float64Array } {
  const rng = new Rng(seed);
  const centres = Float64Array.from({ length: k * d }, () => rng.next() * 4);
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i += 1) {
    const c = rng.nextInt(k);
    for (let j = 0; j < d; j += 1) X[i * d + j] = centres[c * d + j] + rng.nextGaussian();
  }
  const C = Float64Array.from(centres, (v) => v + (rng.next() * 2 - 1));
  return { X, C };
}

/**
 * Correlated features like a customer table's: 4 latent factors mixed into
 * d columns with seeded loadings, plus independent noise of decreasing size,
 * so PCA(0.9) keeps a few components, not one and not all.
 */
export function pcaInput(n: number, d: number, seed = 12): Float64Array {
  const rng = new Rng(seed);
  const factors = 4;
  const loadings = Float64Array.from({ length: factors * d }, () => rng.nextGaussian());
  const noise = Float64Array.from({ length: d }, (_, j) => 0.3 + 0.5 / (1 + j));
  const X = new Float64Array(n * d);
  const z = new Float64Array(factors);
  for (let i = 0; i < n; i += 1) {
    for (let f = 0; f < factors; f += 1) z[f] = rng.nextGaussian() * (factors - f);
    for (let j = 0; j < d; j += 1) {
      let v = noise[j] * rng.nextGaussian() + j;
      for (let f = 0; f < factors; f += 1) v += z[f] * loadings[f * d + j];
      X[i * d + j] = v;
    }
  }
  return X;
}

/** Writes a matrix (atomically: temporary name, then rename). */
export function writeMatrix(path: string, data: Float64Array, rows: number, cols: number): MatrixFile {
  if (data.length !== rows * cols) throw new RangeError(`${path}: ${data.length} values for ${rows}×${cols}`);
  const partial = `${path}.partial`;
  writeFileSync(partial, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  renameSync(partial, path);
  return { path, rows, cols };
}

/** Reads a matrix written by {@link writeMatrix} (this machine is little-endian, as are all Node targets). */
export function readMatrix(file: MatrixFile): Float64Array {
  const bytes = file.rows * file.cols * 8;
  const size = statSync(file.path).size;
  if (size !== bytes) throw new RangeError(`${file.path}: ${size} bytes, expected ${bytes} for ${file.rows}×${file.cols} float64`);
  const out = new Float64Array(file.rows * file.cols);
  const view = new Uint8Array(out.buffer);
  const fd = openSync(file.path, 'r');
  try {
    for (let offset = 0; offset < bytes; ) {
      const read = readSync(fd, view, offset, Math.min(1 << 30, bytes - offset), offset);
      if (read === 0) throw new Error(`${file.path}: unexpected end of file`);
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Writes the k-means workload under `dir` unless it is already there. */
export function ensureKMeansInput(dir: string, n: number, d: number, k: number): KMeansInput {
  mkdirSync(dir, { recursive: true });
  const points = { path: resolve(dir, `kmeans_${n}x${d}_k${k}_points.f64`), rows: n, cols: d };
  const centroids = { path: resolve(dir, `kmeans_${n}x${d}_k${k}_centroids.f64`), rows: k, cols: d };
  if (!existsSync(points.path) || !existsSync(centroids.path)) {
    const { X, C } = kmeansInput(n, d, k);
    writeMatrix(points.path, X, n, d);
    writeMatrix(centroids.path, C, k, d);
  }
  return { points, centroids };
}

/** Writes the PCA workload under `dir` unless it is already there. */
export function ensurePcaInput(dir: string, n: number, d: number): MatrixFile {
  mkdirSync(dir, { recursive: true });
  const file = { path: resolve(dir, `pca_${n}x${d}.f64`), rows: n, cols: d };
  if (!existsSync(file.path)) writeMatrix(file.path, pcaInput(n, d), n, d);
  return file;
}
