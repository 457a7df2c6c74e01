import cliProgress from 'cli-progress';

/** Progress of a run, on stderr. Silent when stderr is not a terminal (schedulers, CI, tests). */
export interface Progress {
  stageStarted(name: string, index: number, total: number): void;
  stageFinished(name: string, ms: number): void;
  stageFailed(name: string): void;
  /** A bar for a long step inside a stage (e.g. the k scan); returns its updater. */
  task(label: string, total: number): { tick(detail?: string): void; done(): void };
}

/** A progress reporter that prints nothing. */
export const silentProgress: Progress = {
  stageStarted() {},
  stageFinished() {},
  stageFailed() {},
  task() {
    return { tick() {}, done() {} };
  },
};

/** Progress on a terminal: one line per stage with its time, bars for long steps. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  return {
    stageStarted(name, index, total) {
      stream.write(`  [${index + 1}/${total}] ${name} …`);
    },
    stageFinished(name, ms) {
      stream.write(`\r\x1b[K  ✓ ${name.padEnd(10)} ${formatMs(ms)}\n`);
    },
    stageFailed(name) {
      stream.write(`\r\x1b[K  ✗ ${name}\n`);
    },
    task(label, total) {
      stream.write('\r\x1b[K');
      const bar = new cliProgress.SingleBar(
        { format: `    ${label} [{bar}] {value}/{total} {detail}`, stream, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { detail: '' });
      return {
        tick(detail = '') {
          bar.increment(1, { detail });
        },
        done() {
          bar.stop();
        },
      };
    },
  };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
