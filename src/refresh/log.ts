/**
 * `--log-format json`: the run's progress as one JSON object per line on
 * stderr, for schedulers and log collectors. Every line has `time` (ISO
 * 8601, UTC), `command` and `event`:
 *
 * | event          | fields                                   |
 * |----------------|------------------------------------------|
 * | `start`        | the run's input, output, as-of, dry_run  |
 * | `stage_start`  | `stage`, `index` (1-based), `total`      |
 * | `stage_finish` | `stage`, `ms`                            |
 * | `stage_failed` | `stage`                                  |
 * | `result`       | what was published (or would be)         |
 * | `error`        | `exit_code`, `error` (the one-line message) |
 */
import type { Progress } from '../cli/progress.ts';
import { SegmentaError, exitCodeOf } from '../errors.ts';

/** Progress that can also record events of its own (start, result). */
export interface RunLog extends Progress {
  event(event: string, fields?: Record<string, unknown>): void;
}

/** A JSON-lines log on `stream`. */
export function jsonLog(stream: NodeJS.WritableStream, command: string): RunLog {
  const write = (event: string, fields: Record<string, unknown> = {}) => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), command, event, ...fields })}\n`);
  };
  return {
    event: write,
    stageStarted(stage, index, total) {
      write('stage_start', { stage, index: index + 1, total });
    },
    stageFinished(stage, ms) {
      write('stage_finish', { stage, ms });
    },
    stageFailed(stage) {
      write('stage_failed', { stage });
    },
    // Bars are for people at a terminal; a log gets the stage lines only.
    task() {
      return { tick() {}, done() {} };
    },
  };
}

/** A run log over terminal progress: events are for JSON logs only. */
export function textLog(progress: Progress): RunLog {
  return { ...progress, event() {} };
}

/** True when the command line asks for `--log-format json` (either spelling). */
export function wantsJsonLog(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--log-format=json' || (arg === '--log-format' && argv[i + 1] === 'json'));
}

/** The `error` event line for a failed run: the message and the exit code, never a stack. */
export function jsonErrorLine(error: unknown, command: string | undefined): string {
  const message =
    error instanceof SegmentaError ? error.message : `internal error: ${((error as Error)?.message ?? String(error)).split('\n')[0]}`;
  return `${JSON.stringify({ time: new Date().toISOString(), command: command ?? null, event: 'error', exit_code: exitCodeOf(error), error: message })}\n`;
}
