/**
 * The shortcuts the value stage takes at scale give the same numbers as the
 * straightforward computation: purchase days from the features stage's
 * orders equal those from the lines, the fit on distinct histories with their
 * counts equals the fit on every customer, per-history scoring equals
 * per-customer scoring, and customer_value in DuckDB holds the scores.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNumericColumns } from '../../src/db/columns.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { buildCustomerFeatures } from '../../src/features/build.ts';
import { ingest } from '../../src/ingest/index.ts';
import { BetaGeoFitter, DAYS_PER_TIME_UNIT, GammaGammaFitter, ModifiedBetaGeoFitter } from '../../src/ml/clv/index.ts';
import { stageLines } from '../../src/staging/index.ts';
import { fitValueModels, scoreValue, type ModelValueSection } from '../../src/value/model.ts';
import { runValueStage } from '../../src/value/stage.ts';
import { buildValueSummaries, groupHistories, inTimeUnit, readValueCustomerIds, type ValueSummaries } from '../../src/value/summaries.ts';
import { tempDir } from '../helpers/files.ts';
import { SHOP_HEADER, shopRows, toCsv } from '../helpers/shop.ts';
import { CDNOW, CDNOW_FLAGS } from './cdnowData.ts';

const LIFECYCLE = { inactiveDays: 180, atRiskDays: 90, newDays: 90 };

/** A shop with what makes purchase days tricky: free lines in paid orders, free-only orders, an order over midnight, returns. */
function trickyShop(): string {
  const rows = shopRows(60, 3);
  const add = (invoice: string, qty: number, date: string, price: string, customer: string) =>
    rows.push([invoice, 'P999', 'EXTRA', String(qty), date, price, customer, 'United Kingdom']);
  // A free line in a paid order, and a free line that opens a paid order the evening before.
  const [paid] = rows.filter((r) => r[6] === 'c002');
  add(paid[0], 1, paid[4], '0.00', 'c002');
  add('600001', 2, '2011-05-03 23:50:00', '0.00', 'c005');
  add('600001', 2, '2011-05-04 00:10:00', '3.50', 'c005');
  add('600001', 1, '2011-05-04 00:20:00', '1.25', 'c005');
  // Orders of free lines only: on a day with a paid order, and on a day of their own.
  const [other] = rows.filter((r) => r[6] === 'c009');
  add('600002', 1, other[4], '0.00', 'c009');
  add('600003', 4, '2011-02-10 10:00:00', '0.00', 'c009');
  add('600004', 1, '2011-03-10 10:00:00', '0.00', 'c013');
  // Returns are not purchase events.
  add('C600005', -1, '2011-06-01 12:00:00', '2.00', 'c002');
  add('C600006', -2, '2011-07-01 12:00:00', '2.00', 'c017');
  const path = join(tempDir(), 'tricky.csv');
  writeFileSync(path, toCsv(SHOP_HEADER, rows));
  return path;
}

async function purchaseDays(db: Database): Promise<string[]> {
  const reader = await db.connection.runAndReadAll(
    `SELECT customer_id || '|' || purchase_day || '|' || spend || '|' || orders || '|' || zero_price_lines AS r
     FROM value_purchase_days ORDER BY customer_id, purchase_day`,
  );
  return reader.getRowObjectsJS().map((row) => String(row.r));
}

describe('purchase days from int_orders', () => {
  for (const [name, source] of [
    ['a shop with free lines, an order over midnight and returns', () => ({ path: trickyShop(), flags: {} })],
    ['CDNOW (no order ids, eight free purchases)', () => ({ path: CDNOW, flags: CDNOW_FLAGS })],
  ] as const) {
    it(`equal those from int_lines alone: ${name}`, async () => {
      const db = await openDatabase();
      try {
        const { path, flags } = source();
        const staged = await stageLines(db.connection, await ingest(db.connection, path, flags), {});
        await buildCustomerFeatures(db.connection, staged.asOf, LIFECYCLE);
        const fromOrders = await buildValueSummaries(db.connection, staged.asOf);
        const daysFromOrders = await purchaseDays(db);
        await db.connection.run('DROP TABLE int_orders');
        const fromLines = await buildValueSummaries(db.connection, staged.asOf);
        const daysFromLines = await purchaseDays(db);

        expect(fromOrders.events.zeroPriceLines).toBeGreaterThan(0);
        expect(daysFromOrders).toEqual(daysFromLines);
        expect(fromOrders).toEqual(fromLines);
      } finally {
        db.close();
      }
    });
  }
});

describe('on CDNOW', () => {
  let db: Database;
  let summaries: ValueSummaries;
  let section: ModelValueSection;
  beforeAll(async () => {
    db = await openDatabase();
    const staged = await stageLines(db.connection, await ingest(db.connection, CDNOW, CDNOW_FLAGS), { asOf: '1997-09-30' });
    summaries = await buildValueSummaries(db.connection, staged.asOf);
    section = fitValueModels(summaries, { model: 'bgnbd', timeUnit: 'weeks', clvMonths: 12, discountRate: 0.01 });
  });
  afterAll(() => db?.close());

  it('groups customers into histories in SQL as in the process, numbered by first customer', () => {
    const grouped = groupHistories(summaries);
    expect(summaries.histories.frequency.length).toBeLessThan(summaries.customers);
    expect(summaries.history).toEqual(grouped.history);
    expect(summaries.histories).toEqual(grouped.histories);
    let total = 0;
    summaries.histories.customers.forEach((c) => (total += c));
    expect(total).toBe(summaries.customers);
  });

  for (const [name, Fitter] of [
    ['BG/NBD', BetaGeoFitter],
    ['MBG/NBD', ModifiedBetaGeoFitter],
  ] as const) {
    it(`fits ${name} on the weighted histories exactly as on the customers`, () => {
      const perCustomer = inTimeUnit(summaries, 'weeks');
      const byCustomer = new Fitter().fit(summaries.frequency, perCustomer.recency, perCustomer.T);
      const h = summaries.histories;
      const perHistory = inTimeUnit(h, 'weeks');
      const byHistory = new Fitter().fit(h.frequency, perHistory.recency, perHistory.T, h.customers);
      expect(byHistory.params).toEqual(byCustomer.params);
      expect(byHistory.logLikelihood).toBe(byCustomer.logLikelihood);
      expect(byHistory.standardErrors).toEqual(byCustomer.standardErrors);
      expect([byHistory.nCustomers, byHistory.nRepeaters]).toEqual([byCustomer.nCustomers, byCustomer.nRepeaters]);
    });
  }

  it('rejects weights that are not customer counts', () => {
    const h = summaries.histories;
    const weights = Float64Array.from(h.customers);
    weights[3] = 0.5;
    expect(() => new BetaGeoFitter().fit(h.frequency, h.recencyDays, h.tDays, weights)).toThrow(/weight must be a positive integer; got 0\.5 at row 3/);
  });

  it('scores per history exactly as per customer', () => {
    const values = scoreValue(section, summaries);
    const transaction = BetaGeoFitter.fromJSON(section.transaction);
    const spend = GammaGammaFitter.fromJSON(section.spend);
    const unit = DAYS_PER_TIME_UNIT[section.time_unit];
    const { recency, T } = inTimeUnit(summaries, section.time_unit);
    const monthLength = section.clv.days_per_month / unit;
    for (let i = 0; i < summaries.customers; i += 1) {
      const x = summaries.frequency[i];
      const alive = transaction.probabilityAlive(x, recency[i], T[i]);
      let discounted = 0;
      let previous = 0;
      for (let m = 1; m <= section.clv.months; m += 1) {
        const cumulative = transaction.expectedPurchases(m * monthLength, x, recency[i], T[i]);
        discounted += (cumulative - previous) / (1 + section.clv.discount_rate) ** m;
        previous = cumulative;
      }
      const paid = summaries.monetary[i] > 0;
      expect(values.clv[i]).toBe(spend.conditionalExpectedAverageProfit(paid ? x : 0, paid ? summaries.monetary[i] : 0) * discounted);
      expect(values.p_alive[i]).toBe(alive);
      expect(values.churn_risk[i]).toBe(1 - alive);
      expect(values.expected_purchases_90d[i]).toBe(transaction.expectedPurchases(section.expected_purchases_days / unit, x, recency[i], T[i]));
      expect(values.p_alive_drop[i]).toBe(Math.max(0, transaction.probabilityAlive(x, recency[i], recency[i]) - alive));
    }
  });

  it('writes the scores to customer_value in customer_id order, with the fading flag', async () => {
    const result = await runValueStage(db.connection, summaries.asOf, {
      value: 'on',
      valueModel: 'bgnbd',
      valueTimeUnit: 'weeks',
      clvMonths: 12,
      discountRate: 0.01,
    });
    const values = scoreValue(result.section!, summaries);
    const names = ['clv', 'p_alive', 'expected_purchases_90d', 'churn_risk', 'p_alive_drop', 'fading'] as const;
    const { columns } = await readNumericColumns(db.connection, `SELECT ${names.join(', ')} FROM customer_value`);
    names.forEach((name, c) => expect(columns[c], name).toEqual(values[name]));
    expect(values.fading.some((f) => f === 1)).toBe(true);
    const ids = await db.connection.runAndReadAll('SELECT customer_id FROM customer_value');
    expect(ids.getRowObjectsJS().map((r) => String(r.customer_id))).toEqual(await readValueCustomerIds(db.connection));
  });
});
