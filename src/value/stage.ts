/**
 * The `value` stage of `discover`: decides whether the data supports the
 * value models (`--value off|on|auto`), fits them, scores every customer
 * into the `customer_value` table, and says what happened for the manifest.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTableFromColumns } from '../db/append.ts';
import { sqlFile } from '../db/sqlFile.ts';
import { InputError } from '../errors.ts';
import { fitAndScoreValueModels, scoreValueWithHistories, type ModelValueSection, type ValueScores, type ValueSettings } from './model.ts';
import type { ValueMode } from './options.ts';
import { buildValueSummaries } from './summaries.ts';

/**
 * Fewest repeat customers `auto` (and `on`) fit the models on. Below this the
 * four BG/NBD parameters rest on a handful of histories and typically run off
 * to 0 or ∞, or fit but mean nothing.
 */
export const MIN_REPEAT_CUSTOMERS = 30;

/** What the value stage did, for the manifest (`value` section). */
export interface ValueManifest {
  mode: ValueMode;
  /**
   * `fitted`; `scored` (with a saved model's parameters, by a refresh); `skipped` (off, or auto on
   * data that cannot support it); `failed` (auto, and the fit failed).
   */
  status: 'fitted' | 'scored' | 'skipped' | 'failed';
  /** Why it was skipped or failed; null when fitted. */
  reason: string | null;
  model: ValueSettings['model'];
  time_unit: ValueSettings['timeUnit'];
  clv: { months: number; discount_rate: number };
  customers: number | null;
  repeat_customers: number | null;
  /** Purchase days in the window, and the zero-price lines counted as purchase events (see docs/value.md). */
  purchase_days: number | null;
  zero_price_lines: number | null;
  /** Fitted parameters and standard errors; null unless fitted. */
  transaction: { params: Record<string, number>; standard_errors: Record<string, number | null> | null; log_likelihood: number | null } | null;
  spend: { params: Record<string, number>; standard_errors: Record<string, number | null> | null; log_likelihood: number | null } | null;
  frequency_spend_correlation: number | null;
  /** Thresholds of the "valuable but fading" flag (CLV at the 80th percentile, P(alive) drop); null unless fitted. */
  fading: { clv_threshold: number; p_alive_drop: number } | null;
  warnings: string[];
}

/** The value stage's result: the fitted section (for model.json) or null, and the manifest entry. */
export interface ValueResult {
  section: ModelValueSection | null;
  manifest: ValueManifest;
}

/**
 * Runs the value stage on the staged lines of a run.
 *
 * - `off`: nothing is fitted.
 * - `auto`: fitted when at least {@link MIN_REPEAT_CUSTOMERS} customers repeat; a
 *   failed fit is recorded with its reason and the run goes on without value columns.
 * - `on`: like auto, but too few repeat customers or a failed fit is an InputError (exit 2).
 *
 * When fitted, the table `customer_value` holds every customer's clv, p_alive,
 * expected_purchases_90d, churn_risk and the valuable-but-fading flag.
 */
export async function runValueStage(
  connection: DuckDBConnection,
  asOf: string,
  options: { value: ValueMode; valueModel: ValueSettings['model']; valueTimeUnit: ValueSettings['timeUnit']; clvMonths: number; discountRate: number },
): Promise<ValueResult> {
  const settings: ValueSettings = {
    model: options.valueModel,
    timeUnit: options.valueTimeUnit,
    clvMonths: options.clvMonths,
    discountRate: options.discountRate,
  };
  const manifest: ValueManifest = {
    mode: options.value,
    status: 'skipped',
    reason: null,
    model: settings.model,
    time_unit: settings.timeUnit,
    clv: { months: settings.clvMonths, discount_rate: settings.discountRate },
    customers: null,
    repeat_customers: null,
    purchase_days: null,
    zero_price_lines: null,
    transaction: null,
    spend: null,
    frequency_spend_correlation: null,
    fading: null,
    warnings: [],
  };
  if (options.value === 'off') return { section: null, manifest: { ...manifest, reason: '--value off' } };

  const summaries = await buildValueSummaries(connection, asOf);
  const repeaters = summaries.frequency.reduce((n, x) => n + (x > 0 ? 1 : 0), 0);
  Object.assign(manifest, {
    customers: summaries.customers,
    repeat_customers: repeaters,
    purchase_days: summaries.events.purchaseDays,
    zero_price_lines: summaries.events.zeroPriceLines,
  });
  if (repeaters < MIN_REPEAT_CUSTOMERS) {
    const reason = `only ${repeaters} customers bought on more than one day up to ${asOf}; the value models need at least ${MIN_REPEAT_CUSTOMERS}`;
    if (options.value === 'on') throw new InputError(`--value on: ${reason}`);
    return { section: null, manifest: { ...manifest, reason } };
  }

  let fitted: { section: ModelValueSection; scores: ValueScores };
  try {
    fitted = fitAndScoreValueModels(summaries, settings);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    if (options.value === 'on') throw new InputError(`--value on: ${error.message}`, { cause: error });
    return { section: null, manifest: { ...manifest, status: 'failed', reason: error.message } };
  }
  const { section, scores } = fitted;
  await createCustomerValueTable(connection, section, scores);
  return { section, manifest: { ...manifest, ...fittedManifest(section), status: 'fitted' } };
}

/**
 * Scores a run's customers with the `value` section of a saved model.json —
 * for a refresh that keeps its model: builds the purchase-day summaries up to
 * `asOf`, fills `customer_value` with {@link scoreValue}, and returns a result
 * to hand to profileSegments and publishRun like the value stage's.
 *
 * @throws InputError when the section is not a value section this version can read
 */
export async function scoreWithSavedValueModel(connection: DuckDBConnection, asOf: string, section: ModelValueSection): Promise<ValueResult> {
  const summaries = await buildValueSummaries(connection, asOf);
  await createCustomerValueTable(connection, section, scoreValueWithHistories(section, summaries));
  return {
    section,
    manifest: {
      mode: 'on',
      status: 'scored',
      reason: null,
      model: section.model,
      time_unit: section.time_unit,
      clv: { months: section.clv.months, discount_rate: section.clv.discount_rate },
      customers: summaries.customers,
      repeat_customers: summaries.frequency.reduce((n, x) => n + (x > 0 ? 1 : 0), 0),
      purchase_days: summaries.events.purchaseDays,
      zero_price_lines: summaries.events.zeroPriceLines,
      ...fittedManifest(section),
    },
  };
}

/** The fitted models' figures for the manifest. */
function fittedManifest(section: ModelValueSection): Pick<ValueManifest, 'transaction' | 'spend' | 'frequency_spend_correlation' | 'fading' | 'warnings'> {
  return {
    transaction: {
      params: { ...section.transaction.params },
      standard_errors: section.transaction.standardErrors,
      log_likelihood: section.transaction.logLikelihood,
    },
    spend: { params: { ...section.spend.params }, standard_errors: section.spend.standardErrors, log_likelihood: section.spend.logLikelihood },
    frequency_spend_correlation: section.frequency_spend_correlation,
    fading: { clv_threshold: section.fading.clv_threshold, p_alive_drop: section.fading.p_alive_drop },
    warnings: [...section.warnings],
  };
}

/**
 * One line for the terminal on what the value stage did, e.g.
 * "customer value: BG/NBD fitted on 2,357 customers (946 repeat); 1 warning in manifest.json";
 * null for `--value off`.
 */
export function valueSummaryLine(result: ValueResult): string | null {
  const m = result.manifest;
  if (m.mode === 'off') return null;
  if (m.status === 'skipped' || m.status === 'failed') return `customer value: ${m.status}: ${m.reason}`;
  const name = m.model === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD';
  const count = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));
  const warnings = m.warnings.length === 0 ? '' : `; ${m.warnings.length} warning${m.warnings.length === 1 ? '' : 's'} in manifest.json`;
  return `customer value: ${name} ${m.status} on ${count(m.customers)} customers (${count(m.repeat_customers)} repeat)${warnings}`;
}

/**
 * `customer_value`: one row per customer of the value summaries with its
 * scores. Only numbers go back to DuckDB: the figures of each distinct
 * history and each customer's CLV, keyed by position; SQL joins them to the
 * customer ids (see customer_value.sql).
 */
async function createCustomerValueTable(connection: DuckDBConnection, section: ModelValueSection, scores: ValueScores): Promise<void> {
  const { values, histories } = scores;
  await createTableFromColumns(connection, 'value_history_scores', [
    { name: 'history', type: 'INTEGER', values: Int32Array.from({ length: histories.p_alive.length }, (_, h) => h) },
    { name: 'p_alive', type: 'DOUBLE', values: histories.p_alive },
    { name: 'expected_purchases_90d', type: 'DOUBLE', values: histories.expected_purchases_90d },
    { name: 'churn_risk', type: 'DOUBLE', values: histories.churn_risk },
    { name: 'p_alive_drop', type: 'DOUBLE', values: histories.p_alive_drop },
  ]);
  await createTableFromColumns(connection, 'value_customer_clv', [
    { name: 'customer_index', type: 'INTEGER', values: Int32Array.from({ length: values.clv.length }, (_, i) => i) },
    { name: 'clv', type: 'DOUBLE', values: values.clv },
  ]);
  await connection.run(sqlFile('value/customer_value'), {
    clv_threshold: section.fading.clv_threshold,
    p_alive_drop: section.fading.p_alive_drop,
  });
  await connection.run('DROP TABLE value_history_scores; DROP TABLE value_customer_clv');
}
