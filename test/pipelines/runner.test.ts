import { describe, expect, it } from 'vitest';
import { defineStage, runPipeline, StageError } from '../../pipelines/runner.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { InputError } from '../../src/errors.ts';

interface Catalog {
  a: number;
  b: number;
  c: number;
}
const stage = defineStage<Catalog>();

const double = stage({
  name: 'double',
  description: 'b = 2a',
  inputs: ['a'],
  outputs: ['b'],
  async run({ a }) {
    return { b: 2 * a };
  },
});
const add = stage({
  name: 'add',
  description: 'c = a + b',
  inputs: ['a', 'b'],
  outputs: ['c'],
  async run({ a, b }) {
    return { c: a + b };
  },
});

describe('pipeline runner', () => {
  it('passes declared outputs to later stages and times every stage', async () => {
    const { catalog, timingsMs } = await runPipeline([double, add], { a: 3 }, { progress: silentProgress });
    expect(catalog).toEqual({ a: 3, b: 6, c: 9 });
    expect(Object.keys(timingsMs)).toEqual(['double', 'add']);
  });

  it('refuses a stage whose input no earlier stage produced', async () => {
    await expect(runPipeline([add], { a: 1 }, { progress: silentProgress })).rejects.toThrow('stage add failed: input b was not produced by an earlier stage');
  });

  it('refuses a stage that does not produce what it declared', async () => {
    const liar = stage({ name: 'liar', description: '', inputs: [], outputs: ['c'], run: async () => ({}) as { c: number } });
    await expect(runPipeline([liar], {}, { progress: silentProgress })).rejects.toThrow('stage liar failed: declared output c was not produced');
  });

  it('passes user errors through and wraps the rest with the stage name', async () => {
    const bad = stage({ name: 'bad', description: '', inputs: [], outputs: [], run: async () => { throw new InputError('--x: nope'); } });
    await expect(runPipeline([bad], {}, { progress: silentProgress })).rejects.toThrow(InputError);
    const broken = stage({ name: 'broken', description: '', inputs: [], outputs: [], run: async () => { throw new TypeError('oops'); } });
    const error = await runPipeline([broken], {}, { progress: silentProgress }).catch((e) => e);
    expect(error).toBeInstanceOf(StageError);
    expect(error.message).toBe('stage broken failed: oops');
  });
});
