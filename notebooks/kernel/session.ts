/**
 * One notebook's TypeScript session: runs compiled cells one after the
 * other in this Node process, keeps their globals, and turns what a cell
 * prints, displays, returns or throws into Jupyter-shaped messages.
 *
 * The process runs under tsx (see `bin/run-ts.mjs`), the same loader the CLI
 * uses, so cells import the project's sources exactly as the CLI does.
 */
import { Console } from 'node:console';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { CellSyntaxError, KERNEL_PARAMETER, compileCell } from './cell.ts';
import { createDisplay, type Display, type MimeBundle } from './display.ts';

/** What a cell produced, in order, as the Jupyter kernel forwards it. */
export type CellMessage =
  | { type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { type: 'display'; data: MimeBundle }
  | { type: 'result'; data: MimeBundle }
  | { type: 'error'; ename: string; evalue: string; traceback: string[] };

/** The outcome of one cell. */
export interface CellOutcome {
  status: 'ok' | 'error';
  /** 1-based number of the cell in this session. */
  executionCount: number;
}

type AsyncFunctionConstructor = new (...args: string[]) => (...args: unknown[]) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as AsyncFunctionConstructor;

/** The helpers a compiled cell receives as its one parameter. */
interface KernelHelpers {
  import(specifier: string): Promise<unknown>;
}

/**
 * A REPL-like session.
 *
 * @param options.cwd - directory relative imports resolve against (the notebook's).
 * @param options.emit - receives every message of the running cell.
 */
export class NotebookSession {
  private count = 0;
  private readonly cwd: string;
  private emit: (message: CellMessage) => void = () => {};
  private readonly helpers: KernelHelpers;
  /** The `display` global of every cell. */
  readonly display: Display;

  constructor(options: { cwd?: string } = {}) {
    this.cwd = resolve(options.cwd ?? process.cwd());
    const base = pathToFileURL(`${this.cwd}/`);
    this.helpers = {
      // Relative and absolute paths are the notebook's; bare names (vega-lite,
      // @duckdb/node-api) resolve from this file, i.e. the project's node_modules.
      import: (specifier: string) =>
        import(specifier.startsWith('.') || specifier.startsWith('/') ? new URL(specifier, base).href : specifier),
    };
    this.display = createDisplay((data) => this.emit({ type: 'display', data }));
    (globalThis as Record<string, unknown>).display = this.display;
  }

  /**
   * Runs one cell. Output written to process.stdout and process.stderr while
   * it runs (console.log included) arrives as stream messages; the value of a
   * final expression as a result; an exception as an error, after which the
   * session goes on.
   */
  async execute(source: string, emit: (message: CellMessage) => void): Promise<CellOutcome> {
    this.count += 1;
    const executionCount = this.count;
    this.emit = emit;
    const restore = captureStreams(emit);
    try {
      const { body } = compileCell(source, `cell-${executionCount}`);
      const run = new AsyncFunction(KERNEL_PARAMETER, body);
      const value = await run(this.helpers);
      restore();
      if (value !== undefined) emit({ type: 'result', data: { 'text/plain': inspect(value, { depth: 4, colors: false, maxArrayLength: 50 }) } });
      return { status: 'ok', executionCount };
    } catch (error) {
      restore();
      emit(errorMessage(error));
      return { status: 'error', executionCount };
    } finally {
      this.emit = () => {};
    }
  }
}

/**
 * Routes writes to stdout and stderr into stream messages until the returned
 * function is called. The cell also gets a console of its own on those
 * streams: a host may have replaced the global one (a test runner does).
 */
function captureStreams(emit: (message: CellMessage) => void): () => void {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write, console: globalThis.console };
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      emit({ type: 'stream', name, text });
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') done();
      return true;
    }) as typeof process.stdout.write;
  }
  globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false });
  return () => {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
    globalThis.console = originals.console;
  };
}

/** An exception as Jupyter shows it: name, message, and the stack without the session's own frames. */
function errorMessage(error: unknown): Extract<CellMessage, { type: 'error' }> {
  if (error instanceof CellSyntaxError) return { type: 'error', ename: 'SyntaxError', evalue: error.message, traceback: [`SyntaxError: ${error.message}`] };
  const e = error instanceof Error ? error : new Error(String(error));
  const frames = (e.stack ?? `${e.name}: ${e.message}`).split('\n');
  const own = frames.findIndex((line) => line.includes('notebooks/kernel/session.ts'));
  const traceback = own > 0 ? frames.slice(0, own) : frames;
  return { type: 'error', ename: e.name, evalue: e.message, traceback };
}
