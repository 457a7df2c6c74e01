import { Command, CommanderError } from 'commander';
import { SegmentaError, ExitCode, exitCodeOf } from '../errors.ts';
import { SEGMENTA_VERSION } from '../version.ts';
import { registerDiscover } from './discover.ts';
import { registerReport } from './report.ts';
import { registerExplain } from './explain.ts';
import { registerExport } from './export.ts';
import { registerValidateValue } from './validateValue.ts';
import { registerRefresh } from './refresh.ts';
import { jsonErrorLine, wantsJsonLog } from '../refresh/log.ts';

/** Where the commands write; `process` in production, buffers in tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Every command and flag of `segmenta`. The README's flag tables are rendered
 * from this same definition (`npm run docs`), so they cannot drift.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('segmenta')
    .description('Customer segmentation from purchase transactions: RFM, lifecycle, PCA and k-means segments with profiles marketing can act on.')
    .version(SEGMENTA_VERSION)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerDiscover(program, io);
  registerRefresh(program, io);
  registerExport(program, io);
  registerExplain(program, io);
  registerReport(program, io);
  registerValidateValue(program, io);
  return program;
}

/**
 * The `segmenta` command line. This is the only place that turns errors into
 * exit codes; the bin script sets `process.exitCode` from the return value.
 */
export async function main(argv: string[], io: CliIo = process): Promise<number> {
  const debug = argv.includes('--debug');
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit 0; usage errors were already printed by commander, in one line.
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      if (error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.badInput;
    }
    error = translateResourceError(error);
    const code = exitCodeOf(error);
    // --log-format json: the error is one more JSON line, so a scheduler's log stays parseable.
    if (wantsJsonLog(argv)) {
      io.stderr.write(jsonErrorLine(error, argv[0]));
      if (debug) io.stderr.write(`${(error as Error)?.stack ?? ''}\n${causeChain(error)}`);
      return code;
    }
    if (error instanceof SegmentaError) {
      io.stderr.write(`segmenta: ${error.message}\n`);
      if (debug && error.stack) io.stderr.write(`${error.stack}\n${causeChain(error)}`);
    } else {
      const message = (error as Error)?.message ?? String(error);
      io.stderr.write(`segmenta: internal error: ${message.split('\n')[0]}\n`);
      if (debug) io.stderr.write(`${(error as Error)?.stack ?? ''}\n${causeChain(error)}`);
      else io.stderr.write('segmenta: run again with --debug for the stack trace, and please report it\n');
    }
    return code;
  }
}

/**
 * Running out of memory or disk is not a bug: say what happened and which
 * flag helps, in one line, instead of DuckDB's message.
 */
function translateResourceError(error: unknown): unknown {
  const text = String((error as Error)?.message ?? error) + String(((error as { cause?: Error })?.cause)?.message ?? '');
  if (/Out of Memory Error/i.test(text)) {
    return new SegmentaError(
      'DuckDB ran out of memory: raise --memory-limit, or give --temp-directory on a disk with free space so it can spill',
      ExitCode.badInput,
      { cause: error },
    );
  }
  if (/No space left on device|ENOSPC/i.test(text)) {
    return new SegmentaError(
      'no space left on the device: free space where --out and --temp-directory point, then run again (the previous output was kept)',
      ExitCode.internal,
      { cause: error },
    );
  }
  return error;
}

function causeChain(error: unknown): string {
  let text = '';
  let cause = (error as { cause?: unknown })?.cause;
  while (cause) {
    text += `caused by: ${(cause as Error)?.stack ?? String(cause)}\n`;
    cause = (cause as { cause?: unknown })?.cause;
  }
  return text;
}
