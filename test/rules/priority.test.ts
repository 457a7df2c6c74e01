import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { assignPriorityAudiences, loadPriorityRules, parsePriorityRules, PRIORITY_FORMAT, type PriorityRules } from '../../src/rules/priority.ts';
import { tempDir } from '../helpers/files.ts';
import { rowsOf } from '../helpers/pipeline.ts';

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

const SEGMENTS = [
  { id: 0, name: 'Champions' },
  { id: 1, name: 'Loyal regulars' },
  { id: 2, name: 'Lapsed one-timers' },
];

/**
 * Ten customers: c01 has the most revenue, c10 the least. c03 is a large
 * company (annual revenue 80 M) with little revenue with us.
 */
async function customers(options: { withMaster?: boolean } = {}) {
  db = await openDatabase();
  const master = options.withMaster !== false;
  await db.connection.run(`CREATE TABLE customers AS
    SELECT 'c' || lpad(i::VARCHAR, 2, '0') AS customer_id,
           (1100 - i * 100)::DOUBLE AS revenue,
           ['active', 'at_risk', 'inactive', 'new', 'active', 'at_risk', 'active', 'new', 'inactive', 'active'][i] AS lifecycle_stage,
           [0, 0, 2, 1, 1, 1, 2, 2, 1, 0][i] AS segment_id,
           ['Champions', 'Champions', 'Lapsed one-timers', 'Loyal regulars', 'Loyal regulars', 'Loyal regulars', 'Lapsed one-timers', 'Lapsed one-timers', 'Loyal regulars', 'Champions'][i] AS segment_name,
           'Loyal' AS rfm_segment
           ${master ? `, CASE WHEN i = 3 THEN 80000000 ELSE 1000000 END::DOUBLE AS annual_revenue, CASE WHEN i = 3 THEN 'large' ELSE 'small' END AS size_class` : ''}
    FROM range(1, 11) t(i)`);
  return db.connection;
}

const EXAMPLE: PriorityRules = loadPriorityRules(new URL('../../config/priority.example.json', import.meta.url).pathname);

describe('priority rules', () => {
  it('put every customer in the first audience it qualifies for: key accounts, then lifecycle, then segment', async () => {
    const connection = await customers();
    const result = await assignPriorityAudiences(connection, 'customers', EXAMPLE, SEGMENTS, { matches: 'm', selected: 's' });
    const selected = Object.fromEntries((await rowsOf(connection, 'SELECT * FROM s ORDER BY customer_id')).map((r) => [r.customer_id, r.audience]));
    expect(selected).toEqual({
      c01: 'key_accounts', // top 5 % of 10 customers by revenue = the top 1 (ceil)
      c02: 'lifecycle:at_risk',
      c03: 'key_accounts', // a large company by its own turnover
      c04: 'lifecycle:new',
      c05: 'segment:Loyal regulars',
      c06: 'lifecycle:at_risk',
      c07: 'segment:Lapsed one-timers',
      c08: 'lifecycle:new',
      c09: 'lifecycle:inactive',
      c10: 'segment:Champions',
    });
    expect(result.customers).toBe(10);
    expect(result.matched).toBe(10);
    // Everyone is also in a segment; c03 is a key account twice over (one audience), and inactive.
    expect(result.several).toBe(7);
    expect(result.audiences.map((a) => [a.label, a.customers])).toEqual([
      ['key_accounts', 2],
      ['lifecycle:at_risk', 2],
      ['lifecycle:inactive', 1],
      ['lifecycle:new', 2],
      ['segment:Champions', 1],
      ['segment:Loyal regulars', 1],
      ['segment:Lapsed one-timers', 1],
    ]);
  });

  it('take conditions on master columns, segments by name and values in the given order', async () => {
    const connection = await customers();
    const rules = parsePriorityRules(
      {
        format: PRIORITY_FORMAT,
        rules: [
          { audience: 'small_loyal', when: { size_class: ['small'], segment: ['loyal regulars'], revenue_at_least: 600 } },
          { by: 'segment', values: [2, 'Champions'], when: { revenue_at_least: 500 } },
        ],
      },
      'test',
    );
    await assignPriorityAudiences(connection, 'customers', { path: 'p.json', rules }, SEGMENTS, { matches: 'm', selected: 's' });
    // Revenue 1000, 900, … 100 for c01 … c10; c06 (500, Loyal) fits neither rule and gets no audience.
    expect(await rowsOf(connection, 'SELECT customer_id, audience FROM s ORDER BY customer_id')).toEqual([
      { customer_id: 'c01', audience: 'segment:Champions' },
      { customer_id: 'c02', audience: 'segment:Champions' },
      { customer_id: 'c03', audience: 'segment:Lapsed one-timers' },
      { customer_id: 'c04', audience: 'small_loyal' },
      { customer_id: 'c05', audience: 'small_loyal' },
    ]);
  });

  it('refuse what the run cannot answer, naming the file, the rule and the column', async () => {
    const connection = await customers({ withMaster: false });
    await expect(assignPriorityAudiences(connection, 'customers', EXAMPLE, SEGMENTS, { matches: 'm', selected: 's' })).rejects.toThrow(
      /^--priority ".*priority\.example\.json": rules\[1\] annual_revenue_at_least needs the column annual_revenue, which the run's customer table does not have; run discover with --customers$/,
    );
    const rules = parsePriorityRules({ format: PRIORITY_FORMAT, rules: [{ by: 'segment', values: ['Nobody'] }] }, 'test');
    await expect(assignPriorityAudiences(connection, 'customers', { path: 'p.json', rules }, SEGMENTS, { matches: 'm', selected: 's' })).rejects.toThrow(
      /rules\[0\]: no segment "Nobody" in this run; expected an id or name of: 0 "Champions"/,
    );
    const stages = parsePriorityRules({ format: PRIORITY_FORMAT, rules: [{ by: 'lifecycle_stage', values: ['sleeping'] }] }, 'test');
    await expect(assignPriorityAudiences(connection, 'customers', { path: 'p.json', rules: stages }, SEGMENTS, { matches: 'm', selected: 's' })).rejects.toThrow(
      /unknown lifecycle stage "sleeping"; expected one of: /,
    );
  });

  it('check the file: format, keys and values, in one line', () => {
    const dir = tempDir();
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    expect(() => loadPriorityRules(join(dir, 'none.json'))).toThrow(/^--priority ".*none\.json": no such file$/);
    expect(() => loadPriorityRules(write('bad.json', '{'))).toThrow(/^--priority ".*bad\.json": not valid JSON: /);
    expect(() => loadPriorityRules(write('v0.json', '{"format":"x","rules":[]}'))).toThrow(/: format: invalid literal value, expected "segmenta\.priority\/v1"$/);
    expect(() => parsePriorityRules({ format: PRIORITY_FORMAT, rules: [{ audience: 'x', when: { revenue_top_share: 2 } }] }, 'f')).toThrow(
      /^f: rules\[0\]\.when\.revenue_top_share: number must be less than or equal to 1$/,
    );
    expect(() => parsePriorityRules({ format: PRIORITY_FORMAT, rules: [{ audience: 'x', when: { size: ['small'] } }] }, 'f')).toThrow(
      /^f: rules\[0\]\.when: unrecognized key\(s\) in object: 'size'$/,
    );
    expect(() => parsePriorityRules({ format: PRIORITY_FORMAT, rules: [{ by: 'country' }] }, 'f')).toThrow(/^f: rules\[0\]/);
  });
});
