/**
 * Installs the segmenta TypeScript kernel for the current user:
 *
 *   node bin/run-ts.mjs notebooks/kernel/install.ts [KERNELS_DIR]
 *
 * Without an argument the spec goes to Jupyter's user data directory
 * (`jupyter --data-dir`)/kernels, where `jupyter lab`, `jupyter notebook` and
 * `jupyter nbconvert` find it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KERNEL_NAME, checkJupyter, writeKernelSpec } from './kernelspec.ts';

const check = checkJupyter();
if (!check.ok) {
  process.stderr.write(`${check.problem}\n`);
  process.exit(2);
}
let kernelsDir = process.argv[2];
if (!kernelsDir) {
  const dataDir = spawnSync(check.jupyter, ['--data-dir'], { encoding: 'utf8' }).stdout.trim();
  kernelsDir = join(dataDir, 'kernels');
}
const dir = writeKernelSpec(kernelsDir);
process.stdout.write(`installed the ${KERNEL_NAME} kernel in ${dir}\n`);
