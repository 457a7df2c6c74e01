/**
 * The notebook kernel's Node half without Jupyter: how cells compile, and
 * how a session keeps state, imports the project's sources, shows output
 * and reports errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CellSyntaxError, compileCell } from '../../notebooks/kernel/cell.ts';
import { createDisplay, type MimeBundle } from '../../notebooks/kernel/display.ts';
import { KERNEL_NAME, writeKernelSpec } from '../../notebooks/kernel/kernelspec.ts';
import { NotebookSession, type CellMessage } from '../../notebooks/kernel/session.ts';
import { ROOT } from '../helpers/cli.ts';

const session = new NotebookSession({ cwd: join(ROOT, 'notebooks') });

async function run(code: string): Promise<{ status: string; messages: CellMessage[] }> {
  const messages: CellMessage[] = [];
  const { status } = await session.execute(code, (m) => messages.push(m));
  return { status, messages };
}

function result(messages: CellMessage[]): unknown {
  return messages.find((m) => m.type === 'result')?.data['text/plain'];
}

describe('compileCell', () => {
  it('turns top-level declarations into globals and returns the last expression', () => {
    const { body, declares } = compileCell('const a: number = 1;\nlet { b, c: [d] } = { b: 2, c: [3] };\nfunction f() { return a }\nclass K {}\na + b');
    expect(declares.sort()).toEqual(['K', 'a', 'b', 'd', 'f']);
    expect(body).toContain('(a = 1);');
    expect(body).toContain('({ b, c: [d] } = { b: 2, c: [3] });');
    expect(body).toContain('globalThis["f"] = f;');
    expect(body).toContain('K = class K {');
    expect(body).toMatch(/return \(a \+ b\);\n\/\/# sourceURL=cell$/);
    expect(body).not.toContain(': number');
  });

  it('turns imports into awaited loads through the kernel, keeping names imported for later cells', () => {
    const { body, declares } = compileCell(
      "import def, { a, b as c, type T } from '../src/x.ts';\nimport * as ns from 'node:path';\nimport 'side-effect';\nconst m = await import('./m.ts');",
    );
    expect(declares.sort()).toEqual(['a', 'c', 'def', 'm', 'ns']);
    expect(body).toContain(`({ default: def, a, b: c } = await __segmenta_kernel.import("../src/x.ts"));`);
    expect(body).toContain(`(ns = await __segmenta_kernel.import("node:path"));`);
    expect(body).toContain(`await __segmenta_kernel.import("side-effect");`);
    expect(body).toContain(`(m = await __segmenta_kernel.import('./m.ts'));`);
  });

  it('rejects syntax errors and exports with a message that names the place', () => {
    expect(() => compileCell('const = 1')).toThrow(CellSyntaxError);
    expect(() => compileCell('const x = ;')).toThrow(/line 1, column 11/);
    expect(() => compileCell('export const x = 1')).toThrow(/cannot export/);
  });
});

describe('NotebookSession', () => {
  it('keeps what one cell declares for the next, and redefines on a re-run', async () => {
    expect((await run('const width: number = 6; function area(h: number) { return width * h }')).status).toBe('ok');
    expect(result((await run('area(7)')).messages)).toBe('42');
    expect((await run('const width = 10')).status).toBe('ok');
    expect(result((await run('area(7)')).messages)).toBe('70');
  });

  it('imports the project sources with their .ts extension, relative to the notebook, with top-level await', async () => {
    const { status, messages } = await run(
      "import { escapeHtml } from '../src/report/escape.ts';\nimport type { SegmentsDocument } from '../src/segments/types.ts';\nawait Promise.resolve();\nescapeHtml('<b>')",
    );
    expect(status).toBe('ok');
    expect(result(messages)).toBe("'&lt;b&gt;'");
  });

  it('streams console output and sends displays in order', async () => {
    const { messages } = await run("console.log('one'); display.text('two'); console.error('three')");
    expect(messages).toEqual([
      { type: 'stream', name: 'stdout', text: 'one\n' },
      { type: 'display', data: { 'text/plain': 'two' } },
      { type: 'stream', name: 'stderr', text: 'three\n' },
    ]);
  });

  it('reports an exception with its name, message and the cell in the trace, and goes on', async () => {
    const { status, messages } = await run("const broken = 1;\nthrow new RangeError('out of range')");
    expect(status).toBe('error');
    const error = messages.find((m) => m.type === 'error') as Extract<CellMessage, { type: 'error' }>;
    expect(error.ename).toBe('RangeError');
    expect(error.evalue).toBe('out of range');
    expect(error.traceback[0]).toBe('RangeError: out of range');
    expect(error.traceback.join('\n')).toMatch(/cell-\d+/);
    expect(error.traceback.join('\n')).not.toContain('session.ts');
    expect(result((await run('broken + 1')).messages)).toBe('2');
  });

  it('reports a syntax error without running anything', async () => {
    const { status, messages } = await run("console.log('never');\nconst = 2");
    expect(status).toBe('error');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ type: 'error', ename: 'SyntaxError' });
  });
});

describe('display', () => {
  it('sends tables as HTML with escaped cells and a plain-text twin', () => {
    const sent: MimeBundle[] = [];
    createDisplay((b) => sent.push(b)).table([{ name: '<Champions>', share: 0.3125 }, { name: 'Lost', share: 0.1 }], { digits: 2 });
    expect(sent[0]['text/html']).toContain('<td>&lt;Champions&gt;</td><td style="text-align:right">0.31</td>');
    expect(sent[0]['text/plain']).toBe('name         share\n<Champions>   0.31\nLost          0.10');
  });

  it('labels an SVG by its aria-label in plain text', () => {
    const sent: MimeBundle[] = [];
    createDisplay((b) => sent.push(b)).svg('<svg role="img" aria-label="Customer map"></svg>');
    expect(sent[0]).toEqual({ 'image/svg+xml': '<svg role="img" aria-label="Customer map"></svg>', 'text/plain': '[chart: Customer map]' });
  });
});

describe('kernel spec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segmenta-kernelspec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('points Jupyter at this checkout, with python3 for Jupyter to replace by its own interpreter', () => {
    const kernelDir = writeKernelSpec(dir, '/srv/segmenta');
    expect(kernelDir).toBe(join(dir, KERNEL_NAME));
    const spec = JSON.parse(readFileSync(join(kernelDir, 'kernel.json'), 'utf8'));
    expect(spec.argv).toEqual(['python3', '/srv/segmenta/notebooks/kernel/segmenta_kernel.py', '-f', '{connection_file}']);
    expect(spec.language).toBe('typescript');
    expect(spec.env.SEGMENTA_ROOT).toBe('/srv/segmenta');
  });
});
