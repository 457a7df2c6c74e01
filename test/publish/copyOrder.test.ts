import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { sqlFile } from '../../src/db/sqlFile.ts';
import { copyCsv, copyTableCsv, scansInOrder } from '../../src/publish/publishRun.ts';
import { tempDir } from '../helpers/files.ts';

let db: Database;
beforeEach(async () => {
  db = await openDatabase({ threads: 2 });
  await db.connection.run(sqlFile('macros'));
});
afterEach(() => db.close());

/** The file copyCsv writes (always sorting) and the one copyTableCsv writes, as text. */
async function bothWays(table: string, textColumns: string[], orderBy: string): Promise<[string, string]> {
  const dir = tempDir();
  await copyCsv(db.connection, `SELECT * FROM ${table}`, textColumns, join(dir, 'sorted.csv'), orderBy);
  await copyTableCsv(db.connection, table, textColumns, join(dir, 'table.csv'), orderBy);
  return [readFileSync(join(dir, 'sorted.csv'), 'utf8'), readFileSync(join(dir, 'table.csv'), 'utf8')];
}

describe('scansInOrder', () => {
  it('sees the order a table was built in', async () => {
    await db.connection.run('CREATE TABLE up AS SELECT i, i::VARCHAR AS s FROM range(300000) r(i) ORDER BY i');
    await db.connection.run('CREATE TABLE down AS SELECT i FROM range(300000) r(i) ORDER BY i DESC');
    await db.connection.run('CREATE TABLE holes AS SELECT CASE WHEN i = 5 THEN NULL ELSE i END AS i FROM range(10) r(i) ORDER BY i');
    await db.connection.run('CREATE TABLE empty (i INTEGER)');
    expect(await scansInOrder(db.connection, 'up', 'i')).toBe(true);
    // Text sorts as text: '10' before '9'.
    expect(await scansInOrder(db.connection, 'up', 's')).toBe(false);
    expect(await scansInOrder(db.connection, 'down', 'i')).toBe(false);
    expect(await scansInOrder(db.connection, 'holes', 'i')).toBe(false);
    expect(await scansInOrder(db.connection, 'empty', 'i')).toBe(true);
  });

  it('is false when DuckDB may reorder scans', async () => {
    await db.connection.run('CREATE TABLE up AS SELECT i FROM range(1000) r(i) ORDER BY i');
    await db.connection.run('SET preserve_insertion_order = false');
    expect(await scansInOrder(db.connection, 'up', 'i')).toBe(false);
  });
});

describe('copyTableCsv', () => {
  it('writes what the sorting copy writes when the table is stored in order (several row groups)', async () => {
    await db.connection.run(
      `CREATE TABLE customers AS SELECT 'C' || lpad(i::VARCHAR, 7, '0') AS customer_id, i % 7 AS segment_id,
              CASE WHEN i % 11 = 0 THEN '=cmd' ELSE 'UK' END AS country
       FROM range(300000) r(i) ORDER BY customer_id`,
    );
    const [sorted, table] = await bothWays('customers', ['customer_id', 'country'], 'customer_id');
    expect(table).toBe(sorted);
    expect(table.split('\n')[1]).toBe("C0000000,0,'=cmd");
  });

  it('sorts on the neutralised id, which is not the stored order when an id gets an apostrophe', async () => {
    // Stored by raw id: '1', '2', '=x'; neutralised, "'=x" sorts first.
    await db.connection.run(`CREATE TABLE customers AS SELECT * FROM (VALUES ('1', 'a'), ('=x', 'b'), ('2', 'c')) t(customer_id, v) ORDER BY customer_id`);
    const [sorted, table] = await bothWays('customers', ['customer_id'], 'customer_id');
    expect(table).toBe(sorted);
    expect(table).toBe("customer_id,v\n'=x,b\n1,a\n2,c\n");
  });

  it('sorts a table that is not stored in order', async () => {
    await db.connection.run('CREATE TABLE rejects AS SELECT i AS row_number, (i % 13)::VARCHAR AS detail FROM range(300000) r(i) ORDER BY i % 1000, i');
    const [sorted, table] = await bothWays('rejects', ['detail'], 'row_number');
    expect(table).toBe(sorted);
    expect(table.split('\n').slice(1, 4)).toEqual(['0,0', '1,1', '2,2']);
  });
});
