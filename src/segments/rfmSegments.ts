/**
 * The RFM rule table: every customer's R, F and M scores (1–5, 5 = most
 * recent / most frequent / highest revenue, quintiles computed upstream) map
 * to one of eleven named segments that marketing teams know from CRM
 * practice.
 *
 * The grid is read on R × FM, where FM = round-half-up((F + M) / 2): frequency
 * and revenue move together for most customers, so averaging them keeps the
 * table at 25 cells a person can check, instead of 125. Rounding half up
 * gives the benefit of the doubt to the better score (F 4 + M 5 → FM 5).
 *
 * Rows R = 5 … 1, columns FM = 1 … 5:
 *
 * | R \ FM | 1 | 2 | 3 | 4 | 5 |
 * |---|---|---|---|---|---|
 * | 5 | New | Potential Loyalist | Potential Loyalist | Champions | Champions |
 * | 4 | Promising | Potential Loyalist | Potential Loyalist | Loyal | Champions |
 * | 3 | About to Sleep | About to Sleep | Need Attention | Loyal | Loyal |
 * | 2 | Hibernating | Hibernating | At Risk | At Risk | Can't Lose Them |
 * | 1 | Lost | Lost | Hibernating | At Risk | Can't Lose Them |
 */

import type { Lang, Localized } from './i18n.ts';

/** The RFM segment names, in the order used for listings (best and most recent first). */
export const RFM_SEGMENT_NAMES = [
  'Champions',
  'Loyal',
  'Potential Loyalist',
  'New',
  'Promising',
  'Need Attention',
  'About to Sleep',
  'At Risk',
  "Can't Lose Them",
  'Hibernating',
  'Lost',
] as const;

/**
 * An RFM segment. The English name is the key that `segments.json` uses in
 * `rfm_segments`, so it never changes with the report language.
 */
export type RfmSegmentName = (typeof RFM_SEGMENT_NAMES)[number];

/** An RFM score, 1 (worst quintile) to 5 (best). */
export type RfmScore = 1 | 2 | 3 | 4 | 5;

/** One row of the grid: the segments for FM = 1 … 5. */
export type RfmGridRow = readonly [RfmSegmentName, RfmSegmentName, RfmSegmentName, RfmSegmentName, RfmSegmentName];

/** The rule table as data: `RFM_GRID[r][fm - 1]` is the segment of a customer with recency score r and FM score fm. */
export const RFM_GRID: Readonly<Record<RfmScore, RfmGridRow>> = {
  5: ['New', 'Potential Loyalist', 'Potential Loyalist', 'Champions', 'Champions'],
  4: ['Promising', 'Potential Loyalist', 'Potential Loyalist', 'Loyal', 'Champions'],
  3: ['About to Sleep', 'About to Sleep', 'Need Attention', 'Loyal', 'Loyal'],
  2: ['Hibernating', 'Hibernating', 'At Risk', 'At Risk', "Can't Lose Them"],
  1: ['Lost', 'Lost', 'Hibernating', 'At Risk', "Can't Lose Them"],
};

/** What an RFM segment means and what to do about it. */
export interface RfmSegmentInfo {
  name: RfmSegmentName;
  /** Display name. */
  label: Localized;
  /** One line: who these customers are. */
  meaning: Localized;
  /** One imperative sentence: the default action. */
  action: Localized;
}

/** Meaning and default action of every RFM segment, in English and German. */
export const RFM_SEGMENTS: Readonly<Record<RfmSegmentName, RfmSegmentInfo>> = {
  Champions: {
    name: 'Champions',
    label: { en: 'Champions', de: 'Champions' },
    meaning: {
      en: 'Bought recently, buy often and spend the most.',
      de: 'Haben kürzlich gekauft, kaufen oft und geben am meisten aus.',
    },
    action: {
      en: 'Reward them with VIP perks, early access and referral asks; no discounts needed.',
      de: 'Mit VIP-Vorteilen, frühem Zugang und der Bitte um Weiterempfehlung belohnen; Rabatte sind unnötig.',
    },
  },
  Loyal: {
    name: 'Loyal',
    label: { en: 'Loyal', de: 'Treue Kunden' },
    meaning: {
      en: 'Buy regularly and spend well, but are not the most recent buyers.',
      de: 'Kaufen regelmäßig und geben gut aus, haben aber nicht ganz zuletzt gekauft.',
    },
    action: {
      en: 'Upsell higher-value products and invite them to the loyalty programme.',
      de: 'Höherwertige Produkte anbieten und ins Treueprogramm einladen.',
    },
  },
  'Potential Loyalist': {
    name: 'Potential Loyalist',
    label: { en: 'Potential Loyalist', de: 'Potenzielle Stammkunden' },
    meaning: {
      en: 'Recent customers with a few orders and average spend.',
      de: 'Kürzlich aktive Kunden mit einigen Bestellungen und durchschnittlichen Ausgaben.',
    },
    action: {
      en: 'Offer the loyalty programme and recommend related products.',
      de: 'Das Treueprogramm anbieten und passende Produkte empfehlen.',
    },
  },
  New: {
    name: 'New',
    label: { en: 'New', de: 'Neukunden' },
    meaning: {
      en: 'Bought very recently, but rarely and for little so far.',
      de: 'Haben gerade gekauft, bisher aber selten und für wenig Geld.',
    },
    action: {
      en: 'Start an onboarding series with a second-purchase incentive within 30 days.',
      de: 'Eine Willkommensstrecke mit Anreiz zum zweiten Kauf innerhalb von 30 Tagen starten.',
    },
  },
  Promising: {
    name: 'Promising',
    label: { en: 'Promising', de: 'Vielversprechend' },
    meaning: {
      en: 'Bought recently, but have not ordered often or spent much yet.',
      de: 'Haben vor Kurzem gekauft, aber noch selten bestellt und wenig ausgegeben.',
    },
    action: {
      en: 'Build the relationship with brand content and a small repeat-purchase offer.',
      de: 'Die Beziehung mit Markeninhalten und einem kleinen Angebot zum Wiederkauf aufbauen.',
    },
  },
  'Need Attention': {
    name: 'Need Attention',
    label: { en: 'Need Attention', de: 'Brauchen Aufmerksamkeit' },
    meaning: {
      en: 'Average recency, frequency and spend; they may drift away without contact.',
      de: 'Durchschnittlich bei letztem Kauf, Häufigkeit und Ausgaben; ohne Kontakt drohen sie abzudriften.',
    },
    action: {
      en: 'Send a limited-time offer based on their past purchases.',
      de: 'Ein befristetes Angebot auf Basis früherer Käufe senden.',
    },
  },
  'About to Sleep': {
    name: 'About to Sleep',
    label: { en: 'About to Sleep', de: 'Drohen einzuschlafen' },
    meaning: {
      en: 'Last bought a while ago, with few orders and low spend.',
      de: 'Haben länger nicht gekauft, mit wenigen Bestellungen und geringen Ausgaben.',
    },
    action: {
      en: 'Reconnect with popular products and a time-limited discount.',
      de: 'Mit beliebten Produkten und einem befristeten Rabatt wieder Kontakt aufnehmen.',
    },
  },
  'At Risk': {
    name: 'At Risk',
    label: { en: 'At Risk', de: 'Gefährdet' },
    meaning: {
      en: 'Used to order often and spend well, but not for a long time.',
      de: 'Haben früher oft bestellt und gut ausgegeben, aber lange nicht mehr.',
    },
    action: {
      en: 'Send personalised win-back emails with products they are likely to want.',
      de: 'Personalisierte Rückgewinnungs-E-Mails mit passenden Produkten senden.',
    },
  },
  "Can't Lose Them": {
    name: "Can't Lose Them",
    label: { en: "Can't Lose Them", de: 'Nicht verlieren' },
    meaning: {
      en: 'Were among the best customers but have not come back for a long time.',
      de: 'Gehörten zu den besten Kunden, sind aber lange nicht wiedergekommen.',
    },
    action: {
      en: 'Win them back personally: the account manager calls before a competitor does.',
      de: 'Persönlich zurückgewinnen: Der Kundenbetreuer ruft an, bevor es ein Wettbewerber tut.',
    },
  },
  Hibernating: {
    name: 'Hibernating',
    label: { en: 'Hibernating', de: 'Im Winterschlaf' },
    meaning: {
      en: 'Last bought long ago, with few orders and low to average spend.',
      de: 'Haben vor langer Zeit zuletzt gekauft, mit wenigen Bestellungen und geringen bis mittleren Ausgaben.',
    },
    action: {
      en: 'Offer relevant products and special prices through low-cost channels only.',
      de: 'Passende Produkte und Sonderpreise nur über günstige Kanäle anbieten.',
    },
  },
  Lost: {
    name: 'Lost',
    label: { en: 'Lost', de: 'Verloren' },
    meaning: {
      en: 'Lowest recency, frequency and spend.',
      de: 'Am längsten inaktiv, mit den wenigsten Bestellungen und den geringsten Ausgaben.',
    },
    action: {
      en: 'Try one low-cost reactivation email, then suppress them to save budget.',
      de: 'Eine günstige Reaktivierungs-E-Mail versuchen, danach aus Kampagnen ausschließen, um Budget zu sparen.',
    },
  },
};

/** True when `name` is one of the eleven RFM segments. */
export function isRfmSegmentName(name: string): name is RfmSegmentName {
  return (RFM_SEGMENT_NAMES as readonly string[]).includes(name);
}

function assertScore(value: number, what: string): asserts value is RfmScore {
  if (!Number.isInteger(value) || value < 1 || value > 5) {
    // Scores come from our own SQL (quintiles), so a bad one is a bug, not user input.
    throw new RangeError(`${what} score must be an integer from 1 to 5, got ${String(value)}`);
  }
}

/**
 * The combined frequency–monetary score: round-half-up((F + M) / 2).
 * (F + M) / 2 is a whole or a half number, so half up is ⌊(F + M + 1) / 2⌋.
 *
 * @throws {RangeError} when a score is not an integer from 1 to 5.
 */
export function fmScore(f: number, m: number): RfmScore {
  assertScore(f, 'F');
  assertScore(m, 'M');
  return Math.floor((f + m + 1) / 2) as RfmScore;
}

/**
 * The RFM segment of a customer with scores r, f and m (each 1–5).
 *
 * @throws {RangeError} when a score is not an integer from 1 to 5.
 */
export function rfmSegmentName(r: number, f: number, m: number): RfmSegmentName {
  assertScore(r, 'R');
  return RFM_GRID[r][fmScore(f, m) - 1];
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
}

/** Renders the grid as a markdown table, rows R = 5 … 1, columns FM = 1 … 5, with localized segment names. */
export function renderRfmGridMarkdown(lang: Lang): string {
  // The header is language-neutral: R and FM are the scores' names in German CRM practice too.
  const lines = [row(['R \\ FM', '1', '2', '3', '4', '5']), row(['---', '---', '---', '---', '---', '---'])];
  for (const r of [5, 4, 3, 2, 1] as const) {
    lines.push(row([String(r), ...RFM_GRID[r].map((name) => RFM_SEGMENTS[name].label[lang])]));
  }
  return lines.join('\n') + '\n';
}

/** Renders every segment's meaning and default action as a markdown table. */
export function renderRfmSegmentsMarkdown(lang: Lang): string {
  const header = lang === 'en' ? ['segment', 'meaning', 'default action'] : ['Segment', 'Bedeutung', 'Standardmaßnahme'];
  const lines = [row(header), row(header.map(() => '---'))];
  for (const name of RFM_SEGMENT_NAMES) {
    const info = RFM_SEGMENTS[name];
    lines.push(row([info.label[lang], info.meaning[lang], info.action[lang]]));
  }
  return lines.join('\n') + '\n';
}
