/**
 * The Node half of the notebook kernel, started by `segmenta_kernel.py`
 * through `bin/run-ts.mjs` (so under tsx): reads cells as JSON lines on
 * stdin, runs them in one {@link NotebookSession}, and writes every message
 * as a JSON line to the file descriptor named by `SEGMENTA_KERNEL_FD`.
 *
 * Messages travel on their own descriptor rather than stdout so that
 * nothing a library writes straight to fd 1 or 2 (DuckDB, a native addon)
 * can corrupt them; such stray output lands in the kernel's log.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NotebookSession, type CellMessage } from './session.ts';

const fd = Number(process.env.SEGMENTA_KERNEL_FD);
if (!Number.isInteger(fd) || fd < 3) {
  process.stderr.write('evaluator.ts is started by the segmenta notebook kernel: SEGMENTA_KERNEL_FD must name its message descriptor\n');
  process.exit(2);
}

function send(message: Record<string, unknown>): void {
  // Synchronous, so messages keep their order and none is lost if a cell ends the process.
  writeSync(fd, `${JSON.stringify(message)}\n`);
}

const session = new NotebookSession({ cwd: process.cwd() });
send({ type: 'ready', node: process.version });

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const request = JSON.parse(line) as { id: string; code: string };
  const outcome = await session.execute(request.code, (message: CellMessage) => send({ id: request.id, ...message }));
  send({ id: request.id, type: 'done', status: outcome.status, execution_count: outcome.executionCount });
}
