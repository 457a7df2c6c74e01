/**
 * `segmenta export` for audience files: the customers of the requested
 * segments, RFM segments and lifecycle stages, one audience per customer,
 * suppressed customers left out, ids pseudonymised on request, written
 * atomically with a manifest beside it.
 *
 * All row work happens in DuckDB over the run's customers.parquet; only the
 * ids travel through the process, and only for pseudonymisation.
 */
import { statSync, existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTableFromColumns } from '../db/append.ts';
import { withDatabase } from '../db/database.ts';
import { queryRows, queryValue } from '../db/query.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { InputError, show } from '../errors.ts';
import { writeFilesAtomically, sha256File } from './atomicFiles.ts';
import { resolveAudiences, type Audience, type AudienceRequest } from './audiences.ts';
import { AUDIENCE_COLUMN, ID_COLUMN, resolveColumns } from './columns.ts';
import { manifestBase, manifestPathFor, type AudienceExportManifest } from './exportManifest.ts';
import { resolveFormat, writeQuery } from './outputFormat.ts';
import { describePriority, orderAudiences, parsePriority } from './priority.ts';
import { assignPriorityAudiences } from '../rules/priority.ts';
import { createPseudonymTable, keyFingerprint, PSEUDONYM_KEY_ENV, readPseudonymKey } from './pseudonym.ts';
import { assertOutsideRun, openRun } from './runDirectory.ts';
import { loadSuppressionList, type SuppressionList } from './suppression.ts';

/** What an audience export is asked to do (the flags of `segmenta export`). */
export interface AudienceExportOptions {
  /** Run directory. */
  run: string;
  /** File to write. */
  out: string;
  /** Audience filters in command-line order. */
  audiences: readonly AudienceRequest[];
  /** `--priority`: `given` (default) or kinds in order. */
  priority?: string;
  /** `--columns`, comma-separated. */
  columns?: string;
  /** `--format`; default from the extension of `out`, else csv. */
  format?: string;
  pseudonymize: boolean;
  /** `--suppress` file. */
  suppress?: string;
  bom: boolean;
  /** Where the pseudonym key is read from (default: the process environment). */
  env?: NodeJS.ProcessEnv;
}

/** What was written. */
export interface AudienceExportResult {
  out: string;
  manifestPath: string;
  manifest: AudienceExportManifest;
  /** Things the user should know that do not stop the export (a short key). */
  warnings: string[];
}

/** The columns each kind of audience is matched on. */
const MATCH_COLUMN: Readonly<Record<Audience['kind'], string>> = {
  segment: 'segment_id',
  rfm: 'rfm_segment',
  lifecycle: 'lifecycle_stage',
};

/**
 * Writes one audience file and its manifest.
 *
 * @throws {InputError} for a bad flag value, a missing key, run or suppression file.
 */
export async function exportAudience(options: AudienceExportOptions): Promise<AudienceExportResult> {
  const format = resolveFormat(options.format, options.out);
  if (options.bom && format !== 'csv') throw new InputError(`--bom: only CSV files take a byte order mark, but the format is ${format}`);
  const priority = parsePriority(options.priority);
  // Refuse early, before any work, when the key is missing.
  const key = options.pseudonymize ? readPseudonymKey(options.env) : undefined;
  const run = openRun(options.run);
  const out = resolve(options.out);
  checkOutPath(options.out, out, run.dir);
  const manifestPath = manifestPathFor(out);
  const audiences = orderAudiences(resolveAudiences(options.audiences, run.segments.segments), priority);
  if (priority.rule === 'file' && audiences.length > 0) {
    throw new InputError('--priority FILE: the file defines the audiences; leave out --segment, --rfm-segment and --lifecycle');
  }

  return withDatabase({}, async ({ connection }) => {
    await connection.run(sqlFile('macros'));
    await connection.run('CREATE TEMP TABLE export_customers AS SELECT * FROM read_parquet($path)', { path: run.customersPath });
    const types = await columnTypes(connection, 'export_customers');
    // A priority file stands for several audiences: the audience column is written by default.
    const columns = resolveColumns(options.columns, [...types.keys()], priority.rule === 'file' ? 2 : audiences.length);
    for (const audience of audiences) {
      if (!types.has(MATCH_COLUMN[audience.kind])) {
        throw new InputError(`--run ${show(options.run)}: customers.parquet has no ${MATCH_COLUMN[audience.kind]} column to select ${audience.label}`);
      }
    }

    const ruled =
      priority.rule === 'file'
        ? await assignPriorityAudiences(connection, 'export_customers', priority.rules, run.segments.segments, { matches: 'export_matches', selected: 'export_selected' })
        : null;
    const counts = ruled ?? (await selectCustomers(connection, audiences));
    const suppression = options.suppress ? await suppress(connection, options.suppress) : undefined;
    // With a priority file, its audiences in rule order (after suppression, like the filters').
    const labels = ruled ? ruled.audiences.map((a) => a.label) : audiences.map((a) => a.label);
    const byAudience =
      labels.length === 0
        ? {}
        : Object.fromEntries(
            labels.map((label) => [label, 0]).concat(
              (await queryRows<{ audience: string; n: number }>(connection, 'SELECT audience, count(*)::INTEGER AS n FROM export_selected GROUP BY audience')).map(
                (r) => [r.audience, r.n],
              ),
            ),
          );
    if (key) await createPseudonymTable(connection, 'export_pseudonyms', 'SELECT customer_id FROM export_selected ORDER BY customer_id', key.key);

    const select = columns.map((column) => {
      if (column === ID_COLUMN) return `${key ? 'p.pseudonym' : 'c.customer_id'} AS ${quoteIdentifier(ID_COLUMN)}`;
      if (column === AUDIENCE_COLUMN && !types.has(AUDIENCE_COLUMN)) return `s.audience AS ${quoteIdentifier(AUDIENCE_COLUMN)}`;
      return `c.${quoteIdentifier(column)}`;
    });
    const query = `SELECT ${select.join(', ')}
      FROM export_selected s
      JOIN export_customers c ON c.customer_id = s.customer_id
      ${key ? 'JOIN export_pseudonyms p ON p.customer_id = s.customer_id' : ''}`;
    const textColumns = columns.filter((c) => c === ID_COLUMN || c === AUDIENCE_COLUMN || types.get(c) === 'VARCHAR');
    const exported = Number(await queryValue<bigint>(connection, 'SELECT count(*) FROM export_selected'));

    const manifest = await writeFilesAtomically([out, manifestPath], async ([fileTemp, manifestTemp]) => {
      await writeQuery(connection, query, { format, path: fileTemp, textColumns, orderBy: ID_COLUMN, bom: options.bom });
      const manifest: AudienceExportManifest = {
        ...manifestBase(run),
        kind: 'audience',
        file: { path: out, format, bom: options.bom, columns, sha256: await sha256File(fileTemp), bytes: statSync(fileTemp).size },
        filters: {
          segments: audiences
            .filter((a) => a.kind === 'segment')
            .map((a) => run.segments.segments.find((s) => String(s.id) === a.match)!)
            .map((s) => ({ id: s.id, name: s.name })),
          rfm_segments: audiences.filter((a) => a.kind === 'rfm').map((a) => a.match),
          lifecycle: audiences.filter((a) => a.kind === 'lifecycle').map((a) => a.match),
          priority: describePriority(priority),
          audiences: audiences.map((a, rank) => ({ rank: rank + 1, kind: a.kind, given: a.given, label: a.label })),
        },
        rows: {
          run_customers: counts.customers,
          matched: counts.matched,
          in_several_audiences: counts.several,
          suppressed: suppression?.suppressed ?? 0,
          exported,
          by_audience: byAudience,
        },
        suppression: suppression
          ? { path: resolve(suppression.list.path), sha256: suppression.list.sha256, shape: suppression.list.shape, ids: suppression.list.ids, ids_not_in_run: suppression.notInRun }
          : null,
        pseudonymized: key !== undefined,
        pseudonym: key ? { algorithm: 'HMAC-SHA256', key_env: PSEUDONYM_KEY_ENV, key_fingerprint: keyFingerprint(key.key) } : null,
      };
      writeFileSync(manifestTemp, `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    });
    return { out, manifestPath, manifest, warnings: key?.warning ? [key.warning] : [] };
  });
}

/** Refuses an output that is a directory or one of the run's own files. */
function checkOutPath(given: string, out: string, runDir: string): void {
  if (existsSync(out) && statSync(out).isDirectory()) throw new InputError(`--out ${show(given)}: is a directory; expected a file name such as audience.csv`);
  assertOutsideRun(given, out, runDir);
}

async function columnTypes(connection: DuckDBConnection, table: string): Promise<Map<string, string>> {
  const rows = await queryRows<{ column_name: string; column_type: string }>(connection, `SELECT column_name, column_type FROM (DESCRIBE ${quoteIdentifier(table)})`);
  return new Map(rows.map((r) => [r.column_name, r.column_type]));
}

/**
 * Creates `export_selected` (customer_id, audience): every customer in at
 * least one audience, in the first one by priority; all customers when there
 * are no filters. Audiences are matched by hash joins, one per kind, so the
 * cost grows with customers + audiences, not their product.
 */
async function selectCustomers(connection: DuckDBConnection, audiences: readonly Audience[]): Promise<{ customers: number; matched: number; several: number }> {
  const customers = Number(await queryValue<bigint>(connection, 'SELECT count(*) FROM export_customers'));
  if (audiences.length === 0) {
    await connection.run('CREATE TEMP TABLE export_selected AS SELECT customer_id, NULL::VARCHAR AS audience FROM export_customers');
    return { customers, matched: customers, several: 0 };
  }
  await createTableFromColumns(connection, 'export_audiences', [
    { name: 'rank', type: 'INTEGER', values: Int32Array.from(audiences, (_, i) => i) },
    { name: 'kind', type: 'VARCHAR', values: audiences.map((a) => a.kind) },
    { name: 'match', type: 'VARCHAR', values: audiences.map((a) => a.match) },
    { name: 'label', type: 'VARCHAR', values: audiences.map((a) => a.label) },
  ]);
  const kinds = [...new Set(audiences.map((a) => a.kind))];
  const joins = kinds.map(
    (kind, i) =>
      `SELECT c.customer_id, a.rank, a.label FROM export_customers c
       JOIN export_audiences a ON a.kind = $kind${i} AND a.match = CAST(c.${quoteIdentifier(MATCH_COLUMN[kind])} AS VARCHAR)`,
  );
  await connection.run(
    `CREATE TEMP TABLE export_matches AS ${joins.join('\nUNION ALL\n')}`,
    Object.fromEntries(kinds.map((kind, i) => [`kind${i}`, kind])),
  );
  await connection.run(
    `CREATE TEMP TABLE export_selected AS
     SELECT customer_id, label AS audience FROM export_matches
     QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY rank) = 1`,
  );
  const figures = await queryRows<{ matched: number; several: number }>(
    connection,
    `SELECT count(*)::INTEGER AS matched, count(*) FILTER (WHERE n > 1)::INTEGER AS several
     FROM (SELECT customer_id, count(*) AS n FROM export_matches GROUP BY customer_id)`,
  );
  return { customers, matched: figures[0].matched, several: figures[0].several };
}

/** Removes the listed customers from `export_selected`; counts what it removed and what the list names that the run does not have. */
async function suppress(connection: DuckDBConnection, path: string): Promise<{ list: SuppressionList; suppressed: number; notInRun: number }> {
  const list = await loadSuppressionList(connection, path, 'export_suppress');
  const suppressed = Number(
    await queryValue<bigint>(connection, 'SELECT count(*) FROM export_selected WHERE customer_id IN (SELECT customer_id FROM export_suppress)'),
  );
  const notInRun = Number(
    await queryValue<bigint>(connection, 'SELECT count(*) FROM export_suppress WHERE customer_id NOT IN (SELECT customer_id FROM export_customers)'),
  );
  await connection.run('DELETE FROM export_selected WHERE customer_id IN (SELECT customer_id FROM export_suppress)');
  return { list, suppressed, notInRun };
}
