/**
 * The value stage's SQL summaries against the model library's reference
 * (rfmSummary / holdoutSummary, which follow lifetimes), on random
 * transaction tables; and properties of scoring with a fitted section.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { createTableFromColumns } from '../../src/db/append.ts';
import { holdoutSummary, rfmSummary } from '../../src/ml/clv/index.ts';
import { fitValueModels, scoreValue, type ModelValueSection } from '../../src/value/model.ts';
import { buildValueSummaries, groupHistories, readValueCustomerIds, type ValueSummaries } from '../../src/value/summaries.ts';

const EPOCH_DAY = Date.UTC(2020, 0, 1) / 86_400_000;
const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

interface Line {
  customer: number;
  day: number;
  order: number;
  value: number;
  /** 0 used purchase, 1 return, 2 rejected for zero price, 3 rejected for another reason. */
  kind: number;
}

let db: Database;
beforeAll(async () => {
  db = await openDatabase();
});
afterAll(() => db?.close());

/** A minimal int_lines with the columns the value SQL reads. */
async function loadLines(lines: Line[], asOfDay: number): Promise<void> {
  await createTableFromColumns(db.connection, 'lines_in', [
    { name: 'customer_id', type: 'VARCHAR', values: lines.map((l) => `c${String(l.customer).padStart(3, '0')}`) },
    { name: 'order_id', type: 'VARCHAR', values: lines.map((l) => `o${l.customer}-${l.order}`) },
    { name: 'day', type: 'INTEGER', values: Int32Array.from(lines, (l) => l.day) },
    { name: 'line_value', type: 'DOUBLE', values: Float64Array.from(lines, (l) => (l.kind === 2 ? 0 : l.value)) },
    { name: 'kind', type: 'INTEGER', values: Int32Array.from(lines, (l) => l.kind) },
  ]);
  // Orders here are one day each (their lines share the day), as most invoices are.
  await db.connection.run(
    `CREATE OR REPLACE TABLE int_lines AS
     SELECT customer_id, order_id,
            DATE '1970-01-01' + day AS order_date,
            (DATE '1970-01-01' + day)::TIMESTAMP + INTERVAL 9 HOUR AS order_ts,
            line_value,
            kind = 1 AS is_return,
            CASE kind WHEN 2 THEN 'zero_price' WHEN 3 THEN 'missing_price' END AS reject_reason,
            CASE WHEN kind >= 2 THEN 'rejected' WHEN day > $as_of THEN 'out_of_window' ELSE 'used' END AS status
     FROM lines_in`,
    { as_of: asOfDay },
  );
}

const lineArbitrary = fc.record({
  customer: fc.integer({ min: 0, max: 11 }),
  day: fc.integer({ min: EPOCH_DAY, max: EPOCH_DAY + 120 }),
  order: fc.integer({ min: 0, max: 3 }),
  value: fc.integer({ min: 1, max: 5000 }).map((cents) => cents / 100),
  kind: fc.constantFrom(0, 0, 0, 0, 1, 2, 3),
});

describe('value summaries in SQL', () => {
  it('equal the library reference: same-day orders once, zero-price lines as events, returns and other rejects left out', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineArbitrary, { minLength: 1, maxLength: 60 }), fc.integer({ min: 20, max: 90 }), async (raw, split) => {
        // One order is on one day: give each (customer, order) the day of its first line.
        const dayOf = new Map<string, number>();
        const lines = raw.map((l) => {
          const key = `${l.customer}-${l.order}`;
          if (!dayOf.has(key)) dayOf.set(key, l.day);
          return { ...l, day: dayOf.get(key)! };
        });
        const asOfDay = EPOCH_DAY + split;
        const holdoutEndDay = EPOCH_DAY + 120;
        await loadLines(lines, holdoutEndDay);
        const s = await buildValueSummaries(db.connection, iso(asOfDay), iso(holdoutEndDay));

        const events = lines.filter((l) => l.kind === 0 || l.kind === 2);
        const customer = Int32Array.from(events, (l) => l.customer);
        const day = Int32Array.from(events, (l) => l.day);
        const value = Float64Array.from(events, (l) => (l.kind === 2 ? 0 : l.value));
        const reference = rfmSummary(customer, day, value, { asOfDay, timeUnit: 'days' });
        const holdout = holdoutSummary(customer, day, value, reference.customer, { calibrationEndDay: asOfDay, holdoutEndDay, timeUnit: 'days' });

        expect(await readValueCustomerIds(db.connection)).toEqual(Array.from(reference.customer, (c) => `c${String(c).padStart(3, '0')}`));
        expect(Array.from(s.frequency)).toEqual(Array.from(reference.frequency));
        expect(Array.from(s.recencyDays)).toEqual(Array.from(reference.recency));
        expect(Array.from(s.tDays)).toEqual(Array.from(reference.T));
        s.monetary.forEach((m, i) => expect(m).toBeCloseTo(reference.monetary_value[i], 9));
        expect(Array.from(s.holdoutPurchases)).toEqual(Array.from(holdout.frequency));
        expect(s.events.zeroPriceLines).toBe(lines.filter((l) => l.kind === 2 && l.day <= asOfDay).length);
      }),
      { numRuns: 40, seed: 9 },
    );
  });
});

describe('scoring with a fitted section', () => {
  let summaries: ValueSummaries;
  let section: ModelValueSection;

  beforeAll(() => {
    // A population with visible dropout: 600 customers, rates and lifetimes varying (seeded).
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const n = 600;
    const frequency = new Float64Array(n);
    const recencyDays = new Float64Array(n);
    const tDays = new Float64Array(n);
    const monetary = new Float64Array(n);
    for (let i = 0; i < n; i += 1) {
      const T = 60 + Math.floor(next() * 300);
      const rate = -Math.log(1 - next()) / 40; // purchases per day
      const alive = Math.floor(next() * T);
      let t = 0;
      let x = 0;
      let last = 0;
      for (;;) {
        t += -Math.log(1 - next()) / rate;
        if (t > Math.min(T, alive)) break;
        x += 1;
        last = Math.floor(t);
      }
      frequency[i] = x;
      recencyDays[i] = x > 0 ? last : 0;
      tDays[i] = T;
      monetary[i] = x > 0 ? 10 + next() * 90 : 0;
    }
    summaries = {
      asOf: '2021-01-01',
      customers: n,
      frequency,
      recencyDays,
      tDays,
      monetary,
      holdoutPurchases: new Float64Array(n),
      ...groupHistories({ frequency, recencyDays, tDays }),
      events: { purchaseDays: 0, zeroPriceLines: 0 },
    };
    section = fitValueModels(summaries, { model: 'bgnbd', timeUnit: 'days', clvMonths: 12, discountRate: 0.01 });
  });

  it('gives finite, non-negative figures for extreme histories, with churn risk = 1 − P(alive)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 36500, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (x, share, T, spend) => {
          const tDays = Math.round(T);
          const recency = x === 0 ? 0 : Math.round(share * tDays);
          const v = scoreValue(section, {
            frequency: Float64Array.of(x),
            recencyDays: Float64Array.of(recency),
            tDays: Float64Array.of(tDays),
            monetary: Float64Array.of(x === 0 ? 0 : spend),
          });
          expect(Number.isFinite(v.clv[0]) && v.clv[0] >= 0).toBe(true);
          expect(v.p_alive[0]).toBeGreaterThanOrEqual(0);
          expect(v.p_alive[0]).toBeLessThanOrEqual(1);
          expect(v.churn_risk[0]).toBeCloseTo(1 - v.p_alive[0], 12);
          expect(v.expected_purchases_90d[0]).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });

  it('CLV grows with the horizon and falls with the discount rate; P(alive) falls with silence', () => {
    const one = (months: number, rate: number, T: number) =>
      scoreValue(
        { ...section, clv: { ...section.clv, months, discount_rate: rate } },
        { frequency: Float64Array.of(5), recencyDays: Float64Array.of(100), tDays: Float64Array.of(T), monetary: Float64Array.of(40) },
      );
    expect(one(24, 0.01, 150).clv[0]).toBeGreaterThan(one(12, 0.01, 150).clv[0]);
    expect(one(12, 0.05, 150).clv[0]).toBeLessThan(one(12, 0.01, 150).clv[0]);
    expect(one(12, 0.01, 300).p_alive[0]).toBeLessThan(one(12, 0.01, 150).p_alive[0]);
    expect(one(12, 0.01, 300).p_alive_drop[0]).toBeGreaterThan(one(12, 0.01, 150).p_alive_drop[0]);
  });

  it('scores a customer the same alone and among others (the per-history cache is exact)', () => {
    const all = scoreValue(section, summaries);
    for (const i of [0, 17, 599]) {
      const alone = scoreValue(section, {
        frequency: summaries.frequency.subarray(i, i + 1),
        recencyDays: summaries.recencyDays.subarray(i, i + 1),
        tDays: summaries.tDays.subarray(i, i + 1),
        monetary: summaries.monetary.subarray(i, i + 1),
      });
      expect(alone.clv[0]).toBe(all.clv[i]);
      expect(alone.p_alive[0]).toBe(all.p_alive[i]);
    }
    // The fading threshold is the fitted population's 80th CLV percentile.
    const sorted = Array.from(all.clv).sort((a, b) => a - b);
    expect(section.fading.clv_threshold).toBeCloseTo(sorted[Math.floor(0.8 * (sorted.length - 1))], -1);
  });
});
