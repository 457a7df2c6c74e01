import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { requireModelCurrency } from '../../src/refresh/currency.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeCsv } from '../helpers/files.ts';
import { SHOP_HEADER, shopRows } from '../helpers/shop.ts';

/** The test shop (test/helpers/shop.ts) with a Currency column naming `currency` on every line. */
function shop(dir: string, name: string, currency: string): string {
  return writeCsv(dir, name, [...SHOP_HEADER, 'Currency'], shopRows(60).map((row) => [...row, currency]));
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
