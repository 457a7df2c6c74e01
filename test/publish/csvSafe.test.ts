import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listValue } from '@duckdb/node-api';
import { openDatabase } from '../../src/db/database.ts';
import { sqlFile } from '../../src/db/sqlFile.ts';
import { queryRows } from '../../src/db/query.ts';
import { quoteLiteral } from '../../src/db/quote.ts';
import { tempDir } from '../helpers/files.ts';

/** OWASP's rule as first written (a regex on the first character); the macro must give exactly this. */
const REFERENCE = `CASE WHEN regexp_matches(txt, '^[=+\\-@\\t\\r]') AND try_cast(txt AS DOUBLE) IS NULL THEN '''' || txt ELSE txt END`;

const CELLS = [
  '=SUM(A1)', '+49 30 1234', '-', '-5', '-5.5e3', '+7', '@cmd', '\tx', '\rx', '\t', '\r', '\n=x', ' =x',
  '', 'plain', 'C123', "'=x", 'é=', '€', '=', '+', '@', '- 5', '-inf', '+nan', '=1', '12', 'x=1',
];

describe('csv_safe', () => {
  it('neutralises exactly the cells the regex rule neutralises, NULL stays NULL', async () => {
    const db = await openDatabase();
    try {
      await db.connection.run(sqlFile('macros'));
      const rows = await queryRows<{ txt: string | null; safe: string | null; reference: string | null }>(
        db.connection,
        `SELECT txt, csv_safe(txt) AS safe, ${REFERENCE} AS reference FROM (SELECT unnest($cells::VARCHAR[]) AS txt UNION ALL SELECT NULL)`,
        { cells: listValue(CELLS) },
      );
      expect(rows).toHaveLength(CELLS.length + 1);
      for (const row of rows) expect(row.safe, JSON.stringify(row.txt)).toBe(row.reference);
      const byCell = new Map(rows.map((row) => [row.txt, row.safe]));
      expect(byCell.get('=SUM(A1)')).toBe("'=SUM(A1)");
      expect(byCell.get('-5')).toBe('-5');
      expect(byCell.get('')).toBe('');
      expect(byCell.get(null)).toBeNull();
    } finally {
      db.close();
    }
  });
});

describe('csv_safe in a COPY', () => {
  it('keeps the table order of a COPY without ORDER BY (several row groups, parallel scan)', async () => {
    const db = await openDatabase({ threads: 2 });
    try {
      const path = join(tempDir(), 'ordered.csv');
      await db.connection.run(sqlFile('macros'));
      await db.connection.run(
        `CREATE TABLE ordered AS SELECT i, CASE WHEN i % 7 = 0 THEN '=' || i ELSE 'c' || i END AS txt FROM range(300000) r(i) ORDER BY i`,
      );
      await db.connection.run(`COPY (SELECT i, csv_safe(txt) AS txt FROM ordered) TO ${quoteLiteral(path)} (FORMAT csv, HEADER true)`);
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(300001);
      const ids = lines.slice(1).map((line) => Number(line.split(',')[0]));
      expect(ids.every((id, index) => id === index)).toBe(true);
      expect(lines[1]).toBe("0,'=0");
      expect(lines[2]).toBe('1,c1');
    } finally {
      db.close();
    }
  });
});
