import { describe, expect, it } from 'vitest';
import { cadencePhrase, describeFirmographics, industryPhrase, regionPhrase, shortTitle, sizePhrase } from '../../src/segments/describeFirmographics.ts';

const wholesaleSmallSouth = {
  customers: 100,
  customers_with_master: 100,
  divisions: { '46': 70, '47': 20, '28': 10 },
  sections: { G: 90, C: 10 },
  size_classes: { micro: 10, small: 75, medium: 15 },
  states: [
    { state: 'BY', customers: 40 },
    { state: 'BW', customers: 30 },
    { state: 'NW', customers: 30 },
  ],
};

describe('describeFirmographics', () => {
  it('says who the segment is and how often it orders, in English and German', () => {
    expect(describeFirmographics(wholesaleSmallSouth, 'en', { medianDaysBetweenOrders: 30, medianOrders: 6 })).toEqual({
      who: 'Mostly wholesale trade (WZ 46), small firms in Bavaria and Baden-Württemberg.',
      summary: 'Mostly wholesale trade (WZ 46), small firms in Bavaria and Baden-Württemberg, order monthly.',
    });
    expect(describeFirmographics(wholesaleSmallSouth, 'de', { medianDaysBetweenOrders: 30, medianOrders: 6 }).summary).toBe(
      'Überwiegend Großhandel (WZ 46), kleine Unternehmen in Bayern und Baden-Württemberg, bestellen monatlich.',
    );
  });

  it('names two industries, a section, or a mix, by the thresholds', () => {
    expect(industryPhrase({ divisions: { '46': 30, '47': 25, '56': 45 }, sections: { G: 55, I: 45 } }, 'en')).toBe(
      'mainly food and beverage service activities (WZ 56) and wholesale trade (WZ 46)',
    );
    expect(industryPhrase({ divisions: { '25': 20, '28': 20, '22': 20, '10': 20, '56': 20 }, sections: { C: 80, I: 20 } }, 'en')).toBe(
      'mostly manufacturing (section C)',
    );
    expect(industryPhrase({ divisions: { '25': 20, '47': 20, '56': 20, '62': 20, '73': 20 }, sections: { C: 20, G: 20, I: 20, J: 20, M: 20 } }, 'en')).toBe(
      'a mix of industries, most often manufacture of fabricated metal products (WZ 25, 20%)',
    );
    expect(industryPhrase({ divisions: {}, sections: {} }, 'en')).toBeNull();
  });

  it('words sizes smaller first, and regions across Germany when no two states hold half', () => {
    expect(sizePhrase({ size_classes: { micro: 40, small: 45, unknown: 500 } }, 'en')).toBe('micro and small firms');
    expect(sizePhrase({ size_classes: { large: 9, medium: 1 } }, 'en')).toBe('large companies');
    expect(sizePhrase({ size_classes: { micro: 40, small: 45 } }, 'de')).toBe('Kleinst- und Kleinunternehmen');
    expect(sizePhrase({ size_classes: { medium: 50, small: 45 } }, 'de')).toBe('kleine und mittlere Unternehmen');
    const spread = [{ state: 'NI', customers: 30 }, { state: 'NW', customers: 19 }, { state: 'BY', customers: 18 }, { state: 'BW', customers: 18 }, { state: 'HE', customers: 15 }];
    expect(regionPhrase({ states: spread }, 'en')).toBe('across Germany, most in Lower Saxony (30%)');
    expect(regionPhrase({ states: spread }, 'de')).toBe('bundesweit, am meisten in Niedersachsen (30\u00a0%)');
    expect(regionPhrase({ states: [{ state: 'abroad', customers: 8 }, { state: 'BY', customers: 2 }] }, 'en')).toBe('abroad');
  });

  it('says how many have master data when not nearly all do, and when none do', () => {
    const half = { ...wholesaleSmallSouth, customers: 200 };
    expect(describeFirmographics(half, 'en').who).toBe('Mostly wholesale trade (WZ 46), small firms in Bavaria and Baden-Württemberg (master data for 50% of the customers).');
    const none = { customers: 5, customers_with_master: 0, divisions: {}, sections: {}, size_classes: {}, states: [] };
    expect(describeFirmographics(none, 'en', { medianOrders: 1 })).toEqual({
      who: 'No customer in this segment has master data.',
      summary: 'No customer in this segment has master data. Mostly ordered once.',
    });
  });

  it('reads order rhythm from the medians', () => {
    expect(cadencePhrase(7, 20, 'en')).toBe('order weekly');
    expect(cadencePhrase(14, 20, 'en')).toBe('order every two weeks');
    expect(cadencePhrase(90, 3, 'de')).toBe('bestellen quartalsweise');
    expect(cadencePhrase(400, 2, 'en')).toBe('order rarely');
    expect(cadencePhrase(Number.NaN, 1, 'en')).toBe('mostly ordered once');
    expect(cadencePhrase(undefined, undefined, 'en')).toBeNull();
  });

  it('shortens the official titles', () => {
    expect(shortTitle('Wholesale trade, except of motor vehicles and motorcycles')).toBe('Wholesale trade');
    expect(shortTitle('Manufacture of machinery and equipment n.e.c.')).toBe('Manufacture of machinery and equipment');
    expect(shortTitle('Großhandel (ohne Handel mit Kraftfahrzeugen)')).toBe('Großhandel');
  });
});
