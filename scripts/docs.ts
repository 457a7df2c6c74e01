// Rewrites the generated sections of README.md from the code's rule tables.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from '../src/docs/readmeSections.ts';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = renderReadme(before);
writeFileSync(path, after);
console.log(before === after ? 'README.md is up to date' : 'README.md updated');
