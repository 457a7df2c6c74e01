/**
 * Installing the notebook kernel, and checking that Jupyter can run it.
 *
 * The kernel spec points at this checkout (absolute paths), so a spec
 * written for one clone runs that clone's sources. `python3` in `argv` is
 * replaced by Jupyter with its own interpreter, the one that has ipykernel.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kernel's name in notebooks' metadata and in `jupyter kernelspec list`. */
export const KERNEL_NAME = 'segmenta-typescript';

/** The kernelspec metadata every notebook of the project carries. */
export const NOTEBOOK_KERNELSPEC = { name: KERNEL_NAME, display_name: 'TypeScript (segmenta)', language: 'typescript' } as const;

/** The repository this file belongs to. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** Debian packages that provide what the notebooks need: nbconvert (with nbclient) and ipykernel. */
export const JUPYTER_APT_PACKAGES = ['jupyter-nbconvert', 'python3-ipykernel'] as const;

/**
 * Writes `<kernelsDir>/segmenta-typescript/kernel.json` for the checkout at `root`.
 *
 * @returns the kernel's directory.
 */
export function writeKernelSpec(kernelsDir: string, root: string = PROJECT_ROOT): string {
  const dir = join(kernelsDir, KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: ['python3', join(root, 'notebooks', 'kernel', 'segmenta_kernel.py'), '-f', '{connection_file}'],
    display_name: NOTEBOOK_KERNELSPEC.display_name,
    language: 'typescript',
    interrupt_mode: 'signal',
    // The second variable silences debugpy's warning about Python's frozen modules, which ipykernel triggers on start.
    env: { SEGMENTA_ROOT: root, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
  };
  writeFileSync(join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return dir;
}

/** What was found of Jupyter: ok, or the problem with the fix. */
export type JupyterCheck = { ok: true; jupyter: string; versions: Record<string, string> } | { ok: false; problem: string };

/**
 * Checks that `jupyter` runs and has nbconvert, nbclient and ipykernel (the
 * kernel's Python half needs the last one).
 *
 * @param jupyter - the command to check; `SEGMENTA_JUPYTER` or `jupyter` by default.
 */
export function checkJupyter(jupyter: string = process.env.SEGMENTA_JUPYTER || 'jupyter'): JupyterCheck {
  const install = `install Debian's packages with "apt-get update && apt-get install -y ${JUPYTER_APT_PACKAGES.join(' ')}"`;
  const result = spawnSync(jupyter, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (result.error || result.status !== 0) {
    const why = result.error ? (result.error as NodeJS.ErrnoException).code ?? result.error.message : `exit code ${result.status}`;
    return { ok: false, problem: `Jupyter not found (${jupyter}: ${why}): ${install}` };
  }
  // `jupyter --version` lists each component as "name : version" or "name : not installed".
  const versions: Record<string, string> = {};
  for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
    const match = /^\s*([\w-]+)\s*:\s*(.+?)\s*$/.exec(line);
    if (match) versions[match[1]] = match[2];
  }
  const missing = ['nbconvert', 'nbclient', 'ipykernel'].filter((name) => !versions[name] || versions[name] === 'not installed');
  if (missing.length > 0) return { ok: false, problem: `Jupyter (${jupyter}) lacks ${missing.join(', ')}: ${install}` };
  return { ok: true, jupyter, versions };
}
