import { describe, expect, it } from 'vitest';
import { listValue } from '@duckdb/node-api';
import { openDatabase } from '../../src/db/database.ts';
import { sqlFile } from '../../src/db/sqlFile.ts';
import { queryRows } from '../../src/db/query.ts';

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
