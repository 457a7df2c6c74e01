/**
 * The flags of the customer master and of firmographic segmentation:
 * `--customers`, `--map-customers`, `--customers-encoding`,
 * `--include-company-name` and `--segment-on`. The zod fields are merged
 * into discover's option schema, so they are validated, and named in
 * errors, like every other flag.
 */
import { z } from 'zod';
import { InputError } from '../errors.ts';

/** `--segment-on`: what the segments are found on. */
export const SEGMENT_ON = ['behaviour', 'firmographics', 'both'] as const;
export type SegmentOn = (typeof SEGMENT_ON)[number];

/** The customer-master flags as zod fields (spread into discover's schema). */
export const CUSTOMER_OPTION_FIELDS = {
  customers: z.string().min(1).optional(),
  mapCustomers: z.string().optional(),
  customersEncoding: z.enum(['utf-8', 'utf-16', 'latin-1']).optional(),
  includeCompanyName: z.boolean().default(false),
  segmentOn: z.enum(SEGMENT_ON).default('behaviour'),
};

/** The parsed customer-master options. */
export type CustomerOptions = z.infer<z.ZodObject<typeof CUSTOMER_OPTION_FIELDS>>;

/**
 * Checks that the flags which need a master come with one: `--segment-on
 * firmographics|both`, `--map-customers`, `--customers-encoding` and
 * `--include-company-name` mean nothing without `--customers FILE`.
 */
export function checkCustomerOptions(options: Partial<CustomerOptions>): void {
  if (options.customers !== undefined) return;
  const needs = (flag: string) => new InputError(`${flag} needs a customer master: add --customers FILE`);
  if (options.segmentOn !== undefined && options.segmentOn !== 'behaviour') throw needs(`--segment-on ${options.segmentOn}`);
  if (options.mapCustomers !== undefined) throw needs('--map-customers');
  if (options.customersEncoding !== undefined) throw needs('--customers-encoding');
  if (options.includeCompanyName === true) throw needs('--include-company-name');
}
