/**
 * The user-facing error type and the process exit codes, in one place.
 *
 * Anything that can fail because of what the user gave us (a flag, a file, a
 * column, a value) throws a {@link SegmentaError} whose message is one line
 * naming the thing and what was expected. Only `src/cli/main.ts` turns errors
 * into exit codes; nothing else calls `process.exit`.
 */

/** Exit codes of the `segmenta` CLI (see CONTRACT.md). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  badInput: 2,
  locked: 3,
  publishCheckFailed: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: one line, no stack trace unless `--debug`. */
export class SegmentaError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = ExitCode.badInput, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SegmentaError';
    this.exitCode = exitCode;
  }
}

/** Bad usage or bad input (exit 2). */
export class InputError extends SegmentaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.badInput, options);
    this.name = 'InputError';
  }
}

/** Another run holds the lock on the output (exit 3). */
export class LockedError extends SegmentaError {
  constructor(message: string) {
    super(message, ExitCode.locked);
    this.name = 'LockedError';
  }
}

/** A result failed its publish checks; the last good output was kept (exit 4). */
export class PublishCheckError extends SegmentaError {
  constructor(message: string) {
    super(message, ExitCode.publishCheckFailed);
    this.name = 'PublishCheckError';
  }
}

/** Maps any thrown value to the exit code the CLI should return. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof SegmentaError ? error.exitCode : ExitCode.internal;
}

/** Quotes a user value for an error message, shortened so the message stays one line. */
export function show(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const oneLine = text.replace(/[\r\n]+/g, '⏎');
  return JSON.stringify(oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine);
}
