/**
 * Running a benchmark subprocess and measuring it: wall time and peak
 * resident memory, plus the Python interpreter the scikit-learn columns need.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The result of one measured subprocess. */
export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak resident set size in KiB (GNU time's %M, or the last VmHWM read from /proc). */
  peakRssKb: number | null;
}

const GNU_TIME = '/usr/bin/time';

/** Reads VmHWM (peak RSS, KiB) of a live process; null once it is gone. */
function readVmHwm(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Runs `command args…` to completion and measures it. Peak RSS comes from
 * GNU time (`/usr/bin/time -f %M`, the kernel's own maximum over the whole
 * run) when it is installed; otherwise /proc/<pid>/status VmHWM is polled
 * every 50 ms, which can miss growth in the last 50 ms before exit.
 */
export function runMeasured(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; echo?: boolean } = {},
): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const scratch = useTime ? mkdtempSync(join(tmpdir(), 'segmenta-bench-')) : null;
  const rssFile = scratch ? join(scratch, 'rss') : null;
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile!, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let polled: number | null = null;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    const poller = useTime
      ? null
      : setInterval(() => {
          const value = child.pid === undefined ? null : readVmHwm(child.pid);
          if (value !== null) polled = Math.max(polled ?? 0, value);
        }, 50);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
    child.on('error', (error) => {
      if (poller) clearInterval(poller);
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (poller) clearInterval(poller);
      if (timer) clearTimeout(timer);
      let peakRssKb = polled;
      if (rssFile && existsSync(rssFile)) {
        // GNU time writes "Command exited with non-zero status N" before the figure on failure.
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        const value = Number(lines[lines.length - 1]);
        peakRssKb = Number.isFinite(value) ? value : null;
      }
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      resolve({ code, stdout, stderr, wallMs, peakRssKb });
    });
  });
}

/** The last line of a subprocess's stdout, parsed as JSON (the protocol of every bench helper). */
export function lastJson<T>(measured: Measured, what: string): T {
  if (measured.code !== 0) {
    throw new Error(`${what} exited with ${measured.code}: ${measured.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  const line = measured.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${what} printed no JSON result: ${line.slice(0, 200)}`);
  }
}

/** The Debian interpreter the scikit-learn side runs on (not a pyenv shim, which lacks Debian's packages). */
export const PYTHON = '/usr/bin/python3';

/** What to type when the Python columns are skipped. */
export const PYTHON_INSTALL_HINT = 'apt-get update && apt-get install -y python3-sklearn python3-pandas';

/**
 * OpenBLAS overrides this machine may set for old OpenBLAS builds; they pin
 * a slower kernel on a current numpy, so the Python subprocesses run
 * without them (only there: nothing else is changed).
 */
export const OPENBLAS_OVERRIDES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** The environment for the Python subprocesses: this one without {@link OPENBLAS_OVERRIDES}. */
export function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of OPENBLAS_OVERRIDES) delete env[name];
  return env;
}

/** Whether numpy, pandas and scikit-learn import under {@link PYTHON}; the reason when not. */
export function pythonAvailable(): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} not found` };
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, pandas, sklearn'], { env: pythonEnv(), encoding: 'utf8' });
  if (probe.status === 0) return { ok: true };
  const last = (probe.stderr || probe.error?.message || '').trim().split('\n').pop() ?? 'import failed';
  return { ok: false, reason: last };
}

/** Whether `/usr/bin/time` measures peak RSS (else /proc polling does). */
export function rssMethod(): string {
  return existsSync(GNU_TIME) ? 'GNU time %M (kernel maxrss)' : '/proc/<pid>/status VmHWM polled every 50 ms';
}
