/**
 * Compiles the hand-written kernels `lloyd.wat` (k-means) and
 * `covariance.wat` (PCA) into `.wasm` binaries with wabt.js. Each binary is
 * committed next to its source so running the
 * pipeline needs no build step; a test checks that the committed binary is
 * exactly what this compiler makes from the committed source.
 *
 * Run: `npm run build:wasm`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import wabt from 'wabt';

/** Path of the WebAssembly text source. */
export const LLOYD_WAT_PATH = fileURLToPath(new URL('./lloyd.wat', import.meta.url));
/** Path of the committed binary that `lloydWasm.ts` loads. */
export const LLOYD_WASM_PATH = fileURLToPath(new URL('./lloyd.wasm', import.meta.url));

/** Path of the PCA kernels' WebAssembly text source. */
export const COVARIANCE_WAT_PATH = fileURLToPath(new URL('./covariance.wat', import.meta.url));
/** Path of the committed binary that `covarianceWasm.ts` loads. */
export const COVARIANCE_WASM_PATH = fileURLToPath(new URL('./covariance.wasm', import.meta.url));

/**
 * Compiles WebAssembly text to a validated binary. SIMD, threads (for the
 * shared memory import) and bulk memory (`memory.fill`) are enabled; no
 * debug names are written so the output depends only on the source.
 */
export async function compileWat(source: string, filename = 'lloyd.wat'): Promise<Uint8Array> {
  const toolkit = await wabt();
  const features = { simd: true, threads: true, bulk_memory: true };
  const module = toolkit.parseWat(filename, source, features);
  try {
    module.resolveNames();
    // wabt.js's validate() takes the feature set too (its typings omit the
    // parameter); without it the shared memory import is rejected.
    const validate = module.validate as unknown as (this: typeof module, options: typeof features) => void;
    validate.call(module, features);
    return module.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

/** Compiles `lloyd.wat` and writes `lloyd.wasm`; returns the binary's size in bytes. */
export async function buildLloydWasm(): Promise<number> {
  const binary = await compileWat(readFileSync(LLOYD_WAT_PATH, 'utf8'));
  writeFileSync(LLOYD_WASM_PATH, binary);
  return binary.byteLength;
}

/** Compiles `covariance.wat` and writes `covariance.wasm`; returns the binary's size in bytes. */
export async function buildCovarianceWasm(): Promise<number> {
  const binary = await compileWat(readFileSync(COVARIANCE_WAT_PATH, 'utf8'), 'covariance.wat');
  writeFileSync(COVARIANCE_WASM_PATH, binary);
  return binary.byteLength;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bytes = await buildLloydWasm();
  console.log(`wrote ${LLOYD_WASM_PATH} (${bytes} bytes)`);
  console.log(`wrote ${COVARIANCE_WASM_PATH} (${await buildCovarianceWasm()} bytes)`);
}
