/**
 * `segmenta refresh` with a customer master, through the real CLI, on a
 * small shop with a generated (synthetic) master: a model found on
 * firmographics and behaviour (`discover --segment-on both`) is kept,
 * retrained and checked for drift on the firmographic numbers; without
 * `--customers` it stops with exit 2; a behaviour-only model takes
 * `--customers` and adds the master's columns as discover does.
 */
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoMaster } from '../../src/customers/demoMaster.ts';
import { runCli } from '../helpers/cli.ts';
import { readCsvFile } from '../helpers/csv.ts';
import { SHOP_HEADER, shopRows, toCsv } from '../helpers/shop.ts';

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** customers.csv as header + rows, by a small RFC 4180 reader (names of WZ divisions have commas in them). */
function readCustomers(dir: string): { header: string[]; rows: Record<string, string>[] } {
  return readCsvFile(join(dir, 'customers.csv'));
}

/** Master columns discover adds to customers.csv, after its own. */
const MASTER_COLUMNS = ['has_master', 'industry_code', 'wz_section', 'employees', 'annual_revenue', 'size_class', 'state', 'company_country'];

describe('segmenta refresh --customers (the real CLI)', () => {
  let root: string;
  let shop: string;
  let master: string;
  /** discover --segment-on both, as published; copied before every refresh that writes. */
  let both: string;
  /** discover without a master. */
  let behaviour: string;
  /** discover --segment-on firmographics. */
  let firmographicsOnly: string;
  let asOf: string;

  const copy = (from: string, name: string) => {
    const dir = join(root, name);
    cpSync(from, dir, { recursive: true });
    return dir;
  };
  const refresh = (dir: string, ...more: string[]) =>
    runCli(['refresh', '--input', shop, '--model', dir, '--out', dir, '--warehouse', join(dir, '..', `${dir.split('/').pop()}.duckdb`), '--no-report', '--stability-resamples', '0', ...more]);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'segmenta-refresh-b2b-'));
    shop = join(root, 'shop.csv');
    writeFileSync(shop, toCsv(SHOP_HEADER, shopRows(120, 7)));
    master = join(root, 'master.csv');
    await writeDemoMaster(shop, master, { includePlantedGroup: true });
    // A row no transaction matches, with a division WZ 2008 does not have: a reject.
    appendFileSync(master, '99999,Bad KG,KG,48.10,5,100000,01067,DE,none\n');
    both = join(root, 'both');
    behaviour = join(root, 'behaviour');
    const common = ['discover', '--input', shop, '--k', '3', '--stability-resamples', '0', '--no-report', '--value', 'off'];
    firmographicsOnly = join(root, 'firmographics');
    const [a, b, c] = await Promise.all([
      runCli([...common, '--customers', master, '--segment-on', 'both', '--out', both]),
      runCli([...common, '--out', behaviour]),
      runCli([...common, '--customers', master, '--segment-on', 'firmographics', '--out', firmographicsOnly]),
    ]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect(c.stderr).toBe('');
    asOf = json(join(both, 'manifest.json')).as_of;
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stops with exit 2 and one line naming --customers and the model when a firmographic model gets no master', async () => {
    const dir = copy(both, 'no-master');
    const before = readFileSync(join(dir, 'customers.csv'), 'utf8');
    const result = await refresh(dir);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('--customers: the model in');
    expect(lines[0]).toContain('segments on firmographics and behaviour; give the customer master it was trained with');
    expect(readFileSync(join(dir, 'customers.csv'), 'utf8')).toBe(before);
  });

  it('stops with exit 2 when a master flag comes without --customers', async () => {
    const result = await refresh(copy(behaviour, 'map-without-master'), '--map-customers', 'industry_code=Branche');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('segmenta: --map-customers needs a customer master: add --customers FILE');
  });

  it('keeps the model: every customer lands where discover put it, by the saved k-prototypes model', async () => {
    const dir = copy(both, 'kept');
    const result = await refresh(dir, '--customers', master, '--as-of', asOf, '--retrain', 'never');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const discovered = readCustomers(both).rows;
    const refreshed = readCustomers(dir).rows;
    expect(refreshed.map((r) => r.customer_id)).toEqual(discovered.map((r) => r.customer_id));
    expect(refreshed.map((r) => r.segment_id)).toEqual(discovered.map((r) => r.segment_id));
    expect(refreshed.map((r) => r.distance)).toEqual(discovered.map((r) => r.distance));
    // The published model is the saved one; segments.json says what the segments were found on.
    expect(json(join(dir, 'model.json'))).toEqual(json(join(both, 'model.json')));
    const segments = json(join(dir, 'segments.json'));
    expect(segments.segment_on).toMatchObject({ mode: 'both', method: 'k-prototypes' });
    expect(segments.quality.silhouette).toBeGreaterThan(0);
    expect(segments.segments.map((s: { name: string }) => s.name)).toEqual(json(join(both, 'segments.json')).segments.map((s: { name: string }) => s.name));
    // Same data, same master: no firmographic drift.
    const drift = json(join(dir, 'manifest.json')).refresh.drift;
    expect(drift.firmographics).toMatchObject({ segment_on: 'both', max_numeric_shift: 0, max_prototype_shift: 0, threshold: 0.5 });
    expect(drift.firmographics.not_measured).toEqual(['wz_section', 'size_class', 'state']);
  });

  it('reads the master as discover does: same columns in customers.csv, same customers_rejects.csv, counted in the manifest', async () => {
    const dir = copy(both, 'columns');
    const result = await refresh(dir, '--customers', master, '--as-of', asOf, '--retrain', 'never');
    expect(result.code).toBe(0);
    const header = readCustomers(dir).header;
    const discoverHeader = readCustomers(both).header;
    expect(header).toEqual([...discoverHeader, 'previous_segment_id', 'previous_segment']);
    for (const column of MASTER_COLUMNS) expect(header).toContain(column);
    expect(header).not.toContain('company_name');
    expect(readFileSync(join(dir, 'customers_rejects.csv'), 'utf8')).toBe(readFileSync(join(both, 'customers_rejects.csv'), 'utf8'));
    expect(readFileSync(join(dir, 'customers_rejects.csv'), 'utf8')).toContain('invalid_industry_code');
    expect(json(join(dir, 'manifest.json')).customer_master).toMatchObject({
      rows: { read: 121, used: 120, rejected: 1 },
      customers: { with_master: 120, without_master: 0 },
    });
  });

  it('retrains on firmographics and behaviour, and carries the segment names over', async () => {
    const dir = copy(both, 'retrained');
    const result = await refresh(dir, '--customers', master, '--retrain', 'always', '--as-of', '2011-12-31');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const model = json(join(dir, 'model.json'));
    expect(model.as_of).toBe('2011-12-31');
    expect(model.firmographics).toMatchObject({ method: 'k-prototypes', segment_on: 'both' });
    const refresh_ = json(join(dir, 'manifest.json')).refresh;
    expect(refresh_.retrain).toMatchObject({ retrained: true, reason: '--retrain always' });
    expect(refresh_.continuity.method).toContain('firmographic');
    expect(refresh_.continuity.matches.every((m: { status: string }) => m.status === 'matched')).toBe(true);
    const names = (d: string) => json(join(d, 'segments.json')).segments.map((s: { id: number; name: string }) => `${s.id} ${s.name}`);
    expect(names(dir)).toEqual(names(both));
    expect(json(join(dir, 'segments.json')).segment_on).toMatchObject({ mode: 'both', method: 'k-prototypes' });
  });

  it('retrains when the firmographic numbers drift (turnover tripled), and says which', async () => {
    const shifted = join(root, 'master-tripled.csv');
    const [head, ...lines] = readFileSync(master, 'utf8').trimEnd().split('\n');
    const tripled = lines.map((line) => {
      const cells = line.split(',');
      // company_name may hold a comma inside quotes; the turnover is the fourth cell from the end.
      const at = cells.length - 4;
      cells[at] = String(Number(cells[at]) * 3);
      return cells.join(',');
    });
    writeFileSync(shifted, `${[head, ...tripled].join('\n')}\n`);
    const dir = copy(both, 'drifted');
    const result = await refresh(dir, '--customers', shifted, '--as-of', asOf);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const refresh_ = json(join(dir, 'manifest.json')).refresh;
    // ln 3 ≈ 1.1 on a training sd of about 2: a mean shift over 0.5 sd. Behaviour did not change.
    const revenue = refresh_.drift.firmographics.numeric.find((n: { input: string }) => n.input === 'log_annual_revenue');
    expect(revenue.shift).toBeCloseTo(Math.log(3) / revenue.training_std, 3);
    expect(refresh_.drift.max_psi).toBe(0);
    expect(refresh_.retrain.retrained).toBe(true);
    expect(refresh_.retrain.reason).toMatch(/^the mean of log_annual_revenue moved 0\.\d{3} sd ≥ 0\.5$/);
  });

  it('keeps a model found on firmographics alone as discover assigned, and lets behavioural drift not decide', async () => {
    const dir = copy(firmographicsOnly, 'firmographics-kept');
    const noMaster = await refresh(copy(firmographicsOnly, 'firmographics-no-master'));
    expect(noMaster.code).toBe(2);
    expect(noMaster.stderr).toContain('segments on firmographics; give the customer master it was trained with');
    // Two weeks later: behaviour moves (recency, tenure), the master does not.
    const result = await refresh(dir, '--customers', master, '--as-of', '2012-01-15', '--log-format', 'json');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('on firmographics (k-prototypes)');
    const start = JSON.parse(result.stderr.split('\n')[0]!);
    expect(start).toMatchObject({ event: 'start', customers: master });
    const refresh_ = json(join(dir, 'manifest.json')).refresh;
    expect(refresh_.drift.max_psi).toBeGreaterThan(0);
    expect(refresh_.drift.firmographics).toMatchObject({ segment_on: 'firmographics', max_numeric_shift: 0, max_prototype_shift: 0 });
    expect(refresh_.retrain.retrained).toBe(false);
    expect(refresh_.retrain.reason).toMatch(/does not segment on behaviour/);
    // Firmographics alone decide: the same master gives every customer its discover segment.
    expect(readCustomers(dir).rows.map((r) => r.segment_id)).toEqual(readCustomers(firmographicsOnly).rows.map((r) => r.segment_id));
  });

  it('takes --customers with a behaviour-only model: the same segments, with the master\'s columns added', async () => {
    const dir = copy(behaviour, 'behaviour-with-master');
    const result = await refresh(dir, '--customers', master, '--as-of', asOf, '--retrain', 'never');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const refreshed = readCustomers(dir);
    const discovered = readCustomers(behaviour).rows;
    expect(refreshed.rows.map((r) => r.segment_id)).toEqual(discovered.map((r) => r.segment_id));
    for (const column of MASTER_COLUMNS) expect(refreshed.header).toContain(column);
    expect(existsSync(join(dir, 'customers_rejects.csv'))).toBe(true);
    expect(json(join(dir, 'model.json')).firmographics).toBeUndefined();
    expect(json(join(dir, 'manifest.json')).refresh.drift.firmographics).toBeUndefined();
  });
});
