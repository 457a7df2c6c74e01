/**
 * The columns of a customer master (`--customers FILE`): which ones segmenta
 * recognises, the source names it finds them under, and `--map-customers`.
 */
import { InputError, show } from '../errors.ts';
import { COLUMN_SYNONYMS, normalise, parseColumnMap } from '../ingest/columns.ts';

/** The recognised columns of a customer master; every other column is kept as an attribute. */
export const MASTER_CANONICAL_COLUMNS = [
  'customer_id',
  'industry_code',
  'employees',
  'annual_revenue',
  'postal_code',
  'country',
  'company_name',
] as const;
export type MasterColumn = (typeof MASTER_CANONICAL_COLUMNS)[number];

/** Master column → the source column it is read from. */
export type MasterColumnMapping = Partial<Record<MasterColumn, string>>;

/**
 * Source names recognised without `--map-customers`, compared like the
 * transaction columns' synonyms (case, spaces, `_`, `-`, `.` ignored). The
 * customer id takes the transactions' names plus the accounting word for a
 * customer account (Debitor). In a master, "revenue" and "Umsatz" mean the
 * company's own annual turnover, not what it bought from us.
 */
export const MASTER_COLUMN_SYNONYMS: Record<MasterColumn, readonly string[]> = {
  customer_id: [...COLUMN_SYNONYMS.customer_id, 'debitor', 'debitornr', 'debitorennummer', 'accountid', 'accountnumber'],
  industry_code: ['industrycode', 'industry', 'wz', 'wzcode', 'wz2008', 'wz2008code', 'nace', 'nacecode', 'nacerev2', 'branche', 'branchencode', 'branchenschluessel', 'wirtschaftszweig'],
  employees: ['employees', 'employeecount', 'numberofemployees', 'headcount', 'staff', 'mitarbeiter', 'mitarbeiterzahl', 'anzahlmitarbeiter', 'beschaeftigte', 'beschäftigte'],
  annual_revenue: ['annualrevenue', 'annualturnover', 'turnover', 'revenue', 'sales', 'jahresumsatz', 'umsatz'],
  postal_code: ['postalcode', 'postcode', 'zip', 'zipcode', 'plz', 'postleitzahl'],
  country: ['country', 'countrycode', 'land', 'laenderkennzeichen'],
  company_name: ['companyname', 'company', 'name', 'firma', 'firmenname', 'name1', 'unternehmen', 'accountname'],
};

/** Parses `--map-customers industry_code=Branche,...`. */
export function parseMasterColumnMap(spec: string | undefined): MasterColumnMapping {
  return parseColumnMap(spec, MASTER_CANONICAL_COLUMNS, '--map-customers');
}

/**
 * Resolves the master's columns: `--map-customers` first, then the synonyms.
 * Only `customer_id` is required; a master with nothing but ids and
 * attributes is still a master. Throws naming the file and the columns found.
 */
export function resolveMasterColumns(file: string, sourceColumns: readonly string[], explicit: MasterColumnMapping): MasterColumnMapping {
  const mapping: MasterColumnMapping = {};
  const used = new Set<string>();
  for (const [canonical, source] of Object.entries(explicit) as [MasterColumn, string][]) {
    const found = sourceColumns.find((c) => c === source) ?? sourceColumns.find((c) => c.toLowerCase() === source.toLowerCase());
    if (found === undefined) {
      throw new InputError(`--customers ${show(file)}: --map-customers ${canonical}=${source}: no column ${show(source)} (columns found: ${sourceColumns.join(', ')})`);
    }
    mapping[canonical] = found;
    used.add(found);
  }
  const byNormalised = new Map<string, string>();
  for (const column of sourceColumns) {
    const key = normalise(column);
    if (!byNormalised.has(key)) byNormalised.set(key, column);
  }
  for (const canonical of MASTER_CANONICAL_COLUMNS) {
    if (mapping[canonical] !== undefined) continue;
    for (const candidate of [normalise(canonical), ...MASTER_COLUMN_SYNONYMS[canonical]]) {
      const source = byNormalised.get(candidate);
      if (source !== undefined && !used.has(source)) {
        mapping[canonical] = source;
        used.add(source);
        break;
      }
    }
  }
  if (mapping.customer_id === undefined) {
    throw new InputError(
      `--customers ${show(file)}: required column customer_id not found (columns found: ${sourceColumns.join(', ')}); name it with --map-customers customer_id=<column>`,
    );
  }
  return mapping;
}

/** Prefix of the attribute columns (the master's unrecognised columns) in the customer table. */
export const ATTRIBUTE_PREFIX = 'attr_';

/** The master's columns that are not recognised, in file order: kept as attributes. */
export function attributeColumns(sourceColumns: readonly string[], mapping: MasterColumnMapping): string[] {
  const mapped = new Set(Object.values(mapping));
  return sourceColumns.filter((c) => !mapped.has(c));
}
