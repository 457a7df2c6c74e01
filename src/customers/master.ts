/**
 * The customer master (`--customers FILE`): one row per customer with who it
 * is — industry, size, region — joined to the transactions on `customer_id`.
 *
 * The file goes through the transactions' ingest (format detection, loading
 * as text, the same number rules, synonyms and a `--map-customers`), into
 * tables of its own: `raw_customers` → `src_customers` → `stg_customers`
 * (every row, typed, with the first reason it cannot be used) →
 * `customer_master` (one row per usable customer, with the derived WZ 2008
 * section and division, EU size class and region) and `customers_rejects`.
 *
 * `discover` calls {@link loadCustomerMaster} in its ingest stage; `refresh`
 * can call it the same way, then {@link customerMasterManifest} once the
 * run's customers are known.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTableFromColumns } from '../db/append.ts';
import { readTextColumn } from '../db/columns.ts';
import { queryRows, queryValue } from '../db/query.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { detectInputFormat, type InputFormat } from '../ingest/format.ts';
import { sha256File } from '../ingest/index.ts';
import { loadRawInput } from '../ingest/load.ts';
import { lookupPostcode } from '../firmographics/postcode.ts';
import { SME_CEILINGS } from '../firmographics/sizeClass.ts';
import { parseWz2008 } from '../firmographics/wz2008.ts';
import {
  ATTRIBUTE_PREFIX,
  attributeColumns,
  MASTER_CANONICAL_COLUMNS,
  parseMasterColumnMap,
  resolveMasterColumns,
  type MasterColumnMapping,
} from './columns.ts';

/** The reasons a master row is not used, in the order they are checked (a row gets the first that applies). */
export const MASTER_REJECT_REASONS = [
  { reason: 'malformed_row', meaning: 'the CSV record does not have the header’s number of fields' },
  { reason: 'missing_customer_id', meaning: 'no customer id' },
  {
    reason: 'duplicate_customer_id',
    meaning: 'the customer id is on more than one row: identical repeats keep their first row, rows that disagree are all rejected',
  },
  { reason: 'invalid_industry_code', meaning: 'not a WZ 2008 / NACE Rev. 2 code (unknown division, contradicting section letter, malformed)' },
  { reason: 'invalid_employees', meaning: 'employees is not a whole number ≥ 0, or is ambiguous like 1.500 (a thousands dot or a decimal point?)' },
  { reason: 'invalid_annual_revenue', meaning: 'annual revenue is not an amount ≥ 0, or is ambiguous like 1.500' },
  { reason: 'invalid_postal_code', meaning: 'for a German address (country DE or empty): not five digits, or a Leitregion Deutsche Post does not issue' },
] as const;

/** Options of {@link loadCustomerMaster}. */
export interface CustomerMasterOptions {
  /** `--map-customers canonical=Source,...` */
  map?: string;
  /** CSV encoding of the master (default utf-8). */
  encoding?: string;
  /** Keep `company_name` in the customer table and the rejects (`--include-company-name`). */
  includeCompanyName?: boolean;
}

/** Row counts of the master: read = used + rejected. */
export interface MasterRowCounts {
  read: number;
  used: number;
  rejected: number;
  rejected_by_reason: Record<string, number>;
}

/** What was read from the master and how. */
export interface CustomerMaster {
  path: string;
  sha256: string;
  bytes: number;
  format: InputFormat;
  /** Recognised column → source column. */
  mapping: MasterColumnMapping;
  /** Unrecognised source columns, kept as attributes (`attr_<name>` in the customer table). */
  attributes: string[];
  rows: MasterRowCounts;
  includeCompanyName: boolean;
}

/** Table names of the master, in load order. */
const RAW = { raw: 'raw_customers', malformed: 'raw_customers_malformed' };

/**
 * Reads, checks and derives the customer master into `customer_master` (one
 * row per usable customer) and `customers_rejects`.
 *
 * @throws InputError naming `--customers`, the file or the column for a missing or unreadable file or a missing `customer_id` column.
 */
export async function loadCustomerMaster(connection: DuckDBConnection, path: string, options: CustomerMasterOptions = {}): Promise<CustomerMaster> {
  const format = detectInputFormat(path, '--customers');
  const explicit = parseMasterColumnMap(options.map);
  const [sha256, raw] = await Promise.all([
    sha256File(path),
    loadRawInput(connection, path, format, { encoding: options.encoding }, RAW),
  ]);
  const mapping = resolveMasterColumns(path, raw.columns, explicit);
  const attributes = attributeColumns(raw.columns, mapping);
  await connection.run(sqlFile('macros'));
  await createMasterSourceRows(connection, raw.columns, mapping, attributes, {
    headerLines: format === 'csv' ? 1 : 0,
    malformedRows: raw.malformedRows,
  });
  await createDomainLookups(connection);
  await connection.run(sqlFile('customers/stg_customers'));
  await connection.run(sqlFile('customers/customer_master'), sizeCeilingParameters());
  await connection.run(sqlFile('customers/customers_rejects'));
  await attachAttributes(connection, attributes);
  const includeCompanyName = options.includeCompanyName === true;
  if (!includeCompanyName) {
    // Names of companies are personal data in the sense of marketing lists: never written unless asked for.
    await connection.run('ALTER TABLE customer_master DROP COLUMN company_name');
    await connection.run('ALTER TABLE customers_rejects DROP COLUMN company_name');
  }
  return {
    path: resolve(path),
    sha256,
    bytes: statSync(path).size,
    format,
    mapping,
    attributes,
    rows: await masterRowCounts(connection, raw.parsedRows + raw.malformedRows),
    includeCompanyName,
  };
}

/**
 * `src_customers`: one row per parsed master row with the recognised columns
 * as text (`<column>_raw`, NULL when the file lacks it), the row's number in
 * the file (as in rejects.csv: header = 1), a hash of the whole row (to tell
 * identical repeats from conflicting ones) and the unrecognised columns as
 * `attr_<name>`. With {@link attachAttributes}, the only SQL built from
 * names found in the file; each goes through {@link quoteIdentifier}.
 */
async function createMasterSourceRows(
  connection: DuckDBConnection,
  sourceColumns: readonly string[],
  mapping: MasterColumnMapping,
  attributes: readonly string[],
  options: { headerLines: number; malformedRows: number },
): Promise<void> {
  const recognised = MASTER_CANONICAL_COLUMNS.map((canonical) => {
    const source = mapping[canonical];
    return source === undefined ? `NULL::VARCHAR AS ${canonical}_raw` : `${quoteIdentifier(source)} AS ${canonical}_raw`;
  });
  // Prefixed, so no column of the file can take the name of one of ours.
  const kept = attributes.map((name) => `${quoteIdentifier(name)} AS ${quoteIdentifier(`${ATTRIBUTE_PREFIX}${name}`)}`);
  const rowHash = `hash(${sourceColumns.map(quoteIdentifier).join(', ')})`;
  // As for the transactions: without malformed records the n-th parsed row is
  // record n (+ header); with them, the n-th record number that is not malformed.
  const rowNumber = options.malformedRows === 0 ? 'rowid + $header + 1' : '(SELECT line FROM good_lines g WHERE g.row_index = raw_customers.rowid)';
  const goodLines =
    options.malformedRows === 0
      ? ''
      : `WITH good_lines AS (
           SELECT row_number() OVER (ORDER BY line) - 1 AS row_index, line
           FROM range($header + 1, $header + 1 + (SELECT count(*) FROM raw_customers) + (SELECT count(*) FROM raw_customers_malformed)) AS t(line)
           ANTI JOIN raw_customers_malformed USING (line)
         )`;
  await connection.run(
    `CREATE OR REPLACE TABLE src_customers AS
     ${goodLines}
     SELECT
       ${rowNumber} AS row_number,
       ${[...recognised, ...kept].join(',\n       ')},
       ${rowHash} AS row_hash
     FROM raw_customers`,
    { header: options.headerLines },
  );
}

/**
 * Appends the master's unrecognised columns to `customer_master` as
 * `attr_<name>` (text, as in the file), from the customer's row, and drops
 * the row number that joined them.
 */
async function attachAttributes(connection: DuckDBConnection, attributes: readonly string[]): Promise<void> {
  if (attributes.length > 0) {
    const kept = attributes.map((name) => `s.${quoteIdentifier(`${ATTRIBUTE_PREFIX}${name}`)}`);
    await connection.run(
      `CREATE OR REPLACE TABLE customer_master AS
       SELECT m.*, ${kept.join(', ')}
       FROM customer_master m
       JOIN src_customers s ON s.row_number = m.master_row
       ORDER BY m.customer_id`,
    );
  }
  await connection.run('ALTER TABLE customer_master DROP COLUMN master_row');
}

/**
 * `wz_lookup` and `postcode_lookup`: the domain layer's verdict on every
 * distinct industry code and postcode of the master (trimmed text → parsed
 * parts or the reason). The rules stay in one place each
 * (src/firmographics/), and a master of a million rows has only a few
 * thousand distinct codes to parse.
 */
async function createDomainLookups(connection: DuckDBConnection): Promise<void> {
  const codes = await readTextColumn(
    connection,
    "SELECT DISTINCT trim(industry_code_raw) FROM src_customers WHERE trim(industry_code_raw) <> '' ORDER BY 1",
  );
  const parsedCodes = codes.map((code) => parseWz2008(code));
  const okText = (flags: boolean[]) => flags.map((ok) => (ok ? 'true' : 'false'));
  const pick = <T>(results: readonly T[], get: (r: T) => string | undefined) => results.map((r) => get(r) ?? '');
  await createTableFromColumns(connection, 'wz_lookup_text', [
    { name: 'raw', type: 'VARCHAR', values: codes },
    { name: 'ok', type: 'VARCHAR', values: okText(parsedCodes.map((r) => r.ok)) },
    { name: 'reason', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? undefined : r.reason)) },
    { name: 'code', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? r.code : undefined)) },
    { name: 'section', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? r.section : undefined)) },
    { name: 'section_name_de', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? r.sectionName.de : undefined)) },
    { name: 'section_name_en', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? r.sectionName.en : undefined)) },
    { name: 'division', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? r.division : undefined)) },
    { name: 'division_name_de', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? r.divisionName.de : undefined)) },
    { name: 'division_name_en', type: 'VARCHAR', values: pick(parsedCodes, (r) => (r.ok ? r.divisionName.en : undefined)) },
  ]);
  const postcodes = await readTextColumn(
    connection,
    "SELECT DISTINCT trim(postal_code_raw) FROM src_customers WHERE trim(postal_code_raw) <> '' ORDER BY 1",
  );
  const regions = postcodes.map((code) => lookupPostcode(code, 'DE'));
  await createTableFromColumns(connection, 'postcode_lookup_text', [
    { name: 'raw', type: 'VARCHAR', values: postcodes },
    { name: 'ok', type: 'VARCHAR', values: okText(regions.map((r) => r.ok)) },
    { name: 'reason', type: 'VARCHAR', values: pick(regions, (r) => (r.ok ? undefined : r.reason)) },
    { name: 'postcode', type: 'VARCHAR', values: pick(regions, (r) => (r.ok ? r.postcode : undefined)) },
    { name: 'leitzone', type: 'VARCHAR', values: pick(regions, (r) => (r.ok ? r.leitzone : undefined)) },
    { name: 'leitregion', type: 'VARCHAR', values: pick(regions, (r) => (r.ok ? r.leitregion : undefined)) },
    { name: 'state', type: 'VARCHAR', values: pick(regions, (r) => (r.ok ? r.state : undefined)) },
    { name: 'state_name_de', type: 'VARCHAR', values: pick(regions, (r) => (r.ok ? r.stateName.de : undefined)) },
    { name: 'state_name_en', type: 'VARCHAR', values: pick(regions, (r) => (r.ok ? r.stateName.en : undefined)) },
    { name: 'ambiguous', type: 'VARCHAR', values: okText(regions.map((r) => r.ok && r.ambiguous)) },
  ]);
  // The appender takes text; give the lookups their types (and NULLs for the parts a rejected value lacks).
  await connection.run(
    `CREATE OR REPLACE TABLE wz_lookup AS
     SELECT raw, ok::BOOLEAN AS ok, nullif(reason, '') AS reason, nullif(code, '') AS code, nullif(section, '') AS section,
            nullif(section_name_de, '') AS section_name_de, nullif(section_name_en, '') AS section_name_en,
            nullif(division, '') AS division, nullif(division_name_de, '') AS division_name_de, nullif(division_name_en, '') AS division_name_en
     FROM wz_lookup_text;
     CREATE OR REPLACE TABLE postcode_lookup AS
     SELECT raw, ok::BOOLEAN AS ok, nullif(reason, '') AS reason, nullif(postcode, '') AS postcode, nullif(leitzone, '') AS leitzone,
            nullif(leitregion, '') AS leitregion, nullif(state, '') AS state, nullif(state_name_de, '') AS state_name_de,
            nullif(state_name_en, '') AS state_name_en, ambiguous::BOOLEAN AS ambiguous
     FROM postcode_lookup_text;
     DROP TABLE wz_lookup_text;
     DROP TABLE postcode_lookup_text;`,
  );
}

/** The SME ceilings as the parameters of customer_master.sql. */
export function sizeCeilingParameters(): Record<string, number> {
  const params: Record<string, number> = {};
  for (const ceiling of SME_CEILINGS) {
    params[`${ceiling.sizeClass}_employees_below`] = ceiling.employeesBelow;
    params[`${ceiling.sizeClass}_turnover_at_most`] = ceiling.turnoverAtMostEur;
  }
  return params;
}

async function masterRowCounts(connection: DuckDBConnection, read: number): Promise<MasterRowCounts> {
  const reasons = await queryRows<{ reason: string; n: number }>(
    connection,
    'SELECT reason, count(*)::INTEGER AS n FROM customers_rejects GROUP BY reason ORDER BY reason',
  );
  const rejectedByReason = Object.fromEntries(reasons.map((r) => [r.reason, r.n]));
  const rejected = reasons.reduce((sum, r) => sum + r.n, 0);
  const used = Number(await queryValue(connection, 'SELECT count(*) FROM stg_customers WHERE reject_reason IS NULL'));
  return { read, used, rejected, rejected_by_reason: rejectedByReason };
}

/** How the master and the run's customers overlap. */
export interface MasterCoverage {
  /** Customers of the run (customers.csv) with a usable master row. */
  with_master: number;
  /** Customers of the run without one (no row, or a rejected one). */
  without_master: number;
  /** Usable master rows whose customer is not among the run's customers (no purchase in the window). */
  master_without_transactions: number;
}

/** The `customer_master` section of manifest.json. */
export interface CustomerMasterManifest {
  path: string;
  sha256: string;
  bytes: number;
  format: InputFormat;
  columns: Record<string, string>;
  attributes: string[];
  rows: MasterRowCounts;
  customers: MasterCoverage;
  company_name_written: boolean;
}

/**
 * The manifest section of a master, with its overlap with the run's
 * customers; needs `customer_features` (the run's customers).
 */
export async function customerMasterManifest(connection: DuckDBConnection, master: CustomerMaster): Promise<CustomerMasterManifest> {
  const [coverage] = await queryRows<MasterCoverage>(
    connection,
    `SELECT
       (SELECT count(*) FROM customer_features f SEMI JOIN customer_master m USING (customer_id))::INTEGER AS with_master,
       (SELECT count(*) FROM customer_features f ANTI JOIN customer_master m USING (customer_id))::INTEGER AS without_master,
       (SELECT count(*) FROM customer_master m ANTI JOIN customer_features f USING (customer_id))::INTEGER AS master_without_transactions`,
  );
  return {
    path: master.path,
    sha256: master.sha256,
    bytes: master.bytes,
    format: master.format,
    columns: master.mapping as Record<string, string>,
    attributes: master.attributes,
    rows: master.rows,
    customers: coverage,
    company_name_written: master.includeCompanyName,
  };
}

/** Text columns the master adds to the customer table that come from the user's file (neutralised against CSV injection when written). */
export function masterTextColumns(master: CustomerMaster): string[] {
  return [
    'industry_code',
    'postal_code',
    'company_country',
    ...(master.includeCompanyName ? ['company_name'] : []),
    ...master.attributes.map((name) => quoteIdentifier(`${ATTRIBUTE_PREFIX}${name}`)),
  ];
}

/** Text columns of customers_rejects.csv: all of them come from the master. */
export function masterRejectTextColumns(master: CustomerMaster): string[] {
  return ['detail', 'customer_id', 'industry_code', 'employees', 'annual_revenue', 'postal_code', 'country', ...(master.includeCompanyName ? ['company_name'] : [])];
}
