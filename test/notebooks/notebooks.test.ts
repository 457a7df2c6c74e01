/**
 * The notebooks cannot rot: each is executed headless with Jupyter's
 * nbconvert and the project's TypeScript kernel, on the embedded Online
 * Retail data, and must run without an error cell. They must also be
 * committed without outputs.
 *
 * Needs Debian's Jupyter (`apt-get install -y jupyter-nbconvert
 * python3-ipykernel`); fails with that fix in the message when it is
 * missing, unless SEGMENTA_SKIP_NOTEBOOKS=1.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTEBOOK_KERNELSPEC, KERNEL_NAME, checkJupyter, writeKernelSpec } from '../../notebooks/kernel/kernelspec.ts';
import { ROOT } from '../helpers/cli.ts';

const NOTEBOOKS = join(ROOT, 'notebooks');
const EXPECTED = ['01-explore-a-run.ipynb', '02-custom-feature.ipynb'];

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: Output[];
}
interface Notebook {
  metadata: { kernelspec?: { name?: string; display_name?: string; language?: string } };
  cells: Cell[];
}

function readNotebook(path: string): Notebook {
  return JSON.parse(readFileSync(path, 'utf8')) as Notebook;
}

const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join('') : (value ?? ''));

function skipped(): boolean {
  return process.env.SEGMENTA_SKIP_NOTEBOOKS === '1';
}

/** Runs nbconvert on one notebook into `outDir`, keeping error cells so the test can name them. */
function execute(notebook: string, outDir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; output: string }> {
  return new Promise((resolve, reject) => {
    const jupyter = process.env.SEGMENTA_JUPYTER || 'jupyter';
    const child = spawn(
      jupyter,
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--allow-errors',
        `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
        '--ExecutePreprocessor.timeout=600',
        '--output-dir',
        outDir,
        join(NOTEBOOKS, notebook),
      ],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, output: join(outDir, notebook) });
    });
  });
}

/** Every error output of an executed notebook, as "cell N: Name: message" with the start of the cell's code. */
function errorCells(nb: Notebook): string[] {
  const errors: string[] = [];
  nb.cells.forEach((cell, i) => {
    for (const output of cell.outputs ?? []) {
      if (output.output_type === 'error') {
        const code = text(cell.source).split('\n').slice(0, 3).join(' ⏎ ');
        const trace = (output.traceback ?? []).slice(0, 6).join('\n    ');
        errors.push(`cell ${i + 1} (${code}): ${output.ename}: ${output.evalue}\n    ${trace}`);
      }
    }
  });
  return errors;
}

describe('notebooks', () => {
  it('are committed without outputs, with the project kernel', () => {
    const found = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();
    expect(found).toEqual(EXPECTED);
    for (const file of found) {
      const nb = readNotebook(join(NOTEBOOKS, file));
      expect(nb.metadata.kernelspec, file).toMatchObject(NOTEBOOK_KERNELSPEC);
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      expect(code.length, file).toBeGreaterThan(3);
      for (const [i, cell] of code.entries()) {
        expect(cell.outputs, `${file} code cell ${i + 1} has outputs: clear them before committing`).toEqual([]);
        expect(cell.execution_count, `${file} code cell ${i + 1} has an execution count`).toBeNull();
      }
    }
  });

  it('import from src and copy no project code', () => {
    for (const file of EXPECTED) {
      const source = readNotebook(join(NOTEBOOKS, file))
        .cells.filter((c) => c.cell_type === 'code')
        .map((c) => text(c.source))
        .join('\n');
      expect(source, file).toMatch(/from '\.\.\/src\/[\w/]+\.ts'/);
      // The report's charts come from src/report, never from a Vega-Lite spec written here.
      expect(source, file).not.toMatch(/from 'vega(-lite)?'/);
    }
  });

  it('fails with the fix in the message when Jupyter is missing', () => {
    const check = checkJupyter('/nonexistent/jupyter');
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problem).toMatch(/Jupyter not found .*apt-get install -y jupyter-nbconvert python3-ipykernel/);
  });

  describe.skipIf(skipped())('executed headless with nbconvert', () => {
    let dir: string;
    const results = new Map<string, { code: number | null; stderr: string; notebook: Notebook | null }>();

    /** Why the notebooks could not run at all; each test then fails with it (a failed hook would only skip them). */
    let missing: string | null = null;

    beforeAll(async () => {
      const check = checkJupyter();
      if (!check.ok) {
        missing = `${check.problem}; or set SEGMENTA_SKIP_NOTEBOOKS=1 to skip the notebook tests`;
        return;
      }
      dir = mkdtempSync(join(tmpdir(), 'segmenta-notebooks-'));
      // A private Jupyter home: the kernel spec of this checkout, and no user settings or runtime files from elsewhere.
      writeKernelSpec(join(dir, 'share', 'kernels'));
      for (const sub of ['config', 'runtime', 'out']) mkdirSync(join(dir, sub), { recursive: true });
      const env = {
        JUPYTER_PATH: join(dir, 'share'),
        JUPYTER_CONFIG_DIR: join(dir, 'config'),
        JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
        IPYTHONDIR: join(dir, 'ipython'),
        SEGMENTA_RUN: join(dir, 'run'),
        SEGMENTA_CUSTOM_RUN: join(dir, 'custom'),
      };
      // Both at once: each spends most of its time in DuckDB reading the same file.
      await Promise.all(
        EXPECTED.map(async (file) => {
          const result = await execute(file, join(dir, 'out'), env);
          results.set(file, { ...result, notebook: existsSync(result.output) ? readNotebook(result.output) : null });
        }),
      );
    }, 900_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The executed notebook, or a failure that shows nbconvert's own words. */
    function executed(file: string): Notebook {
      if (missing) throw new Error(missing);
      const result = results.get(file)!;
      const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
      expect(result.code, `nbconvert failed on ${file}:\n${tail}`).toBe(0);
      expect(result.notebook, `nbconvert wrote no ${file}:\n${tail}`).not.toBeNull();
      const nb = result.notebook!;
      expect(errorCells(nb), `${file} has error cells`).toEqual([]);
      for (const [i, cell] of nb.cells.filter((c) => c.cell_type === 'code').entries()) {
        expect(cell.execution_count, `${file} code cell ${i + 1} did not run`).toBe(i + 1);
      }
      return nb;
    }

    const outputs = (nb: Notebook) => nb.cells.flatMap((c) => c.outputs ?? []);
    const streamText = (nb: Notebook) => outputs(nb).filter((o) => o.output_type === 'stream').map((o) => text(o.text)).join('');

    it('01-explore-a-run: loads the run, plots its segments and compares two values of k', () => {
      const nb = executed('01-explore-a-run.ipynb');
      const svgs = outputs(nb).filter((o) => o.data?.['image/svg+xml']);
      // sizes, map, profile, k scan, and one map per compared k
      expect(svgs.length).toBe(6);
      for (const o of svgs) expect(String(o.data!['image/svg+xml'])).toMatch(/^<svg [^>]*data-chart="/);
      const log = streamText(nb);
      expect(log).toMatch(/\d+ segments of 4334 customers, as of 2011-12-09/);
      expect(log).toMatch(/^once: ingest → .*transform; per k: cluster → .*profile$/m);
      expect(log).toMatch(/adjusted Rand index between the two: 0\.\d{3}/);
      const tables = outputs(nb).filter((o) => o.data?.['text/html'] && String(o.data['text/html']).startsWith('<table>'));
      expect(tables.length).toBeGreaterThanOrEqual(4);
    });

    it('02-custom-feature: re-runs discovery with a SQL feature and publishes a run that explain reads', () => {
      const nb = executed('02-custom-feature.ipynb');
      const log = streamText(nb);
      // The custom stages sit in the standard pipeline, whatever other stages it has.
      expect(log).toMatch(/^ingest → staging → features → (.+ → )?christmas_share → transform → cluster → (.+ → )?christmas_column → publish$/m);
      expect(log).toMatch(/\* christmas_share /);
      const custom = join(dir, 'custom');
      const segments = JSON.parse(readFileSync(join(custom, 'segments.json'), 'utf8'));
      expect(segments.features).toContain('christmas_share');
      expect(readFileSync(join(custom, 'customers.csv'), 'utf8').split('\n')[0].split(',')).toContain('christmas_share');
      expect(existsSync(join(custom, 'report.html'))).toBe(true);
    });
  });
});
