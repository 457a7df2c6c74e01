/**
 * Cleaning rules: which lines are not purchases, and why a line is not used.
 * Each rule lives here once; the staging SQL receives them as parameters and
 * the README documents them from here.
 */

/**
 * Product codes that are not products: postage, fees, manual corrections,
 * discounts, samples, charity and packaging lines (as found in UCI Online
 * Retail). Compared case-insensitively.
 */
export const NON_PRODUCT_CODES: readonly string[] = [
  'POST', // postage
  'DOT', // dotcom postage
  'M', // manual correction
  'C2', // carriage
  'D', // discount
  'S', // samples
  'B', // bad-debt adjustment
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK', // charity commission
  'PADS', // packaging pads sold at 0.001
];

/** Product-code prefixes that are not products (gift vouchers: `gift_0001_10` …). */
export const NON_PRODUCT_PREFIXES: readonly string[] = ['gift_'];

/**
 * Date formats tried after ISO-8601 (`2011-12-09`, `2011-12-09 12:50:00`,
 * `2011-12-09T12:50:00`), in this order. Day-first comes before month-first:
 * German exports write `09.12.2011`; a US-style `12/9/2011` is read as
 * month/day only with slashes.
 */
export const DATE_FORMATS: readonly string[] = [
  '%d.%m.%Y %H:%M:%S',
  '%d.%m.%Y %H:%M',
  '%d.%m.%Y',
  '%m/%d/%Y %H:%M:%S',
  '%m/%d/%Y %H:%M',
  '%m/%d/%Y',
  '%Y%m%d',
  '%Y/%m/%d %H:%M:%S',
  '%Y/%m/%d',
];

/** Why an input row is not used; every row in `rejects.csv` carries one. */
export const REJECT_REASONS = {
  malformed_row: 'the CSV record does not have the header’s number of fields',
  missing_customer_id: 'no customer id',
  missing_order_date: 'no order date',
  invalid_order_date: 'the order date cannot be read as a date',
  missing_quantity: 'no quantity in a file that has a quantity column',
  invalid_quantity: 'the quantity is not a number',
  missing_price: 'neither a unit price nor an amount',
  invalid_price: 'the unit price or amount is not a number',
  duplicate_line: 'an exact duplicate of an earlier line on the same order (double entry)',
  adjustment: 'an accounting adjustment (order id starting with A), not a purchase',
  non_product: 'not a product: postage, fees, discounts, samples, vouchers, manual corrections',
  zero_quantity: 'quantity 0',
  zero_price: 'price or amount 0: not a purchase',
  negative_price: 'negative price on a line that is not a return',
  return_without_purchase: 'a return from a customer with no purchase in the window',
  out_of_window: 'after the as-of date (counted as out_of_window, not as rejected)',
} as const;
export type RejectReason = keyof typeof REJECT_REASONS;
