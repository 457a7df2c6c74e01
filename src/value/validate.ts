/**
 * Calibration / holdout check of the transaction model, as in Fader, Hardie
 * & Lee (2005): fit on the purchases up to the calibration end, predict each
 * calibration customer's repeat purchase days in the holdout period, and
 * compare with what they actually did — in total and by the number of repeat
 * purchases in the calibration period (0, 1, …, 7+).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../errors.ts';
import { queryOne } from '../db/query.ts';
import { DAYS_PER_TIME_UNIT, type TimeUnit } from '../ml/clv/index.ts';
import { fitTransactionModel } from './model.ts';
import type { ValueModelName } from './options.ts';
import { buildValueSummaries, inTimeUnit } from './summaries.ts';

/** Format tag of the validation JSON. */
export const VALIDATION_FORMAT = 'segmenta.value-validation/v1';

/** Calibration repeat purchases from which customers are pooled into the last group ("7+"). */
export const POOLED_FROM = 7;

/** One group of calibration customers by their repeat purchases in the calibration period. */
export interface HoldoutGroup {
  /** "0", "1", …, "7+". */
  frequency: string;
  customers: number;
  /** Repeat purchase days in the holdout, summed over the group. */
  actual: number;
  predicted: number;
  actual_mean: number;
  predicted_mean: number;
}

/** The result of {@link validateHoldout}, written as validation.json. */
export interface HoldoutValidation {
  format: typeof VALIDATION_FORMAT;
  model: ValueModelName;
  time_unit: TimeUnit;
  /** First purchase day in the data; calibration end; holdout end (YYYY-MM-DD). */
  calibration_start: string;
  calibration_end: string;
  holdout_end: string;
  /** Length of the holdout in time units (the horizon predicted for). */
  holdout_length: number;
  customers: number;
  repeat_customers: number;
  params: Record<string, number>;
  standard_errors: Record<string, number | null> | null;
  log_likelihood: number | null;
  total: { actual: number; predicted: number; error: number; relative_error: number | null };
  by_frequency: HoldoutGroup[];
}

/**
 * Validates the transaction model on the staged lines (`int_lines`), which
 * must reach at least to the holdout end.
 *
 * @param calibrationEnd last day of the calibration period (YYYY-MM-DD)
 * @param holdoutEnd last day of the holdout period; after calibrationEnd
 * @throws InputError when the periods are out of order, the calibration period has no purchase, or the fit fails
 */
export async function validateHoldout(
  connection: DuckDBConnection,
  options: { calibrationEnd: string; holdoutEnd: string; model: ValueModelName; timeUnit: TimeUnit },
): Promise<HoldoutValidation> {
  const { calibrationEnd, holdoutEnd, model, timeUnit } = options;
  if (!(calibrationEnd < holdoutEnd)) {
    throw new InputError(`--calibration-end ${calibrationEnd} must be before the holdout end ${holdoutEnd}`);
  }
  const summaries = await buildValueSummaries(connection, calibrationEnd, holdoutEnd);
  if (summaries.customers === 0) {
    throw new InputError(`--calibration-end ${calibrationEnd}: no purchase on or before it`);
  }
  const { first } = await queryOne<{ first: string }>(
    connection,
    "SELECT strftime(min(purchase_day), '%Y-%m-%d') AS first FROM value_purchase_days",
  );
  const transaction = fitTransactionModel(summaries, model, timeUnit);
  const { recency, T } = inTimeUnit(summaries, timeUnit);
  const length = daysBetween(calibrationEnd, holdoutEnd) / DAYS_PER_TIME_UNIT[timeUnit];

  const groups = Array.from({ length: POOLED_FROM + 1 }, (_, x) => ({
    frequency: x === POOLED_FROM ? `${POOLED_FROM}+` : String(x),
    customers: 0,
    actual: 0,
    predicted: 0,
  }));
  for (let i = 0; i < summaries.customers; i += 1) {
    const x = summaries.frequency[i];
    const group = groups[Math.min(POOLED_FROM, x)];
    group.customers += 1;
    group.actual += summaries.holdoutPurchases[i];
    group.predicted += transaction.expectedPurchases(length, x, recency[i], T[i]);
  }
  const actual = groups.reduce((sum, g) => sum + g.actual, 0);
  const predicted = groups.reduce((sum, g) => sum + g.predicted, 0);
  const document = transaction.toJSON();
  return {
    format: VALIDATION_FORMAT,
    model,
    time_unit: timeUnit,
    calibration_start: first,
    calibration_end: calibrationEnd,
    holdout_end: holdoutEnd,
    holdout_length: round(length, 6),
    customers: summaries.customers,
    repeat_customers: transaction.nRepeaters,
    params: { ...document.params },
    standard_errors: document.standardErrors,
    log_likelihood: document.logLikelihood,
    total: {
      actual,
      predicted: round(predicted, 4),
      error: round(predicted - actual, 4),
      relative_error: actual > 0 ? round(predicted / actual - 1, 6) : null,
    },
    by_frequency: groups.map((g) => ({
      ...g,
      predicted: round(g.predicted, 4),
      actual_mean: g.customers > 0 ? round(g.actual / g.customers, 6) : 0,
      predicted_mean: g.customers > 0 ? round(g.predicted / g.customers, 6) : 0,
    })),
  };
}

/** The validation as a plain-text table for the terminal. */
export function holdoutTable(v: HoldoutValidation): string {
  const name = v.model === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD';
  const p = v.params;
  const unit = v.time_unit === 'weeks' ? 'weeks' : 'days';
  const rows = [
    ['repeat purchases in calibration', 'customers', 'actual', 'predicted', 'actual per customer', 'predicted per customer', 'error'],
    ...v.by_frequency.map((g) => [
      g.frequency,
      int(g.customers),
      int(g.actual),
      fixed(g.predicted, 1),
      fixed(g.actual_mean, 3),
      fixed(g.predicted_mean, 3),
      g.actual > 0 ? percent(g.predicted / g.actual - 1) : '—',
    ]),
    ['total', int(v.customers), int(v.total.actual), fixed(v.total.predicted, 1), '', '', v.total.relative_error === null ? '—' : percent(v.total.relative_error)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [
    `${name} holdout validation (time unit ${unit}): calibration ${v.calibration_start} … ${v.calibration_end}, holdout to ${v.holdout_end} (${fixed(v.holdout_length, 2)} ${unit})`,
    `${int(v.customers)} customers, ${int(v.repeat_customers)} with a repeat purchase in calibration; r = ${fixed(p.r, 4)}, α = ${fixed(p.alpha, 4)}, a = ${fixed(p.a, 4)}, b = ${fixed(p.b, 4)}, log-likelihood ${v.log_likelihood === null ? '—' : fixed(v.log_likelihood, 1)}`,
    'Repeat purchase days in the holdout, actual and predicted:',
    '',
    line(rows[0]),
    ...rows.slice(1, -1).map(line),
    line(rows[rows.length - 1]),
    '',
  ].join('\n');
}

function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function int(value: number): string {
  return INTEGER.format(value);
}

function fixed(value: number, digits: number): string {
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

function percent(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)}%`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
