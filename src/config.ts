import { z } from 'zod';
import { InputError } from './errors.ts';
import { DEFAULT_LIFECYCLE } from './rules/lifecycle.ts';
import { VALUE_OPTION_FIELDS } from './value/options.ts';
import { checkCustomerOptions, CUSTOMER_OPTION_FIELDS } from './customers/options.ts';

/** How k is chosen: a fixed number, or the best of a range by the documented rule. */
export type KSpec = { kind: 'fixed'; k: number } | { kind: 'range'; min: number; max: number; auto: boolean };

/** The default `--k auto` range. */
export const AUTO_K = { min: 2, max: 10 } as const;

/** Parses `--k auto|N|MIN..MAX`. */
export function parseK(text: string): KSpec {
  const value = text.trim();
  if (value === 'auto') return { kind: 'range', ...AUTO_K, auto: true };
  const fixed = /^\d+$/.exec(value);
  if (fixed) {
    const k = Number(value);
    if (k < 1 || k > 50) throw new InputError(`--k: expected 1 to 50 segments, got ${value}`);
    return { kind: 'fixed', k };
  }
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  if (range) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    if (min < 2 || max > 50 || min > max) throw new InputError(`--k: expected a range MIN..MAX with 2 ≤ MIN ≤ MAX ≤ 50, got ${value}`);
    return { kind: 'range', min, max, auto: false };
  }
  throw new InputError(`--k: expected auto, a number or MIN..MAX (e.g. 3..8), got ${JSON.stringify(value)}`);
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');

/** Every option of `segmenta discover`, its default and its validation. */
export const DiscoverOptionsSchema = z.object({
  input: z.string().min(1),
  out: z.string().min(1),
  map: z.string().optional(),
  asOf: isoDate.optional(),
  k: z.string().default('auto'),
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(42),
  nInit: z.coerce.number().int().min(1).max(100).default(10),
  pcaVariance: z.coerce.number().gt(0).max(1).default(0.9),
  features: z.string().optional(),
  silhouetteSample: z.coerce.number().int().min(100).default(10000),
  stabilityResamples: z.coerce.number().int().min(0).max(500).default(20),
  inactiveDays: z.coerce.number().int().min(1).default(DEFAULT_LIFECYCLE.inactiveDays),
  atRiskDays: z.coerce.number().int().min(1).default(DEFAULT_LIFECYCLE.atRiskDays),
  newDays: z.coerce.number().int().min(1).default(DEFAULT_LIFECYCLE.newDays),
  delimiter: z
    .union([z.literal('whitespace'), z.string().min(1, 'expected one character or "whitespace"').max(4, 'expected one character or "whitespace"')])
    .transform((d) => (d === '\\t' || d === 'tab' ? '\t' : d))
    .optional(),
  encoding: z.enum(['utf-8', 'utf-16', 'latin-1']).optional(),
  header: z.boolean().default(true),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'expected a three-letter ISO 4217 code like EUR').transform((c) => c.toUpperCase()).optional(),
  memoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size like 4GB').optional(),
  tempDirectory: z.string().optional(),
  threads: z.coerce.number().int().min(1).max(256).optional(),
  report: z.boolean().default(true),
  // --value, --value-model, --value-time-unit, --clv-months, --discount-rate (src/value/options.ts)
  ...VALUE_OPTION_FIELDS,
  // --customers, --map-customers, --customers-encoding, --include-company-name, --segment-on (src/customers/options.ts)
  ...CUSTOMER_OPTION_FIELDS,
});
export type DiscoverOptions = z.infer<typeof DiscoverOptionsSchema> & { kSpec: KSpec };

const FLAG_NAMES: Record<string, string> = {
  asOf: '--as-of',
  nInit: '--n-init',
  pcaVariance: '--pca-variance',
  silhouetteSample: '--silhouette-sample',
  stabilityResamples: '--stability-resamples',
  inactiveDays: '--inactive-days',
  atRiskDays: '--at-risk-days',
  newDays: '--new-days',
  memoryLimit: '--memory-limit',
  tempDirectory: '--temp-directory',
};

/** Turns a schema object's field name into its flag (`asOf` → `--as-of`). */
export function flagName(field: string): string {
  return FLAG_NAMES[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Validates raw options once, turning the first problem into a one-line error naming the flag. */
export function parseOptions<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = String(issue.path[0] ?? '');
    const given = field && raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[field] : undefined;
    const got = given === undefined ? 'nothing' : JSON.stringify(given);
    throw new InputError(`${flagName(field)}: ${issue.message.toLowerCase()}, got ${got}`);
  }
  return result.data;
}

/** Parses and validates the options of `discover`. */
export function parseDiscoverOptions(raw: Record<string, unknown>): DiscoverOptions {
  const options = parseOptions(DiscoverOptionsSchema, raw);
  if (options.atRiskDays >= options.inactiveDays) {
    throw new InputError(`--at-risk-days (${options.atRiskDays}) must be smaller than --inactive-days (${options.inactiveDays})`);
  }
  checkCustomerOptions(options);
  return { ...options, kSpec: parseK(options.k) };
}

/** How a refresh decides to refit the model: `auto` refits when drift passes the thresholds in src/refresh/drift.ts. */
export const RETRAIN_MODES = ['never', 'always', 'auto'] as const;
export type RetrainMode = (typeof RETRAIN_MODES)[number];

/**
 * Every option of `segmenta refresh`. The clustering features, the
 * lifecycle thresholds and what the segments are found on (`--segment-on`)
 * are not options: they come from the saved model, so new customers are
 * scored by the same rules; `--k` and `--seed` default to the model's. The
 * customer-master flags (`--customers`, …) are discover's.
 */
export const RefreshOptionsSchema = DiscoverOptionsSchema.omit({
  features: true,
  inactiveDays: true,
  atRiskDays: true,
  newDays: true,
  segmentOn: true,
}).extend({
  model: z.string().min(1),
  k: z.string().optional(),
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).optional(),
  retrain: z.enum(RETRAIN_MODES).default('auto'),
  warehouse: z.string().min(1).default('data/warehouse.duckdb'),
  logFormat: z.enum(['text', 'json']).default('text'),
  dryRun: z.boolean().default(false),
  minSegmentShare: z.coerce.number().min(0).max(1).default(0.005),
  maxSegmentShare: z.coerce.number().gt(0).max(1).default(0.8),
  minCustomerRatio: z.coerce.number().min(0).max(1).default(0.5),
});

/** The options of a refresh: discover's (filled from the model where the model decides) and the refresh's own. */
export type RefreshOptions = DiscoverOptions &
  Pick<
    z.infer<typeof RefreshOptionsSchema>,
    'model' | 'retrain' | 'warehouse' | 'logFormat' | 'dryRun' | 'minSegmentShare' | 'maxSegmentShare' | 'minCustomerRatio'
  >;

/** Validates the flags of `refresh` without the model (for errors before any file is read). */
export function parseRefreshFlags(raw: Record<string, unknown>): z.infer<typeof RefreshOptionsSchema> {
  const flags = parseOptions(RefreshOptionsSchema, raw);
  checkCustomerOptions(flags);
  return flags;
}

/**
 * Completes refresh flags with what the saved model decides: its features,
 * lifecycle thresholds and `segmentOn` (behaviour when the model has no
 * firmographics section) always, its k, seed and currency unless given.
 */
export function refreshOptions(
  flags: z.infer<typeof RefreshOptionsSchema>,
  model: {
    k: number;
    seed: number;
    features: string[];
    lifecycle: { inactiveDays: number; atRiskDays: number; newDays: number };
    segmentOn?: DiscoverOptions['segmentOn'];
    /** The currency the model's amounts are in, when known. */
    currency?: string;
  },
): RefreshOptions {
  const k = flags.k ?? String(model.k);
  return {
    ...flags,
    k,
    kSpec: parseK(k),
    seed: flags.seed ?? model.seed,
    features: model.features.join(','),
    inactiveDays: model.lifecycle.inactiveDays,
    atRiskDays: model.lifecycle.atRiskDays,
    newDays: model.lifecycle.newDays,
    segmentOn: model.segmentOn ?? 'behaviour',
    currency: flags.currency ?? model.currency,
  };
}
