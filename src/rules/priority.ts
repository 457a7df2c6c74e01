/**
 * Priority rules for overlapping B2B targets: which one audience a customer
 * goes to when it qualifies for several — key accounts by revenue first,
 * then lifecycle, then segment, or whatever order a team agrees on —
 * written down in a file (`config/priority.example.json`, docs/b2b.md) and
 * evaluated in SQL over a run's customer table.
 *
 * A file is an ordered list of rules; a customer goes to the audience of the
 * first rule it matches. A rule is one of
 *
 * - a named audience: `{ "audience": "key_accounts", "when": { … } }` —
 *   every customer meeting all conditions of `when`;
 * - a split: `{ "by": "lifecycle_stage" | "segment" | "rfm_segment",
 *   "values": [ … ], "when": { … } }` — one audience per value (labelled as
 *   the export labels them: `lifecycle:at_risk`, `segment:<name>`,
 *   `rfm:<name>`), in the order of `values`, or in the natural order (stage
 *   order, segment id, RFM grid order) when `values` is left out.
 *
 * Conditions (`when`, all must hold): `revenue_top_share` (the top share of
 * the run's customers by net revenue, ties included), `revenue_at_least`
 * (net revenue in the run's currency), `annual_revenue_at_least` (the
 * company's annual revenue in EUR, from the customer master),
 * `employees_at_least`, and lists for `size_class`, `wz_section`,
 * `wz_division`, `state`, `lifecycle_stage`, `segment` (ids or names) and
 * `rfm_segment`. Values reach SQL only as parameters; column names are fixed.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { listValue } from '@duckdb/node-api';
import { z } from 'zod';
import { queryRows } from '../db/query.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { InputError, show } from '../errors.ts';
import { RFM_SEGMENT_NAMES } from '../segments/rfmSegments.ts';
import type { SegmentProfile } from '../segments/types.ts';
import { LIFECYCLE_STAGES } from './lifecycle.ts';

/** Format tag of a priority file. */
export const PRIORITY_FORMAT = 'segmenta.priority/v1';

const textList = z.array(z.string().min(1)).min(1);

const ConditionsSchema = z
  .object({
    revenue_top_share: z.number().gt(0).max(1).optional(),
    revenue_at_least: z.number().finite().optional(),
    annual_revenue_at_least: z.number().finite().min(0).optional(),
    employees_at_least: z.number().int().min(0).optional(),
    size_class: z.array(z.enum(['micro', 'small', 'medium', 'large', 'unknown'])).min(1).optional(),
    wz_section: z.array(z.string().regex(/^[A-U]$/, 'expected a WZ 2008 section letter A–U')).min(1).optional(),
    wz_division: z.array(z.string().regex(/^\d{2}$/, 'expected a two-digit WZ 2008 division')).min(1).optional(),
    state: z.array(z.string().regex(/^[A-Z]{2}$/, 'expected a state code like BY')).min(1).optional(),
    lifecycle_stage: textList.optional(),
    segment: z.array(z.union([z.number().int().min(0), z.string().min(1)])).min(1).optional(),
    rfm_segment: textList.optional(),
  })
  .strict();

const RuleSchema = z.union([
  z.object({ audience: z.string().min(1), when: ConditionsSchema, about: z.string().optional() }).strict(),
  z
    .object({
      by: z.enum(['lifecycle_stage', 'segment', 'rfm_segment']),
      values: z.array(z.union([z.number().int().min(0), z.string().min(1)])).min(1).optional(),
      when: ConditionsSchema.optional(),
      about: z.string().optional(),
    })
    .strict(),
]);

const PriorityFileSchema = z
  .object({
    format: z.literal(PRIORITY_FORMAT),
    about: z.string().optional(),
    rules: z.array(RuleSchema).min(1),
  })
  .strict();

/** Conditions of a rule (all must hold). */
export type PriorityConditions = z.infer<typeof ConditionsSchema>;
/** One rule of a priority file. */
export type PriorityRule = z.infer<typeof RuleSchema>;

/** A checked priority file. */
export interface PriorityRules {
  path: string;
  rules: PriorityRule[];
}

/**
 * Reads and checks a priority file.
 *
 * @throws InputError naming the flag, the file and the first problem (its place in the file and what was expected).
 */
export function loadPriorityRules(path: string, flag = '--priority'): PriorityRules {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${flag} ${show(path)}: no such file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${flag} ${show(path)}: not valid JSON: ${(error as Error).message}`);
  }
  return { path: resolve(path), rules: parsePriorityRules(json, `${flag} ${show(path)}`) };
}

/** Checks the content of a priority file; `where` names it in errors. */
export function parsePriorityRules(json: unknown, where: string): PriorityRule[] {
  const result = PriorityFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    const message =
      issue.code === 'invalid_union'
        ? 'expected {"audience": NAME, "when": {…}} or {"by": "lifecycle_stage"|"segment"|"rfm_segment", …}; check the keys and values'
        : issue.message.toLowerCase();
    throw new InputError(`${where}: ${at || 'the file'}: ${message}`);
  }
  return result.data.rules;
}

/** What {@link assignPriorityAudiences} found. */
export interface PriorityAssignment {
  /** Customers in the source table. */
  customers: number;
  /** Customers in at least one audience. */
  matched: number;
  /** Customers that qualified for more than one audience (placed by priority); two rules of one audience count once. */
  several: number;
  /** Every audience the rules define, in priority order, with its customers after the priority rule. */
  audiences: Array<{ rank: number; label: string; customers: number }>;
}

/** The columns each condition and split reads from the customer table. */
const COLUMN: Readonly<Record<string, string>> = {
  revenue_at_least: 'revenue',
  annual_revenue_at_least: 'annual_revenue',
  employees_at_least: 'employees',
  size_class: 'size_class',
  wz_section: 'wz_section',
  wz_division: 'wz_division',
  state: 'state',
  lifecycle_stage: 'lifecycle_stage',
  segment: 'segment_id',
  rfm_segment: 'rfm_segment',
};

const SPLIT_LABEL: Readonly<Record<string, string>> = { lifecycle_stage: 'lifecycle', segment: 'segment', rfm_segment: 'rfm' };

/**
 * Evaluates the rules over a customer table (customers.parquet loaded as
 * `source`, one row per customer) and creates
 *
 * - `matches`: (customer_id, rank, audience) — every audience a customer qualifies for;
 * - `selected`: (customer_id, audience) — the first by rank, one per customer.
 *
 * @throws InputError when a rule needs a column the run does not have (e.g.
 *   `annual_revenue_at_least` on a run without a customer master), or names
 *   a segment, stage or RFM segment the run does not know.
 */
export async function assignPriorityAudiences(
  connection: DuckDBConnection,
  source: string,
  priority: PriorityRules,
  segments: ReadonlyArray<Pick<SegmentProfile, 'id' | 'name'>>,
  tables: { matches: string; selected: string },
  flag = '--priority',
): Promise<PriorityAssignment> {
  const columns = new Set(
    (await queryRows<{ column_name: string }>(connection, `SELECT column_name FROM (DESCRIBE ${quoteIdentifier(source)})`)).map((r) => r.column_name),
  );
  const where = `${flag} ${show(priority.path)}`;
  const need = (column: string, rule: number, what: string) => {
    if (!columns.has(column)) {
      const hint = ['annual_revenue', 'employees', 'size_class', 'wz_section', 'wz_division', 'state'].includes(column) ? '; run discover with --customers' : '';
      throw new InputError(`${where}: rules[${rule}] ${what} needs the column ${column}, which the run's customer table does not have${hint}`);
    }
  };
  const params: Record<string, DuckDBValue> = {};
  let next = 0;
  const param = (value: DuckDBValue) => {
    const name = `p${next++}`;
    params[name] = value;
    return `$${name}`;
  };
  const segmentId = (value: string | number, rule: number): number => {
    const found =
      typeof value === 'number' ? segments.find((s) => s.id === value) : (segments.find((s) => s.name === value) ?? segments.find((s) => s.name.toLowerCase() === value.trim().toLowerCase()));
    if (!found) throw new InputError(`${where}: rules[${rule}]: no segment ${show(value)} in this run; expected an id or name of: ${segments.map((s) => `${s.id} ${JSON.stringify(s.name)}`).join(', ')}`);
    return found.id;
  };
  const checkValues = (values: readonly string[], valid: readonly string[], what: string, rule: number) => {
    for (const v of values) if (!valid.includes(v)) throw new InputError(`${where}: rules[${rule}]: unknown ${what} ${show(v)}; expected one of: ${valid.join(', ')}`);
  };
  const stages = LIFECYCLE_STAGES.map((s) => s.stage as string);

  const conditionSql = (when: PriorityConditions | undefined, rule: number): string[] => {
    if (!when) return [];
    const parts: string[] = [];
    for (const [key, value] of Object.entries(when) as [keyof PriorityConditions, unknown][]) {
      if (value === undefined) continue;
      if (key === 'revenue_top_share') {
        need('revenue', rule, key);
        parts.push(`revenue_rank <= ceil(${param(value as number)} * customers)`);
        continue;
      }
      const column = quoteIdentifier(COLUMN[key]!);
      need(COLUMN[key]!, rule, key);
      if (key === 'revenue_at_least' || key === 'annual_revenue_at_least' || key === 'employees_at_least') {
        parts.push(`${column} >= ${param(value as number)}`);
      } else if (key === 'segment') {
        parts.push(`list_contains(${param(listValue((value as (string | number)[]).map((v) => segmentId(v, rule))))}, ${column})`);
      } else {
        const values = value as string[];
        if (key === 'lifecycle_stage') checkValues(values, stages, 'lifecycle stage', rule);
        if (key === 'rfm_segment') checkValues(values, RFM_SEGMENT_NAMES, 'RFM segment', rule);
        parts.push(`list_contains(${param(listValue(values))}, ${column}::VARCHAR)`);
      }
    }
    return parts;
  };

  const selects: string[] = [];
  const audiences: Array<{ rank: number; label: string }> = [];
  // Ranks leave room for the values of a split inside its rule: rule r, value v → r × 10⁶ + v.
  priority.rules.forEach((rule, r) => {
    const base = r * 1_000_000;
    if ('audience' in rule) {
      const conditions = conditionSql(rule.when, r);
      selects.push(`SELECT customer_id, ${base} AS rank, ${param(rule.audience)} AS audience FROM priority_customers WHERE ${conditions.length > 0 ? conditions.join(' AND ') : 'true'}`);
      audiences.push({ rank: base, label: rule.audience });
      return;
    }
    const column = COLUMN[rule.by]!;
    need(column, r, `by ${rule.by}`);
    let keys: string[];
    let labels: string[];
    if (rule.by === 'segment') {
      const ids = rule.values ? rule.values.map((v) => segmentId(v, r)) : [...segments].sort((a, b) => a.id - b.id).map((s) => s.id);
      keys = ids.map(String);
      labels = ids.map((id) => `segment:${segments.find((s) => s.id === id)!.name}`);
    } else {
      const natural = rule.by === 'lifecycle_stage' ? stages : [...RFM_SEGMENT_NAMES];
      keys = rule.values ? rule.values.map(String) : natural;
      checkValues(keys, natural, rule.by === 'lifecycle_stage' ? 'lifecycle stage' : 'RFM segment', r);
      labels = keys.map((k) => `${SPLIT_LABEL[rule.by]}:${k}`);
    }
    const conditions = conditionSql(rule.when, r);
    const keyList = param(listValue(keys));
    const labelList = param(listValue(labels));
    const position = `list_position(${keyList}, ${quoteIdentifier(column)}::VARCHAR)`;
    selects.push(
      `SELECT customer_id, ${base} + ${position} AS rank, list_extract(${labelList}, ${position}) AS audience FROM priority_customers WHERE ${[`${position} IS NOT NULL`, ...conditions].join(' AND ')}`,
    );
    labels.forEach((label, i) => audiences.push({ rank: base + i + 1, label }));
  });

  const rankColumn = columns.has('revenue') ? 'rank() OVER (ORDER BY revenue DESC NULLS LAST)' : 'NULL';
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE priority_customers AS
     SELECT *, ${rankColumn} AS revenue_rank, count(*) OVER () AS customers FROM ${quoteIdentifier(source)}`,
  );
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(tables.matches)} AS ${selects.join('\nUNION ALL\n')}`, params);
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(tables.selected)} AS
     SELECT customer_id, audience FROM ${quoteIdentifier(tables.matches)}
     QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY rank, audience) = 1`,
  );
  const [figures] = await queryRows<{ customers: number; matched: number; several: number }>(
    connection,
    `SELECT
       (SELECT count(*) FROM priority_customers)::INTEGER AS customers,
       count(*)::INTEGER AS matched,
       count(*) FILTER (WHERE n > 1)::INTEGER AS several
     FROM (SELECT customer_id, count(DISTINCT audience) AS n FROM ${quoteIdentifier(tables.matches)} GROUP BY customer_id)`,
  );
  const counts = new Map(
    (await queryRows<{ audience: string; n: number }>(connection, `SELECT audience, count(*)::INTEGER AS n FROM ${quoteIdentifier(tables.selected)} GROUP BY audience`)).map(
      (r) => [r.audience, r.n],
    ),
  );
  // A label can appear under two rules (key accounts by revenue, then by turnover): listed once, at its first rank.
  const seen = new Set<string>();
  return {
    ...figures!,
    audiences: audiences.filter((a) => (seen.has(a.label) ? false : (seen.add(a.label), true))).map((a) => ({ ...a, customers: counts.get(a.label) ?? 0 })),
  };
}
