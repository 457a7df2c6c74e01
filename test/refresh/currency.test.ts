import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { requireModelCurrency } from '../../src/refresh/currency.ts';
import { runCli } from '../helpers/cli.ts';
import { RETAIL_HEADER, tempDir, writeCsv } from '../helpers/files.ts';

/** A small shop: 60 customers, one to six orders each in 2024, amounts in `currency`. */
function shop(dir: string, name: string, currency: string): string {
  const rows: (string | number)[][] = [];
  for (let c = 0; c < 60; c += 1) {
    const orders = 1 + (c % 6);
    for (let o = 0; o < orders; o += 1) {
      const month = String(1 + ((c + 3 * o) % 12)).padStart(2, '0');
      rows.push([`${c}-${o}`, `P${(c * 7 + o) % 40}`, 'item', 1 + ((c + o) % 9), `2024-${month}-1${o % 9} 10:00:00`, (2 + (c % 13)).toFixed(2), `C${c}`, 'Germany', currency]);
    }
  }
  return writeCsv(dir, name, [...RETAIL_HEADER, 'Currency'], rows);
}

describe('a refresh in another currency than the model', () => {
  it('is exit 2 naming --input, both currencies and the model; the published run stays', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const discover = await runCli(['discover', '--input', shop(dir, 'eur.csv', 'EUR'), '--out', out, '--k', '3', '--stability-resamples', '0', '--value', 'off', '--no-report']);
    expect(discover.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).currency).toBe('EUR');
    const before = readFileSync(join(out, 'customers.csv'));

    const refresh = await runCli(['refresh', '--input', shop(dir, 'gbp.csv', 'GBP'), '--model', out, '--out', out, '--warehouse', join(dir, 'w.duckdb'), '--no-report']);
    expect(refresh.code).toBe(2);
    expect(refresh.stderr).toMatch(/^segmenta: --input ".*gbp\.csv": amounts in GBP, but the model in ".*run" was trained on EUR; /);
    expect(refresh.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(out, 'customers.csv')).equals(before)).toBe(true);

    const same = await runCli(['refresh', '--input', shop(dir, 'eur2.csv', 'EUR'), '--model', out, '--out', out, '--warehouse', join(dir, 'w.duckdb'), '--no-report']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
  }, 120_000);

  it('is fine without a currency column, or for models that did not record one', () => {
    expect(() => requireModelCurrency('EUR', [], 'in.csv', 'run')).not.toThrow();
    expect(() => requireModelCurrency(undefined, ['GBP'], 'in.csv', 'run')).not.toThrow();
    expect(() => requireModelCurrency('EUR', ['eur'], 'in.csv', 'run')).not.toThrow();
    expect(() => requireModelCurrency('EUR', ['EUR', 'USD'], 'in.csv', 'run')).toThrow(InputError);
  });
});
