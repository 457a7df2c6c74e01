import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATEST_FULL_JSON, renderReadmeBench, updateReadmeBench } from '../../bench/readme.ts';
import type { BenchReport } from '../../bench/report.ts';

describe('README benchmark section', () => {
  const report = JSON.parse(readFileSync(LATEST_FULL_JSON, 'utf8')) as BenchReport;

  it('shows the last full benchmark run (reports/bench/latest.json), as `npm run bench` wrote it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(updateReadmeBench(readme, report)).toBe(readme);
  });

  it('comes from a full run of every workload, with its targets', () => {
    expect(report.mode).toBe('full');
    expect(report.workloads).toEqual(['kmeans', 'pca', 'e2e']);
    expect(report.errors).toEqual([]);
    const text = renderReadmeBench(report);
    for (const target of report.targets) expect(text).toContain(`| ${target.target} | ${target.measured} |`);
    expect(text).toContain(`${report.machine.cores} cores`);
  });

  it('refuses a README without the section markers', () => {
    expect(() => updateReadmeBench('# no markers\n', report)).toThrow(/has no <!-- generated:bench -->/);
  });
});
