import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../../src/docs/readmeSections.ts';

describe('README', () => {
  it('documents the rule tables exactly as the code applies them (run `npm run docs` after changing a rule)', () => {
    const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(renderReadme(text)).toBe(text);
  });
});
