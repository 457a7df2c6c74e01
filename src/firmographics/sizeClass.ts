/**
 * Company size class after the EU definition of micro, small and medium-sized enterprises.
 *
 * Source: Commission Recommendation 2003/361/EC of 6 May 2003 concerning the definition of micro,
 * small and medium-sized enterprises, OJ L 124, 20.5.2003, p. 36, Annex Art. 2:
 *
 * | class  | staff headcount | annual turnover |
 * |--------|-----------------|-----------------|
 * | micro  | < 10            | ≤ EUR 2 m       |
 * | small  | < 50            | ≤ EUR 10 m      |
 * | medium | < 250           | ≤ EUR 50 m      |
 * | large  | otherwise       |                 |
 *
 * A company is in a class when it meets the headcount ceiling AND the turnover ceiling.
 *
 * What this module does not do, and why:
 * - The Recommendation accepts the balance-sheet total (≤ 2 / 10 / 43 m) as an alternative to
 *   turnover. CRM masters do not carry balance sheets, so only turnover is checked; a company
 *   above the turnover ceiling but under the balance-sheet one is classed one step larger here.
 * - Headcount there is in annual work units of the enterprise including partner and linked
 *   enterprises; a customer master records the employees of one legal entity. We classify what
 *   the master records.
 *
 * When only one of the two figures is known, the class is decided by that figure alone and the
 * result says so in `basis` and `note` (a company with 5 employees and unknown turnover is
 * `micro` on headcount). With neither figure the class is `unknown`.
 */

import { InputError, show } from '../errors.ts';

/** Size classes; `unknown` when neither headcount nor turnover is known. */
export type SizeClass = 'micro' | 'small' | 'medium' | 'large' | 'unknown';

/** The ceilings of Recommendation 2003/361/EC, Annex Art. 2 (turnover alternative only). */
export const SME_CEILINGS: readonly { readonly sizeClass: Exclude<SizeClass, 'large' | 'unknown'>; readonly employeesBelow: number; readonly turnoverAtMostEur: number }[] = [
  { sizeClass: 'micro', employeesBelow: 10, turnoverAtMostEur: 2_000_000 },
  { sizeClass: 'small', employeesBelow: 50, turnoverAtMostEur: 10_000_000 },
  { sizeClass: 'medium', employeesBelow: 250, turnoverAtMostEur: 50_000_000 },
];

/** Which figures decided the class. */
export type SizeBasis = 'employees+turnover' | 'employees' | 'turnover' | 'none';

/** A size class and how it was reached. */
export interface SizeClassResult {
  readonly sizeClass: SizeClass;
  readonly basis: SizeBasis;
  /** Present when the class rests on less than both figures. */
  readonly note?: string;
}

/** Headcount and turnover as read from a customer master; `null`/`undefined`/`''` mean unknown. */
export interface FirmSizeInput {
  readonly employees?: unknown;
  readonly annualRevenueEur?: unknown;
}

/** Validated figures; `null` means unknown. */
export interface FirmSize {
  readonly employees: number | null;
  readonly annualRevenueEur: number | null;
}

/** Quotes a value for a reason; numbers via String so NaN and Infinity are not shown as null. */
function quote(value: unknown): string {
  return typeof value === 'number' ? show(String(value)) : show(value);
}

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** Reads a number from a number or a plain decimal string (`"12"`, `"2500000.50"`); anything else is NaN. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return Number(value);
  return Number.NaN;
}

/**
 * Checks headcount and turnover. Employees must be a non-negative integer, turnover a
 * non-negative finite number of euros; either may be missing. Strings holding plain numbers are
 * accepted because CSV columns arrive as text; German decimal commas (`2,5`) are not, since
 * `1.000` would be ambiguous. Returns every problem found, joined in one reason.
 */
export function validateFirmSize(input: FirmSizeInput): { ok: true; value: FirmSize } | { ok: false; reason: string } {
  const problems: string[] = [];
  let employees: number | null = null;
  let annualRevenueEur: number | null = null;
  if (!isMissing(input.employees)) {
    const n = toNumber(input.employees);
    if (!Number.isFinite(n)) problems.push(`employees ${quote(input.employees)} is not a number`);
    else if (!Number.isInteger(n)) problems.push(`employees ${quote(input.employees)} is not a whole number`);
    else if (n < 0) problems.push(`employees ${quote(input.employees)} is negative`);
    else employees = n;
  }
  if (!isMissing(input.annualRevenueEur)) {
    const r = toNumber(input.annualRevenueEur);
    if (!Number.isFinite(r)) problems.push(`annual revenue ${quote(input.annualRevenueEur)} is not a finite number`);
    else if (r < 0) problems.push(`annual revenue ${quote(input.annualRevenueEur)} is negative`);
    else annualRevenueEur = r;
  }
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, value: { employees, annualRevenueEur } };
}

/**
 * Size class of a company from headcount and annual turnover in EUR (either may be `null` when
 * unknown). Throws {@link InputError} for values {@link validateFirmSize} rejects; call that first
 * when the row should go to a rejects file instead.
 */
export function classifySize(employees: number | null | undefined, annualRevenueEur: number | null | undefined): SizeClassResult {
  const checked = validateFirmSize({ employees, annualRevenueEur });
  if (!checked.ok) throw new InputError(`cannot classify company size: ${checked.reason}`);
  const { employees: e, annualRevenueEur: r } = checked.value;
  if (e === null && r === null) {
    return { sizeClass: 'unknown', basis: 'none', note: 'neither employees nor annual revenue is known' };
  }
  for (const ceiling of SME_CEILINGS) {
    const employeesFit = e === null || e < ceiling.employeesBelow;
    const turnoverFits = r === null || r <= ceiling.turnoverAtMostEur;
    if (employeesFit && turnoverFits) return withBasis(ceiling.sizeClass, e, r);
  }
  return withBasis('large', e, r);
}

function withBasis(sizeClass: SizeClass, e: number | null, r: number | null): SizeClassResult {
  if (e !== null && r !== null) return { sizeClass, basis: 'employees+turnover' };
  if (e !== null) return { sizeClass, basis: 'employees', note: 'annual revenue unknown; classified on employees alone' };
  return { sizeClass, basis: 'turnover', note: 'employees unknown; classified on annual revenue alone' };
}
