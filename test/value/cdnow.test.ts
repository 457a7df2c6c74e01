/**
 * The published CDNOW results (Fader, Hardie & Lee 2005; Fader & Hardie's
 * Gamma-Gamma note) through segmenta's own ingest and staging: the raw file
 * is read with the flags a user would give, in a fresh in-memory DuckDB, and
 * the value stage's SQL turns the staged lines into the models' inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { ingest } from '../../src/ingest/index.ts';
import { stageLines } from '../../src/staging/index.ts';
import { BetaGeoFitter, GammaGammaFitter } from '../../src/ml/clv/index.ts';
import { fitValueModels, scoreValue, type ModelValueSection } from '../../src/value/model.ts';
import { buildValueSummaries, inTimeUnit, readValueCustomerIds, type ValueSummaries } from '../../src/value/summaries.ts';
import { CDNOW, CDNOW_FLAGS } from './cdnowData.ts';

const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PUBLISHED_LL = -9582.4;
const PUBLISHED_SPEND = { p: 6.25, q: 3.74, gamma: 15.44 };

function withinRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual / expected - 1), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

let db: Database;
let summaries: ValueSummaries;
let customerIds: string[];
let section: ModelValueSection;

beforeAll(async () => {
  db = await openDatabase();
  const input = await ingest(db.connection, CDNOW, CDNOW_FLAGS);
  const staged = await stageLines(db.connection, input, { asOf: '1997-09-30' });
  summaries = await buildValueSummaries(db.connection, staged.asOf);
  customerIds = await readValueCustomerIds(db.connection);
  section = fitValueModels(summaries, { model: 'bgnbd', timeUnit: 'weeks', clvMonths: 12, discountRate: 0.01 });
});
afterAll(() => db?.close());

describe('CDNOW through the pipeline’s ingest and staging', () => {
  it('rejects the eight 0-dollar lines for segmentation, and the value stage counts them as purchase events', async () => {
    const rows = await db.connection.runAndReadAll(
      "SELECT count(*)::INTEGER AS n FROM int_lines WHERE reject_reason = 'zero_price'",
    );
    expect(rows.getRowObjectsJS()[0].n).toBe(8);
    expect(summaries.events.zeroPriceLines).toBe(8);
    // 2,357 customers — the published cohort — not the 2,349 with a paid purchase.
    expect(summaries.customers).toBe(2357);
    expect(customerIds).toHaveLength(2357);
    expect(customerIds[0]).toBe('00004');
  });

  it('has the papers’ 946 repeat customers and 2,457 repeat purchase days', () => {
    let repeaters = 0;
    let repeatDays = 0;
    for (const x of summaries.frequency) {
      if (x > 0) repeaters += 1;
      repeatDays += x;
    }
    expect(repeaters).toBe(946);
    expect(repeatDays).toBe(2457);
    // Customer 00004 (Hardie's customer 1): x = 2, tₓ = 30.43 weeks, T = 38.86 weeks, mean repeat spend 22.35.
    const { recency, T } = inTimeUnit(summaries, 'weeks');
    expect(summaries.frequency[0]).toBe(2);
    expect(recency[0]).toBeCloseTo(30.43, 2);
    expect(T[0]).toBeCloseTo(38.86, 2);
    expect(summaries.monetary[0]).toBeCloseTo(22.345, 10);
  });

  it('fits the published BG/NBD within 0.5 % and its log-likelihood within 0.1', () => {
    const p = section.transaction.params;
    withinRelative(p.r, PUBLISHED.r, 0.005);
    withinRelative(p.alpha, PUBLISHED.alpha, 0.005);
    withinRelative(p.a, PUBLISHED.a, 0.005);
    withinRelative(p.b, PUBLISHED.b, 0.005);
    expect(Math.abs(section.transaction.logLikelihood! - PUBLISHED_LL)).toBeLessThanOrEqual(0.1);
    expect(section.customers).toBe(2357);
    expect(section.repeat_customers).toBe(946);
    // Standard errors from the Hessian (measured: r 0.0126, α 0.378, a 0.186, b 0.705).
    expect(section.transaction.standardErrors!.r).toBeGreaterThan(0.01);
    expect(section.transaction.standardErrors!.b).toBeLessThan(0.8);
  });

  it('fits the published Gamma-Gamma within 1 %, with the frequency–spend correlation and no warning', () => {
    const p = section.spend.params;
    withinRelative(p.p, PUBLISHED_SPEND.p, 0.01);
    withinRelative(p.q, PUBLISHED_SPEND.q, 0.01);
    withinRelative(p.gamma, PUBLISHED_SPEND.gamma, 0.01);
    expect(section.spend.nCustomers).toBe(946);
    expect(section.frequency_spend_correlation).toBeCloseTo(0.1139, 3);
    expect(section.warnings).toEqual([]);
  });

  it('would miss the published fit without the zero-price customers (the treatment matters)', () => {
    // The 8 are one-time buyers whose only purchase was free; without them 2,349 customers remain.
    const keep = Array.from(customerIds.keys()).filter((i) => !ZERO_ONLY.has(customerIds[i]));
    const pick = (values: Float64Array) => Float64Array.from(keep, (i) => values[i]);
    expect(keep).toHaveLength(2349);
    const { recency, T } = inTimeUnit({ recencyDays: pick(summaries.recencyDays), tDays: pick(summaries.tDays) }, 'weeks');
    const model = new BetaGeoFitter().fit(pick(summaries.frequency), recency, T);
    expect(Math.abs(model.logLikelihood - PUBLISHED_LL)).toBeGreaterThan(1);
  });

  it('scores CLV with lifetimes’ discounted-cash-flow formula, P(alive) and churn risk', () => {
    const values = scoreValue(section, summaries);
    const { recency, T } = inTimeUnit(summaries, 'weeks');
    const transaction = BetaGeoFitter.fromJSON(section.transaction);
    const spend = GammaGammaFitter.fromJSON(section.spend);
    for (const i of [0, 5, 17, 2000]) {
      const args = [summaries.frequency[i], recency[i], T[i]] as const;
      const clv = spend.customerLifetimeValue(transaction, ...args, summaries.monetary[i], { timeUnitDays: 7 });
      expect(values.clv[i]).toBeCloseTo(clv, 9);
      expect(values.p_alive[i]).toBeCloseTo(transaction.probabilityAlive(...args), 12);
      expect(values.churn_risk[i]).toBeCloseTo(1 - values.p_alive[i], 12);
      expect(values.expected_purchases_90d[i]).toBeCloseTo(transaction.expectedPurchases(90 / 7, ...args), 12);
    }
    // BG/NBD gives every customer without a repeat purchase P(alive) = 1.
    const oneTimers = Array.from(summaries.frequency.keys()).filter((i) => summaries.frequency[i] === 0);
    expect(oneTimers.every((i) => values.p_alive[i] === 1)).toBe(true);
    // The fading flag needs a top-fifth CLV and a P(alive) fallen by a quarter since the last purchase.
    const fading = Array.from(values.fading.keys()).filter((i) => values.fading[i] === 1);
    expect(fading.length).toBeGreaterThan(0);
    for (const i of fading) {
      expect(values.clv[i]).toBeGreaterThanOrEqual(section.fading.clv_threshold);
      expect(values.p_alive_drop[i]).toBeGreaterThanOrEqual(0.25);
    }
  });

  it('fits MBG/NBD through the same path, where one-time buyers can be gone', () => {
    const mbg = fitValueModels(summaries, { model: 'mbgnbd', timeUnit: 'weeks', clvMonths: 12, discountRate: 0.01 });
    // Measured with the library test's independent reference: r = 0.525, α = 6.183, a = 0.891, b = 1.614.
    withinRelative(mbg.transaction.params.r, 0.525, 0.005);
    withinRelative(mbg.transaction.params.b, 1.614, 0.005);
    expect(mbg.transaction.format).toBe('segmenta.mbgnbd/v1');
    const values = scoreValue(mbg, summaries);
    const oneTimer = summaries.frequency.indexOf(0);
    expect(values.p_alive[oneTimer]).toBeLessThan(1);
  });
});

/** Master ids of the eight customers whose only line is a 0-dollar one (from the raw file). */
const ZERO_ONLY = new Set(['01101', '01753', '02556', '03134', '11270', '12366', '13408', '16921']);
