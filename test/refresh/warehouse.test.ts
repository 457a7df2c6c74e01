import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { queryRows } from '../../src/db/query.ts';
import { sqlFile } from '../../src/db/sqlFile.ts';
import { buildMigration, writeMigrationCsv } from '../../src/refresh/migration.ts';
import { attachWarehouse, detachWarehouse, hasRun, loadSegmentHistory, recordRun, type RunRecord } from '../../src/warehouse/warehouse.ts';
import { tempDir } from '../helpers/files.ts';

let db: Database;
beforeEach(async () => {
  db = await openDatabase();
  await db.connection.run(sqlFile('macros'));
});
afterEach(() => db.close());

function run(asOf: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    pipeline: '/srv/segments',
    as_of: asOf,
    command: 'refresh',
    retrained: false,
    model_as_of: '2011-09-30',
    customers: 100,
    k: 2,
    input_sha256: 'abc',
    max_psi: 0.1,
    max_centroid_shift: 0.2,
    moved: 7,
    published_at: '2011-10-31T03:00:00.000Z',
    segmenta_version: '0.1.0',
    ...extra,
  };
}

const segments = (a: number, b: number) => [
  { segment_id: 0, segment: 'Champions', customers: a, share: a / (a + b), revenue: a * 10, revenue_share: 0.5 },
  { segment_id: 1, segment: 'Lapsed', customers: b, share: b / (a + b), revenue: b * 10, revenue_share: 0.5 },
];

describe('warehouse', () => {
  it('creates its tables in a fresh database and records runs, segments and drift', async () => {
    const c = db.connection;
    await attachWarehouse(c, ':memory:');
    expect(await hasRun(c, '/srv/segments', '2011-10-31')).toBe(false);
    await recordRun(c, run('2011-10-31', { retrained: null }), segments(60, 40), [{ feature: 'recency_days', psi: 0.05 }]);
    expect(await hasRun(c, '/srv/segments', '2011-10-31')).toBe(true);
    expect(await hasRun(c, '/other', '2011-10-31')).toBe(false);
    const [row] = await queryRows<Record<string, unknown>>(c, "SELECT strftime(as_of, '%Y-%m-%d') AS as_of, retrained, customers, moved FROM warehouse.runs");
    expect(row).toEqual({ as_of: '2011-10-31', retrained: null, customers: 100, moved: 7 });
    expect(await queryRows(c, 'SELECT feature, psi FROM warehouse.feature_drift')).toEqual([{ feature: 'recency_days', psi: 0.05 }]);
    await detachWarehouse(c);
  });

  it('replaces a re-run of the same as-of instead of adding to it, and keeps outputs apart', async () => {
    const c = db.connection;
    await attachWarehouse(c, ':memory:');
    await recordRun(c, run('2011-10-31'), segments(60, 40), []);
    await recordRun(c, run('2011-11-30'), segments(70, 40), []);
    await recordRun(c, run('2011-10-31', { customers: 101 }), segments(61, 40), []);
    await recordRun(c, run('2011-10-31', { pipeline: '/elsewhere' }), segments(1, 1), []);
    const rows = await queryRows<{ as_of: string; customers: number }>(
      c,
      "SELECT strftime(as_of, '%Y-%m-%d') AS as_of, customers FROM warehouse.runs WHERE pipeline = '/srv/segments' ORDER BY as_of",
    );
    expect(rows).toEqual([
      { as_of: '2011-10-31', customers: 101 },
      { as_of: '2011-11-30', customers: 100 },
    ]);
    await loadSegmentHistory(c, '/srv/segments', '2011-11-30');
    const history = await queryRows<{ as_of: string; segment: string; customers: number }>(c, 'SELECT as_of, segment, customers FROM segment_history');
    expect(history).toEqual([
      { as_of: '2011-10-31', segment: 'Champions', customers: 61 },
      { as_of: '2011-10-31', segment: 'Lapsed', customers: 40 },
      { as_of: '2011-11-30', segment: 'Champions', customers: 70 },
      { as_of: '2011-11-30', segment: 'Lapsed', customers: 40 },
    ]);
    // History stops at the run's own as-of date.
    await loadSegmentHistory(c, '/srv/segments', '2011-10-31');
    expect((await queryRows(c, 'SELECT * FROM segment_history')).length).toBe(2);
  });

  it('rolls a run back with its transaction (a refresh killed before its publish)', async () => {
    const dir = tempDir();
    const file = join(dir, 'warehouse.duckdb');
    const c = db.connection;
    await attachWarehouse(c, file);
    await recordRun(c, run('2011-10-31'), segments(60, 40), []);
    await c.run('BEGIN TRANSACTION');
    await recordRun(c, run('2011-11-30'), segments(70, 40), []);
    await c.run('ROLLBACK');
    await detachWarehouse(c);
    await attachWarehouse(c, file);
    expect(await hasRun(c, '/srv/segments', '2011-10-31')).toBe(true);
    expect(await hasRun(c, '/srv/segments', '2011-11-30')).toBe(false);
    await detachWarehouse(c);
  });
});

describe('migration', () => {
  /** Previous run: a1..a4 in segment 0, b1..b3 in segment 1, g1 (gone now) in 1. This run: n1 is new. */
  async function tables() {
    const c = db.connection;
    await c.run(`CREATE TABLE previous_customers AS SELECT * FROM (VALUES
      ('a1', 0, 'Champions', 10.0), ('a2', 0, 'Champions', 20.0), ('a3', 0, 'Champions', 30.0), ('a4', 0, 'Champions', 40.0),
      ('b1', 1, 'Lapsed', 1.0), ('b2', 1, 'Lapsed', 2.0), ('b3', 1, 'Lapsed', 3.0), ('g1', 1, 'Lapsed', 5.0)
    ) t(customer_id, segment_id, segment_name, revenue)`);
    await c.run(`CREATE TABLE customers_out AS SELECT * FROM (VALUES
      ('a1', 0, 'Champions', 11.0), ('a2', 0, 'Champions', 21.0), ('a3', 1, 'Lapsed', 30.0), ('a4', 0, 'Champions', 44.0),
      ('b1', 1, 'Lapsed', 1.0), ('b2', 0, 'Champions', 9.0), ('b3', 1, 'Lapsed', 3.0), ('n1', 1, 'Lapsed', 7.0)
    ) t(customer_id, segment_id, segment_name, revenue)`);
  }

  it('counts who stayed, moved, arrived and left, and the cells add up to the customers in both runs', async () => {
    await tables();
    const summary = await buildMigration(db.connection);
    expect(summary).toEqual({ in_both: 7, stayed: 5, moved: 2, new_customers: 1, gone_customers: 1 });
    const cells = await queryRows<{ previous_segment_id: number | null; segment_id: number | null; customers: number; revenue: number; previous_revenue: number }>(
      db.connection,
      'SELECT previous_segment_id, segment_id, customers, revenue, previous_revenue FROM segment_migration',
    );
    expect(cells).toEqual([
      { previous_segment_id: 0, segment_id: 0, customers: 3, revenue: 76, previous_revenue: 70 },
      { previous_segment_id: 0, segment_id: 1, customers: 1, revenue: 30, previous_revenue: 30 },
      { previous_segment_id: 1, segment_id: 0, customers: 1, revenue: 9, previous_revenue: 2 },
      { previous_segment_id: 1, segment_id: 1, customers: 2, revenue: 4, previous_revenue: 4 },
      { previous_segment_id: null, segment_id: 1, customers: 1, revenue: 7, previous_revenue: 0 },
      { previous_segment_id: 1, segment_id: null, customers: 1, revenue: 0, previous_revenue: 5 },
    ]);
    const both = cells.filter((r) => r.previous_segment_id !== null && r.segment_id !== null);
    expect(both.reduce((a, r) => a + r.customers, 0)).toBe(summary.in_both);
  });

  it('lists every pair of segments, with 0 where nobody moved', async () => {
    await tables();
    await db.connection.run("UPDATE customers_out SET segment_id = 0, segment_name = 'Champions' WHERE customer_id = 'a3'");
    await buildMigration(db.connection);
    const cell = await queryRows(db.connection, 'SELECT customers FROM segment_migration WHERE previous_segment_id = 0 AND segment_id = 1');
    expect(cell).toEqual([{ customers: 0 }]);
  });

  it('adds each customer’s previous segment to customers_out and writes migration.csv', async () => {
    await tables();
    await buildMigration(db.connection);
    const rows = await queryRows<{ customer_id: string; previous_segment_id: number | null; previous_segment: string | null }>(
      db.connection,
      'SELECT customer_id, previous_segment_id, previous_segment FROM customers_out ORDER BY customer_id',
    );
    expect(rows.find((r) => r.customer_id === 'b2')).toEqual({ customer_id: 'b2', previous_segment_id: 1, previous_segment: 'Lapsed' });
    expect(rows.find((r) => r.customer_id === 'n1')).toEqual({ customer_id: 'n1', previous_segment_id: null, previous_segment: null });
    expect(rows.map((r) => r.customer_id)).not.toContain('g1');
    const path = join(tempDir(), 'migration.csv');
    await writeMigrationCsv(db.connection, path);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('previous_segment_id,previous_segment,segment_id,segment,customers,revenue,previous_revenue');
    expect(lines[1]).toBe('0,Champions,0,Champions,3,76.0,70.0');
    expect(lines.at(-2)).toBe(',,1,Lapsed,1,7.0,0.0');
    expect(lines.at(-1)).toBe('1,Lapsed,,,1,0.0,5.0');
  });
});
