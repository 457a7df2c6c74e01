/**
 * The flags of the value stage (`discover`) and of `validate-value`: which
 * transaction model, in which time unit, and the CLV horizon and discount.
 * The zod fields are merged into discover's option schema so they are
 * validated, and named in errors, like every other flag.
 */
import type { Command } from 'commander';
import { z } from 'zod';

/** `--value`: off, on (a failure is an error), or auto (on when the data supports it). */
export const VALUE_MODES = ['off', 'on', 'auto'] as const;
export type ValueMode = (typeof VALUE_MODES)[number];

/** `--value-model`: BG/NBD (Fader, Hardie & Lee 2005) or MBG/NBD (Batislam, Denizel & Filiztekin 2007). */
export const VALUE_MODELS = ['bgnbd', 'mbgnbd'] as const;
export type ValueModelName = (typeof VALUE_MODELS)[number];

/** `--value-time-unit`: the unit of recency and T the models are fitted in. */
export const VALUE_TIME_UNITS = ['days', 'weeks'] as const;

/** The defaults, in one place for the flags, the schema and docs/value.md. */
export const VALUE_DEFAULTS = {
  value: 'auto',
  valueModel: 'bgnbd',
  valueTimeUnit: 'weeks',
  clvMonths: 12,
  discountRate: 0.01,
} as const;

/** The value flags as zod fields (spread into discover's schema). */
export const VALUE_OPTION_FIELDS = {
  value: z.enum(VALUE_MODES).default(VALUE_DEFAULTS.value),
  valueModel: z.enum(VALUE_MODELS).default(VALUE_DEFAULTS.valueModel),
  valueTimeUnit: z.enum(VALUE_TIME_UNITS).default(VALUE_DEFAULTS.valueTimeUnit),
  clvMonths: z.coerce.number().int().min(1).max(120).default(VALUE_DEFAULTS.clvMonths),
  discountRate: z.coerce.number().min(0).max(1).default(VALUE_DEFAULTS.discountRate),
};

/** The parsed value options. */
export type ValueOptions = z.infer<z.ZodObject<typeof VALUE_OPTION_FIELDS>>;

/** Adds the model flags of `validate-value` (discover lists them with its own flags). */
export function withValueModelFlags(command: Command): Command {
  return command
    .option('--value-model <model>', 'customer-lifetime-value transaction model: bgnbd or mbgnbd', VALUE_DEFAULTS.valueModel)
    .option('--value-time-unit <unit>', 'time unit the value models are fitted in: days or weeks', VALUE_DEFAULTS.valueTimeUnit);
}
