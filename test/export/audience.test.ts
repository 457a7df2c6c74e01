import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import {
  FIXTURE_CUSTOMERS,
  FIXTURE_INPUT_SHA,
  FIXTURE_SEGMENTS,
  FORMULA_SEGMENT,
  HOSTILE_SEGMENT,
  HYPERLINK_ID,
  writeFixtureRun,
  type FixtureCustomer,
} from './fixtureRun.ts';
import { readCsvRows, readManifest, readRows, runMain, temporaryFiles } from './run.ts';

const KEY = 'k3y-for-tests-0123456789abcdef0123456789';
const OTHER_KEY = 'another-key-for-tests-0123456789abcdef';

let root: string;
let run: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'segmenta-export-'));
  run = await writeFixtureRun(join(root, 'run'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `segmenta export --run <fixture> ...args` and expects success. */
async function exportOk(args: string[], env: Record<string, string | undefined> = {}) {
  const result = await runMain(['export', '--run', run, ...args], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result;
}

/** Runs an export that must fail with exit 2 and a single line naming the problem. */
async function exportFails(args: string[], env: Record<string, string | undefined> = {}) {
  const result = await runMain(['export', '--run', run, ...args], env);
  expect(result.code).toBe(2);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return result.stderr;
}

/** The priority rule, written out independently: first audience (in order) the customer belongs to. */
function expectedAudience(customer: FixtureCustomer, order: Array<[kind: 'segment' | 'rfm' | 'lifecycle', value: string | number, label: string]>): string | undefined {
  for (const [kind, value, label] of order) {
    if (kind === 'segment' && customer.segment === value) return label;
    if (kind === 'rfm' && customer.rfm === value) return label;
    if (kind === 'lifecycle' && customer.stage === value) return label;
  }
  return undefined;
}

describe('audience files', () => {
  it('by default: every customer, the default columns only, customer_id first', async () => {
    const out = join(tempDir(), 'all.csv');
    const result = await exportOk(['--out', out]);
    expect(result.stdout).toContain(`audience file: ${out} (${FIXTURE_CUSTOMERS.length} customers, csv)`);
    const header = readFileSync(out, 'utf8').split('\n')[0];
    expect(header).toBe('customer_id,segment_id,segment_name');
    expect(await readCsvRows(out)).toHaveLength(FIXTURE_CUSTOMERS.length);
  });

  it('one segment by id, by name, and by a name with quotes and semicolons (a parameter, never SQL)', async () => {
    const dir = tempDir();
    for (const [value, id] of [['0', 0], ['loyal regulars', 0], [HOSTILE_SEGMENT, 1]] as const) {
      const out = join(dir, `s${id}-${value.length}.csv`);
      await exportOk(['--segment', value, '--out', out]);
      const rows = await readCsvRows(out);
      expect(rows.map((r) => r.segment_id)).toEqual(FIXTURE_CUSTOMERS.filter((c) => c.segment === id).map(() => String(id)));
      expect(new Set(rows.map((r) => r.segment_name))).toEqual(new Set([FIXTURE_SEGMENTS[id].name]));
    }
  });

  it('several segments given as repeated flags and as one variadic flag give the same file', async () => {
    const dir = tempDir();
    await exportOk(['--segment', '0', '--segment', '2', '--out', join(dir, 'a.csv')]);
    await exportOk(['--segment', '0', '2', '--out', join(dir, 'b.csv')]);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe(readFileSync(join(dir, 'b.csv'), 'utf8'));
    expect((await readCsvRows(join(dir, 'a.csv'))).length).toBe(FIXTURE_CUSTOMERS.filter((c) => c.segment !== 1).length);
  });

  it('RFM segments and lifecycle stages select the customers that have them', async () => {
    const dir = tempDir();
    await exportOk(['--rfm-segment', 'At Risk', '--out', join(dir, 'rfm.csv'), '--columns', 'rfm_segment']);
    expect((await readCsvRows(join(dir, 'rfm.csv'))).map((r) => r.rfm_segment)).toEqual(FIXTURE_CUSTOMERS.filter((c) => c.rfm === 'At Risk').map(() => 'At Risk'));
    await exportOk(['--lifecycle', 'inactive', '--out', join(dir, 'inactive.csv')]);
    const ids = (await readCsvRows(join(dir, 'inactive.csv'))).length;
    expect(ids).toBe(FIXTURE_CUSTOMERS.filter((c) => c.stage === 'inactive').length);
    const manifest = readManifest(join(dir, 'inactive.csv.manifest.json'));
    expect(manifest.filters.lifecycle).toEqual(['inactive']);
    expect(manifest.rows.by_audience).toEqual({ 'lifecycle:inactive': ids });
  });

  it('unknown segments, RFM segments, stages and columns are exit 2 naming the value and the valid ones', async () => {
    const out = join(tempDir(), 'x.csv');
    expect(await exportFails(['--segment', 'Whales', '--out', out])).toMatch(/--segment "Whales": no such segment in this run; expected a name or id of: 0 "Loyal regulars", 1 .*, 2 /);
    expect(await exportFails(['--rfm-segment', 'Whales', '--out', out])).toMatch(/--rfm-segment "Whales": no such RFM segment; expected one of: Champions,/);
    expect(await exportFails(['--lifecycle', 'dormant', '--out', out])).toMatch(/--lifecycle "dormant": no such lifecycle stage; expected one of: inactive, at_risk, new, reactivated, active/);
    expect(await exportFails(['--columns', 'customer_id,email', '--out', out])).toMatch(/--columns: unknown column "email"; expected a comma-separated list of: customer_id, segment_id, segment_name, distance,/);
    expect(await exportFails(['--columns', `country"; DROP TABLE export_customers; --`, '--out', out])).toMatch(/unknown column "country\\"; DROP TABLE export_customers; --"/);
    expect(await exportFails(['--segment', `'; DROP TABLE export_customers; --`, '--out', out])).toMatch(/no such segment/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('one audience per customer', () => {
  const given: Array<['segment' | 'rfm' | 'lifecycle', string | number, string]> = [
    ['lifecycle', 'inactive', 'lifecycle:inactive'],
    ['rfm', 'At Risk', 'rfm:At Risk'],
    ['segment', 0, 'segment:Loyal regulars'],
  ];
  const flags = ['--lifecycle', 'inactive', '--rfm-segment', 'At Risk', '--segment', '0'];

  function expected(order: typeof given): Map<string, string> {
    const map = new Map<string, string>();
    for (const customer of FIXTURE_CUSTOMERS) {
      const audience = expectedAudience(customer, order);
      if (audience) map.set(customer.id, audience);
    }
    return map;
  }

  async function audiences(path: string): Promise<Map<string, string>> {
    const rows = await readCsvRows(path);
    const ids = rows.map((r) => r.customer_id!);
    expect(new Set(ids).size).toBe(ids.length);
    // The CSV neutralised formula-like ids; undo that to compare with the fixture.
    return new Map(rows.map((r) => [r.customer_id!.replace(/^'(?=[=+@-])/, ''), r.audience!]));
  }

  it('by default the order the filters were given decides, and an audience column says which', async () => {
    const out = join(tempDir(), 'given.csv');
    const result = await exportOk([...flags, '--out', out]);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('customer_id,segment_id,segment_name,audience');
    const want = expected(given);
    expect(await audiences(out)).toEqual(want);
    const manifest = readManifest(`${out}.manifest.json`);
    expect(manifest.filters.priority).toBe('given');
    expect(manifest.filters.audiences.map((a: { label: string }) => a.label)).toEqual(given.map((g) => g[2]));
    const several = FIXTURE_CUSTOMERS.filter((c) => given.filter(([kind, value]) => expectedAudience(c, [[kind, value, 'x']])).length > 1).length;
    expect(several).toBeGreaterThan(0);
    expect(manifest.rows).toMatchObject({ run_customers: FIXTURE_CUSTOMERS.length, matched: want.size, in_several_audiences: several, exported: want.size, suppressed: 0 });
    const counts = Object.fromEntries(given.map(([, , label]) => [label, [...want.values()].filter((v) => v === label).length]));
    expect(manifest.rows.by_audience).toEqual(counts);
    expect(result.stdout).toContain(`in several audiences, placed by priority (given): ${several}`);
  });

  it('the command-line order is across flags: the same filters in another order change the result', async () => {
    const out = join(tempDir(), 'reordered.csv');
    await exportOk(['--segment', '0', '--rfm-segment', 'At Risk', '--lifecycle', 'inactive', '--out', out]);
    const reversed = [...given].reverse();
    expect(await audiences(out)).toEqual(expected(reversed));
    expect(expected(reversed)).not.toEqual(expected(given));
  });

  it('--priority by kinds overrides the command-line order', async () => {
    const out = join(tempDir(), 'kinds.csv');
    await exportOk([...flags, '--priority', 'segment,rfm,lifecycle', '--out', out]);
    expect(await audiences(out)).toEqual(expected([given[2], given[1], given[0]]));
    expect(readManifest(`${out}.manifest.json`).filters.priority).toBe('segment,rfm,lifecycle');
    const partial = join(tempDir(), 'partial.csv');
    await exportOk([...flags, '--priority', 'rfm', '--out', partial]);
    expect(await audiences(partial)).toEqual(expected([given[1], given[0], given[2]]));
  });

  it('a bad --priority is exit 2', async () => {
    expect(await exportFails([...flags, '--priority', 'country', '--out', join(tempDir(), 'x.csv')])).toMatch(/--priority "country": unknown kind/);
  });
});

describe('columns', () => {
  it('--columns writes exactly those columns, customer_id first', async () => {
    const out = join(tempDir(), 'cols.csv');
    await exportOk(['--columns', 'revenue,lifecycle_stage,customer_id', '--out', out]);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('customer_id,revenue,lifecycle_stage');
    expect(readManifest(`${out}.manifest.json`).file.columns).toEqual(['customer_id', 'revenue', 'lifecycle_stage']);
  });

  it('audience can be asked for with a single filter, and is refused without filters', async () => {
    const out = join(tempDir(), 'aud.csv');
    await exportOk(['--segment', '2', '--columns', 'audience', '--out', out]);
    expect((await readCsvRows(out)).every((r) => r.audience === `segment:${FORMULA_SEGMENT}`)).toBe(true);
    expect(await exportFails(['--columns', 'audience', '--out', out])).toMatch(/audience needs --segment, --rfm-segment or --lifecycle/);
  });
});

describe('safe to open', () => {
  it('CSV: formulas, + and @ get an apostrophe in every text cell; -2 (a number) and plain text stay', async () => {
    const out = join(tempDir(), 'inject.csv');
    await exportOk(['--columns', 'segment_name,country,audience', '--segment', '0', '1', '2', '--out', out]);
    const rows = await readCsvRows(out);
    const ids = rows.map((r) => r.customer_id);
    expect(ids).toContain(`'${HYPERLINK_ID}`);
    expect(ids).toContain("'+1");
    expect(ids).toContain('-2');
    expect(ids).toContain("'@x");
    expect(ids).toContain("'-x");
    expect(ids).toContain('Müller-7');
    expect(ids).toContain('C01');
    expect(rows.map((r) => r.segment_name)).toContain(`'${FORMULA_SEGMENT}`);
    expect(rows.map((r) => r.segment_name)).toContain(HOSTILE_SEGMENT);
    expect(rows.map((r) => r.country)).toContain("'=1+2");
    // audience labels start with their kind, so a formula segment name is harmless there
    expect(rows.map((r) => r.audience)).toContain(`segment:${FORMULA_SEGMENT}`);
    for (const row of rows) {
      for (const cell of Object.values(row)) {
        if (cell === null) continue;
        const dangerous = /^[=+@\t\r]/.test(cell) || (/^-/.test(cell) && Number.isNaN(Number(cell)));
        expect(dangerous, `cell ${JSON.stringify(cell)}`).toBe(false);
      }
    }
  });

  it('JSON, Parquet and Arrow keep values as they are (programs read them; an apostrophe would change the id)', async () => {
    const dir = tempDir();
    await exportOk(['--columns', 'segment_name,revenue', '--out', join(dir, 'a.json')]);
    await exportOk(['--columns', 'segment_name,revenue', '--out', join(dir, 'a.parquet')]);
    await exportOk(['--columns', 'segment_name,revenue', '--format', 'parquet', '--out', join(dir, 'parquet.bin')]);
    await exportOk(['--columns', 'segment_name,revenue', '--out', join(dir, 'a.feather')]);
    await exportOk(['--columns', 'segment_name,revenue', '--format', 'arrow', '--out', join(dir, 'arrow.bin')]);
    const files = [['a.json', 'json'], ['a.parquet', 'parquet'], ['parquet.bin', 'parquet'], ['a.feather', 'arrow'], ['arrow.bin', 'arrow']] as const;
    for (const [file, format] of files) {
      const rows = await readRows(join(dir, file), format);
      expect(rows.map((r) => r.customer_id).sort()).toEqual(FIXTURE_CUSTOMERS.map((c) => c.id).sort());
      expect(rows.find((r) => r.customer_id === '+1')).toMatchObject({ segment_name: HOSTILE_SEGMENT, revenue: 800 });
      expect(readManifest(join(dir, `${file}.manifest.json`)).file.format).toBe(format);
    }
    expect(readFileSync(join(dir, 'a.json'), 'utf8').trimStart().startsWith('[')).toBe(true);
    // Arrow rows come in customer_id order, like every other format.
    const arrowIds = (await readRows(join(dir, 'a.feather'), 'arrow')).map((r) => r.customer_id as string);
    const parquetIds = (await readRows(join(dir, 'a.parquet'), 'parquet')).map((r) => r.customer_id as string);
    expect(arrowIds).toEqual(parquetIds);
  });

  it('--bom puts the UTF-8 byte order mark before exactly the same CSV', async () => {
    const dir = tempDir();
    await exportOk(['--out', join(dir, 'plain.csv'), '--columns', 'country']);
    await exportOk(['--out', join(dir, 'bom.csv'), '--columns', 'country', '--bom']);
    const plain = readFileSync(join(dir, 'plain.csv'));
    const bom = readFileSync(join(dir, 'bom.csv'));
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bom.subarray(3).equals(plain)).toBe(true);
    expect(plain.toString('utf8')).toContain('Österreich');
    expect(readManifest(join(dir, 'bom.csv.manifest.json')).file).toMatchObject({ bom: true, sha256: createHash('sha256').update(bom).digest('hex') });
    expect(await exportFails(['--out', join(dir, 'x.json'), '--bom'])).toMatch(/--bom: only CSV files take a byte order mark, but the format is json/);
  });

  it('writes atomically: no temporary files stay, and a failed export leaves the previous file as it was', async () => {
    const dir = tempDir();
    const out = join(dir, 'audience.csv');
    await exportOk(['--out', out]);
    const before = readFileSync(out);
    const manifestBefore = readFileSync(`${out}.manifest.json`);
    writeFileSync(join(dir, 'bad.csv'), 'email,reason\na@x,b\n');
    expect(await exportFails(['--out', out, '--suppress', join(dir, 'bad.csv')])).toMatch(/a CSV needs a customer_id column/);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readFileSync(`${out}.manifest.json`).equals(manifestBefore)).toBe(true);
    expect(temporaryFiles(dir)).toEqual([]);
  });

  it('refuses to write into the run directory, onto a directory, or compressed files', async () => {
    expect(await exportFails(['--out', join(run, 'customers.csv')])).toMatch(/is inside the run directory .*, which the next discover or refresh replaces as a whole/);
    expect(await exportFails(['--out', join(run, 'migration.csv')])).toMatch(/is inside the run directory/);
    expect(await exportFails(['--out', join(run, 'audiences', 'winback.csv')])).toMatch(/is inside the run directory/);
    expect(await exportFails(['--profiles', '--out', run])).toMatch(/is inside the run directory/);
    expect(existsSync(join(run, 'audiences'))).toBe(false);
    expect(existsSync(join(run, 'profiles.md'))).toBe(false);
    expect(await exportFails(['--out', tempDir()])).toMatch(/is a directory; expected a file name/);
    expect(await exportFails(['--out', join(tempDir(), 'a.csv.gz')])).toMatch(/compressed output is not supported/);
  });
});

describe('privacy', () => {
  const hmac = (key: string, id: string) => createHmac('sha256', key).update(id, 'utf8').digest('hex');

  it('--pseudonymize: HMAC-SHA256 of the id with the key, lower-case hex, sorted by pseudonym', async () => {
    const out = join(tempDir(), 'p.csv');
    const result = await exportOk(['--pseudonymize', '--out', out], { SEGMENTA_PSEUDONYM_KEY: KEY });
    expect(result.stdout).toContain('pseudonymised ids');
    const rows = await readCsvRows(out);
    const want = FIXTURE_CUSTOMERS.map((c) => hmac(KEY, c.id)).sort();
    expect(rows.map((r) => r.customer_id)).toEqual(want);
    for (const row of rows) expect(row.customer_id).toMatch(/^[0-9a-f]{64}$/);
    const text = readFileSync(out, 'utf8');
    for (const c of FIXTURE_CUSTOMERS.filter((c) => c.id.length > 2)) expect(text).not.toContain(c.id);
    const manifest = readManifest(`${out}.manifest.json`);
    expect(manifest.pseudonymized).toBe(true);
    expect(manifest.pseudonym).toMatchObject({ algorithm: 'HMAC-SHA256', key_env: 'SEGMENTA_PSEUDONYM_KEY' });
    expect(JSON.stringify(manifest)).not.toContain(KEY);
  });

  it('is stable across runs with the same key and different with another key', async () => {
    const dir = tempDir();
    await exportOk(['--pseudonymize', '--out', join(dir, 'a.csv')], { SEGMENTA_PSEUDONYM_KEY: KEY });
    await exportOk(['--pseudonymize', '--out', join(dir, 'b.csv')], { SEGMENTA_PSEUDONYM_KEY: KEY });
    await exportOk(['--pseudonymize', '--out', join(dir, 'c.csv')], { SEGMENTA_PSEUDONYM_KEY: OTHER_KEY });
    const a = readFileSync(join(dir, 'a.csv'), 'utf8');
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe(a);
    const ids = (text: string) => new Set(text.trim().split('\n').slice(1).map((l) => l.split(',')[0]));
    const other = ids(readFileSync(join(dir, 'c.csv'), 'utf8'));
    expect([...ids(a)].filter((id) => other.has(id))).toEqual([]);
    const fingerprint = (f: string) => readManifest(join(dir, `${f}.manifest.json`)).pseudonym.key_fingerprint;
    expect(fingerprint('a.csv')).toBe(fingerprint('b.csv'));
    expect(fingerprint('a.csv')).not.toBe(fingerprint('c.csv'));
  });

  it('refuses to run without the key (exit 2) and writes nothing', async () => {
    const out = join(tempDir(), 'p.csv');
    expect(await exportFails(['--pseudonymize', '--out', out], { SEGMENTA_PSEUDONYM_KEY: undefined })).toBe(
      'segmenta: --pseudonymize needs a secret key in the environment variable SEGMENTA_PSEUDONYM_KEY; it is not set\n',
    );
    expect(await exportFails(['--pseudonymize', '--out', out], { SEGMENTA_PSEUDONYM_KEY: '' })).toMatch(/needs a secret key/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.manifest.json`)).toBe(false);
  });

  it('warns about a short key but still runs', async () => {
    const result = await runMain(['export', '--run', run, '--pseudonymize', '--out', join(tempDir(), 'p.csv')], { SEGMENTA_PSEUDONYM_KEY: 'abc' });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^segmenta: warning: SEGMENTA_PSEUDONYM_KEY is 3 bytes; use at least 32/);
  });

  it('--suppress leaves listed customers out and counts those that would have been exported', async () => {
    const dir = tempDir();
    // Two listed customers are in the audience, one is in the run but not the audience, one is not in the run.
    writeFileSync(join(dir, 'optout.txt'), `C01\n-2\r\n\n${HYPERLINK_ID}\nC11\nNOT-A-CUSTOMER\n`);
    const out = join(dir, 'seg01.csv');
    const result = await exportOk(['--segment', '0', '1', '--suppress', join(dir, 'optout.txt'), '--out', out]);
    const ids = (await readCsvRows(out)).map((r) => r.customer_id);
    const audience = FIXTURE_CUSTOMERS.filter((c) => c.segment !== 2);
    expect(ids).toHaveLength(audience.length - 3);
    expect(ids).not.toContain('C01');
    expect(ids).not.toContain('-2');
    expect(ids).not.toContain(`'${HYPERLINK_ID}`);
    const manifest = readManifest(`${out}.manifest.json`);
    expect(manifest.rows).toMatchObject({ matched: audience.length, suppressed: 3, exported: audience.length - 3 });
    expect(manifest.suppression).toMatchObject({ shape: 'lines', ids: 5, ids_not_in_run: 1, sha256: createHash('sha256').update(readFileSync(join(dir, 'optout.txt'))).digest('hex') });
    expect(result.stdout).toContain('suppressed: 3 customers on the suppression list (5 ids on it, 1 not in this run)');
  });

  it('--suppress takes a CSV with a customer_id column, and a list that went through a segmenta CSV', async () => {
    const dir = tempDir();
    // A segmenta CSV export used as the suppression list: ids carry the injection apostrophe.
    await exportOk(['--segment', '1', '--out', join(dir, 'seg1.csv')]);
    const out = join(dir, 'all.csv');
    await exportOk(['--suppress', join(dir, 'seg1.csv'), '--out', out]);
    const ids = (await readCsvRows(out)).map((r) => r.customer_id?.replace(/^'/, ''));
    expect(ids.sort()).toEqual(FIXTURE_CUSTOMERS.filter((c) => c.segment !== 1).map((c) => c.id).sort());
    expect(readManifest(`${out}.manifest.json`).suppression).toMatchObject({ shape: 'csv', ids: 5, ids_not_in_run: 0 });
    expect(readManifest(`${out}.manifest.json`).rows.suppressed).toBe(5);
  });

  it('--suppress matches raw ids even when the output is pseudonymised', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'optout.txt'), 'C01\nC02\n');
    const out = join(dir, 'p.csv');
    await exportOk(['--pseudonymize', '--suppress', join(dir, 'optout.txt'), '--out', out], { SEGMENTA_PSEUDONYM_KEY: KEY });
    const ids = new Set((await readCsvRows(out)).map((r) => r.customer_id));
    expect(ids.size).toBe(FIXTURE_CUSTOMERS.length - 2);
    expect(ids.has(hmac(KEY, 'C01'))).toBe(false);
    expect(ids.has(hmac(KEY, 'C03'))).toBe(true);
  });

  it('a missing suppression file is exit 2', async () => {
    expect(await exportFails(['--suppress', join(tempDir(), 'nope.txt'), '--out', join(tempDir(), 'x.csv')])).toMatch(/--suppress ".*nope.txt": no such file/);
  });
});

describe('export manifest', () => {
  it('records the source run, filters, counts, pseudonymisation and the sha256 of the file', async () => {
    const out = join(tempDir(), 'm.parquet');
    await exportOk(['--lifecycle', 'inactive', '--out', out]);
    const manifest = readManifest(`${out}.manifest.json`);
    expect(manifest).toMatchObject({
      format: 'segmenta.export-manifest/v1',
      kind: 'audience',
      source: { run, input_sha256: FIXTURE_INPUT_SHA, input_path: '/data/fixture.csv', as_of: '2011-12-09', customers: FIXTURE_CUSTOMERS.length },
      file: { path: out, format: 'parquet', bom: false, columns: ['customer_id', 'segment_id', 'segment_name'], bytes: readFileSync(out).length },
      filters: { segments: [], rfm_segments: [], lifecycle: ['inactive'], priority: 'given' },
      suppression: null,
      pseudonymized: false,
      pseudonym: null,
    });
    expect(manifest.file.sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    expect(Date.parse(manifest.created_at)).not.toBeNaN();
  });

  it('records segments by id and name', async () => {
    const out = join(tempDir(), 's.csv');
    await exportOk(['--segment', HOSTILE_SEGMENT, '--segment', '0', '--out', out]);
    expect(readManifest(`${out}.manifest.json`).filters.segments).toEqual([
      { id: 1, name: HOSTILE_SEGMENT },
      { id: 0, name: 'Loyal regulars' },
    ]);
  });
});

describe('flag combinations', () => {
  it('--profiles refuses audience flags, and --lang needs --profiles', async () => {
    const out = tempDir();
    expect(await exportFails(['--profiles', '--segment', '1', '--bom', '--out', out])).toMatch(/--profiles writes the profile sheet; --segment, --bom apply to audience files only/);
    expect(await exportFails(['--lang', 'de', '--out', join(out, 'a.csv')])).toMatch(/--lang only applies to --profiles/);
    expect(await exportFails(['--profiles', '--lang', 'fr', '--out', out])).toMatch(/--lang "fr": expected one of: en, de/);
  });

  it('a run directory that is missing or incomplete is exit 2', async () => {
    const result = await runMain(['export', '--run', join(tempDir(), 'none'), '--out', join(tempDir(), 'x.csv')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--run ".*none": no such run directory/);
    const empty = tempDir();
    const second = await runMain(['export', '--run', empty, '--out', join(tempDir(), 'x.csv')]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/not a run directory, customers.parquet is missing/);
  });
});
