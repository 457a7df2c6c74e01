/**
 * A deterministic, synthetic German B2B customer master for demos and tests.
 *
 * Transaction data sets such as Online Retail carry behaviour (what, when, how much) but no
 * firmographics. To show — and test — firmographic segmentation, this module invents a customer
 * master for given customer ids whose firmographics are *planted*: customers are split by their
 * buying behaviour into groups, and each group gets its own industry mix and company size. A
 * segmentation that works must find these groups again, and they buy differently by construction.
 *
 * Planted groups, by behaviour score (mean of the percentile ranks of revenue and frequency):
 *
 * | group                     | customers | industry (85 %)                      | employees (median) |
 * |---------------------------|-----------|--------------------------------------|--------------------|
 * | `wholesale_key_accounts`  | top 15 %  | wholesale (WZ 46)                    | 60                 |
 * | `manufacturers`           | next 25 % | manufacturing (section C)            | 30                 |
 * | `retailers`               | next 30 % | retail (WZ 47)                       | 6                  |
 * | `service_micro`           | last 30 % | hospitality, agencies, crafts, IT    | 2                  |
 *
 * The other 15 % of each group's industries come from the overall mix, which is weighted towards
 * wholesale, retail and manufacturing. Employees are log-normal around the group median; annual
 * revenue is employees × a revenue per employee typical of the industry × log-normal noise. The
 * postcode is drawn from `data/reference/plz_bundesland.csv`: a Bundesland by population, a range
 * of that state by its share of the state's codes, a code uniformly inside the range — so codes
 * are well-formed and in the right state but need not be delivered codes.
 *
 * The industry mixes, size medians, revenue per employee and legal-form shares below are plausible
 * orders of magnitude chosen for a demo, not official statistics.
 */

import { rename, writeFile } from 'node:fs/promises';
import { InputError, show } from '../errors.ts';
import { Rng } from '../ml/rng.ts';
import { BUNDESLAENDER, postcodeRanges, type BundeslandCode } from './postcode.ts';
import { classifySize } from './sizeClass.ts';

/** One customer's buying behaviour, as the pipeline's features give it. */
export interface CustomerBehaviour {
  readonly customerId: string;
  /** Net revenue over the observation window (any currency; only its rank is used). */
  readonly revenue: number;
  /** Number of orders over the observation window, ≥ 0. */
  readonly frequency: number;
}

/** Ids of the planted groups, from best to weakest buyers. */
export type PlantedGroupId = 'wholesale_key_accounts' | 'manufacturers' | 'retailers' | 'service_micro';

/** A weighted WZ 2008 class with the word a company name uses for it. */
interface IndustryChoice {
  readonly code: string;
  readonly trade: string;
  readonly weight: number;
}

/** How one planted group is generated. */
export interface PlantedGroupSpec {
  readonly id: PlantedGroupId;
  /** Share of customers, taken from the top of the behaviour ranking downwards. */
  readonly share: number;
  /** Median employees (log-normal). */
  readonly employeesMedian: number;
  /** σ of ln(employees). */
  readonly employeesSigma: number;
  readonly industries: readonly IndustryChoice[];
}

const WHOLESALE: readonly IndustryChoice[] = [
  { code: '46.49', trade: 'Handelsgesellschaft', weight: 4 },
  { code: '46.90', trade: 'Großhandel', weight: 3 },
  { code: '46.47', trade: 'Wohnbedarf Großhandel', weight: 2 },
  { code: '46.43', trade: 'Elektrogroßhandel', weight: 1 },
  { code: '46.39', trade: 'Lebensmittelgroßhandel', weight: 1 },
  { code: '46.73', trade: 'Baustoffhandel', weight: 1 },
  { code: '46.69', trade: 'Industriebedarf', weight: 1 },
];
const MANUFACTURING: readonly IndustryChoice[] = [
  { code: '25.62', trade: 'Metallbearbeitung', weight: 3 },
  { code: '28.29', trade: 'Maschinenbau', weight: 3 },
  { code: '22.29', trade: 'Kunststofftechnik', weight: 2 },
  { code: '31.09', trade: 'Möbelwerkstätten', weight: 2 },
  { code: '17.21', trade: 'Verpackungen', weight: 2 },
  { code: '10.71', trade: 'Backwaren', weight: 1 },
  { code: '27.40', trade: 'Leuchten', weight: 1 },
  { code: '32.99', trade: 'Manufaktur', weight: 1 },
];
const RETAIL: readonly IndustryChoice[] = [
  { code: '47.59', trade: 'Wohnen & Leben', weight: 3 },
  { code: '47.78', trade: 'Geschenke', weight: 3 },
  { code: '47.19', trade: 'Kaufhaus', weight: 2 },
  { code: '47.91', trade: 'Versandhandel', weight: 2 },
  { code: '47.65', trade: 'Spielwaren', weight: 1 },
  { code: '47.62', trade: 'Papeterie', weight: 1 },
  { code: '47.52', trade: 'Eisenwaren', weight: 1 },
];
const SERVICES: readonly IndustryChoice[] = [
  { code: '56.10', trade: 'Gastronomie', weight: 3 },
  { code: '55.10', trade: 'Hotel', weight: 2 },
  { code: '73.11', trade: 'Werbeagentur', weight: 2 },
  { code: '82.30', trade: 'Eventservice', weight: 1 },
  { code: '74.10', trade: 'Design', weight: 1 },
  { code: '43.32', trade: 'Tischlerei', weight: 1 },
  { code: '62.01', trade: 'Software', weight: 1 },
  { code: '70.22', trade: 'Beratung', weight: 1 },
];

/** Overall industry mix (used for the 15 % of each group that does not follow its profile). */
const OVERALL_MIX: readonly { readonly industries: readonly IndustryChoice[]; readonly weight: number }[] = [
  { industries: WHOLESALE, weight: 0.3 },
  { industries: RETAIL, weight: 0.3 },
  { industries: MANUFACTURING, weight: 0.25 },
  { industries: SERVICES, weight: 0.15 },
];

/** Probability that a customer's industry follows its group's profile. */
const PROFILE_SHARE = 0.85;

/** The planted groups, best buyers first; shares sum to 1. */
export const PLANTED_GROUPS: readonly PlantedGroupSpec[] = [
  { id: 'wholesale_key_accounts', share: 0.15, employeesMedian: 60, employeesSigma: 0.6, industries: WHOLESALE },
  { id: 'manufacturers', share: 0.25, employeesMedian: 30, employeesSigma: 0.55, industries: MANUFACTURING },
  { id: 'retailers', share: 0.3, employeesMedian: 6, employeesSigma: 0.5, industries: RETAIL },
  { id: 'service_micro', share: 0.3, employeesMedian: 2, employeesSigma: 0.45, industries: SERVICES },
];

/**
 * Median annual revenue per employee in EUR by WZ division — rough orders of magnitude (wholesale
 * turns over far more per head than manufacturing, retail or services), not official figures.
 */
const REVENUE_PER_EMPLOYEE_EUR: Readonly<Record<string, number>> = {
  '10': 180_000, '17': 250_000, '22': 200_000, '25': 150_000, '27': 220_000, '28': 230_000, '31': 140_000, '32': 150_000,
  '43': 110_000, '46': 800_000, '47': 200_000, '55': 70_000, '56': 50_000, '62': 140_000, '70': 150_000,
  '73': 130_000, '74': 100_000, '82': 120_000,
};

/** σ of ln(revenue per employee) around the industry median. */
const REVENUE_NOISE_SIGMA = 0.3;

type SizeBand = 'micro' | 'small' | 'medium' | 'large';

/** Legal forms by size class — plausible shares (sole traders are small, AGs large). */
const LEGAL_FORMS: Readonly<Record<SizeBand, readonly { readonly form: string; readonly weight: number }[]>> = {
  micro: [
    { form: 'GmbH', weight: 35 }, { form: 'e.K.', weight: 30 }, { form: 'UG (haftungsbeschränkt)', weight: 15 },
    { form: 'GbR', weight: 10 }, { form: 'OHG', weight: 5 }, { form: 'KG', weight: 5 },
  ],
  small: [{ form: 'GmbH', weight: 60 }, { form: 'GmbH & Co. KG', weight: 25 }, { form: 'KG', weight: 10 }, { form: 'e.K.', weight: 5 }],
  medium: [{ form: 'GmbH', weight: 55 }, { form: 'GmbH & Co. KG', weight: 35 }, { form: 'AG', weight: 5 }, { form: 'KG', weight: 5 }],
  large: [{ form: 'GmbH', weight: 40 }, { form: 'GmbH & Co. KG', weight: 35 }, { form: 'AG', weight: 20 }, { form: 'SE', weight: 5 }],
};

/** Family names and brand stems for company names (common German surnames, invented stems). */
const NAME_STEMS: readonly string[] = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger',
  'Hartmann', 'Lange', 'Werner', 'Krause', 'Lehmann', 'Köhler', 'Herrmann', 'König', 'Walter', 'Huber',
  'Kaiser', 'Fuchs', 'Peters', 'Scholz', 'Möller', 'Weiß', 'Jung', 'Hahn', 'Vogel', 'Friedrich',
  'Keller', 'Günther', 'Berger', 'Winkler', 'Roth', 'Beck', 'Lorenz', 'Baumann', 'Albrecht', 'Brandt',
  'Nordlicht', 'Hansa', 'Alpina', 'Rheintal', 'Elbufer', 'Weserland', 'Isartal', 'Bergkristall', 'Lindenhof', 'Sonnenfeld',
];

/** One row of the generated customer master. Field names are the CSV column names. */
export interface MasterRecord {
  readonly customer_id: string;
  readonly company_name: string;
  readonly legal_form: string;
  /** WZ 2008 class, e.g. `46.49`. */
  readonly industry_code: string;
  readonly employees: number;
  /** EUR, whole thousands. */
  readonly annual_revenue: number;
  /** Five digits. */
  readonly postal_code: string;
  readonly country: 'DE';
}

/** A generated master and the group planted in each customer. */
export interface GeneratedMaster {
  /** One record per input customer, in input order. */
  readonly records: readonly MasterRecord[];
  /** Planted group of `records[i]`. */
  readonly plantedGroups: readonly PlantedGroupId[];
  /** Planted group by customer id. */
  readonly plantedGroupById: ReadonlyMap<string, PlantedGroupId>;
}

// ---------------------------------------------------------------------------
// Seeded random numbers: the project's generator (src/ml/rng.ts) plus a weighted choice.

interface Random {
  next(): number;
  gaussian(): number;
  pick<T extends { readonly weight: number }>(items: readonly T[]): T;
}

function createRandom(seed: number): Random {
  const rng = new Rng(seed);
  return {
    next: () => rng.next(),
    gaussian: () => rng.nextGaussian(),
    pick(items) {
      let total = 0;
      for (const item of items) total += item.weight;
      let target = rng.next() * total;
      for (const item of items) {
        target -= item.weight;
        if (target < 0) return item;
      }
      return items[items.length - 1]!;
    },
  };
}

// ---------------------------------------------------------------------------

/** Percentile rank in [0, 1] of each value; tied values share their average rank. */
function percentileRanks(values: readonly number[]): Float64Array {
  const n = values.length;
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && values[order[end + 1]!] === values[order[start]!]) end += 1;
    const average = (start + end) / 2;
    for (let t = start; t <= end; t += 1) ranks[order[t]!] = n > 1 ? average / (n - 1) : 0.5;
    start = end + 1;
  }
  return ranks;
}

/**
 * Splits customers into the planted groups by behaviour: score = mean of the percentile ranks of
 * revenue and frequency; the top `share` of scores goes to the first group, and so on. Ties in the
 * score are broken by input order, so the split is a function of the input alone.
 */
export function assignPlantedGroups(customers: readonly CustomerBehaviour[]): PlantedGroupId[] {
  const n = customers.length;
  const revenueRank = percentileRanks(customers.map((c) => c.revenue));
  const frequencyRank = percentileRanks(customers.map((c) => c.frequency));
  const score = (i: number): number => (revenueRank[i]! + frequencyRank[i]!) / 2;
  const byScore = customers.map((_, i) => i).sort((a, b) => score(b) - score(a) || a - b);
  const groups = new Array<PlantedGroupId>(n);
  let cumulative = 0;
  let position = 0;
  PLANTED_GROUPS.forEach((group, g) => {
    cumulative += group.share;
    const end = g === PLANTED_GROUPS.length - 1 ? n : Math.round(cumulative * n);
    for (; position < end; position += 1) groups[byScore[position]!] = group.id;
  });
  return groups;
}

/** Quotes a value for an error message; numbers via String so NaN is not shown as null. */
function quote(value: unknown): string {
  return typeof value === 'number' ? show(String(value)) : show(value);
}

function checkCustomers(customers: readonly CustomerBehaviour[]): void {
  const seen = new Set<string>();
  customers.forEach((c, i) => {
    if (typeof c.customerId !== 'string' || c.customerId.trim() === '') {
      throw new InputError(`customer ${i + 1}: customer id ${show(c.customerId)} must be a non-empty string`);
    }
    if (seen.has(c.customerId)) throw new InputError(`customer id ${show(c.customerId)} occurs more than once`);
    seen.add(c.customerId);
    if (!Number.isFinite(c.revenue)) throw new InputError(`customer ${show(c.customerId)}: revenue ${quote(c.revenue)} is not a finite number`);
    if (!(Number.isFinite(c.frequency) && c.frequency >= 0)) {
      throw new InputError(`customer ${show(c.customerId)}: frequency ${quote(c.frequency)} must be a finite number ≥ 0`);
    }
  });
}

/** Postcode sampler: state by population, range by its share of the state's codes, code uniform in the range. */
function postcodeSampler(random: Random): () => string {
  const byState = new Map<BundeslandCode, { from: number; to: number; weight: number }[]>();
  for (const range of postcodeRanges()) {
    if (range.state === 'AT') continue; // Austrian places served by German codes: not in Germany.
    const list = byState.get(range.state) ?? [];
    list.push({ from: range.from, to: range.to, weight: range.to - range.from + 1 });
    byState.set(range.state, list);
  }
  const states = Object.values(BUNDESLAENDER).map((s) => ({ code: s.code, weight: s.population }));
  return () => {
    const state = random.pick(states).code;
    const range = random.pick(byState.get(state)!);
    const code = range.from + Math.floor(random.next() * (range.to - range.from + 1));
    return String(code).padStart(5, '0');
  };
}

/**
 * Generates a customer master for `customers` (see the module doc for the model). Deterministic:
 * the same customers in the same order with the same seed give the same master. Throws
 * {@link InputError} for duplicate or empty ids, non-finite revenue, negative frequency or a bad seed.
 */
export function generateMaster(customers: readonly CustomerBehaviour[], options: { seed: number }): GeneratedMaster {
  const { seed } = options;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed must be an integer ≥ 0, got ${quote(seed)}`);
  checkCustomers(customers);
  const random = createRandom(seed);
  const drawPostcode = postcodeSampler(random);
  const groups = assignPlantedGroups(customers);
  const specs = new Map(PLANTED_GROUPS.map((g) => [g.id, g]));

  const records = customers.map((customer, i): MasterRecord => {
    const spec = specs.get(groups[i]!)!;
    const industries = random.next() < PROFILE_SHARE ? spec.industries : random.pick(OVERALL_MIX).industries;
    const industry = random.pick(industries);
    const employees = Math.max(1, Math.round(spec.employeesMedian * Math.exp(spec.employeesSigma * random.gaussian())));
    const perEmployee = REVENUE_PER_EMPLOYEE_EUR[industry.code.slice(0, 2)]!;
    const revenue = Math.max(1000, Math.round((employees * perEmployee * Math.exp(REVENUE_NOISE_SIGMA * random.gaussian())) / 1000) * 1000);
    const band = classifySize(employees, revenue).sizeClass as SizeBand;
    const legalForm = random.pick(LEGAL_FORMS[band]).form;
    const stem = NAME_STEMS[Math.floor(random.next() * NAME_STEMS.length)]!;
    return {
      customer_id: customer.customerId,
      company_name: `${stem} ${industry.trade} ${legalForm}`,
      legal_form: legalForm,
      industry_code: industry.code,
      employees,
      annual_revenue: revenue,
      postal_code: drawPostcode(),
      country: 'DE',
    };
  });
  return {
    records,
    plantedGroups: groups,
    plantedGroupById: new Map(customers.map((c, i) => [c.customerId, groups[i]!])),
  };
}

/** CSV columns of the master, in order. */
export const MASTER_COLUMNS = [
  'customer_id', 'company_name', 'legal_form', 'industry_code', 'employees', 'annual_revenue', 'postal_code', 'country',
] as const;

/**
 * One CSV field: text that a spreadsheet would run as a formula (starts with `=`, `+`, `-`, `@`,
 * tab or CR and is not a number) gets a leading apostrophe, as `csv_safe` in `src/sql/macros.sql`
 * does for the pipeline's outputs — customer ids come from the user's file. Then RFC 4180 quoting
 * when the field holds a comma, quote, line break or outer whitespace.
 */
function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text) && !Number.isFinite(Number(text))) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The master as RFC 4180 CSV text (header, `\n` line ends, UTF-8 when written), text fields that
 * would run as spreadsheet formulas prefixed with an apostrophe. Postcodes are
 * written as their five digits; readers must keep the column as text or `01067` loses its zero.
 * With `includePlantedGroup`, a last column `planted_group` holds the planted group, for tests
 * and demos that check recovery — leave it out of a master meant to look real.
 */
export function masterToCsv(master: GeneratedMaster, options: { includePlantedGroup?: boolean } = {}): string {
  const withGroup = options.includePlantedGroup === true;
  const header = withGroup ? [...MASTER_COLUMNS, 'planted_group'] : [...MASTER_COLUMNS];
  const lines = [header.join(',')];
  master.records.forEach((record, i) => {
    const fields: (string | number)[] = MASTER_COLUMNS.map((column) => record[column]);
    if (withGroup) fields.push(master.plantedGroups[i]!);
    lines.push(fields.map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Writes {@link masterToCsv} to `path`, through a temporary file renamed into place so a reader
 * never sees half a file.
 */
export async function writeMasterCsv(path: string, master: GeneratedMaster, options: { includePlantedGroup?: boolean } = {}): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, masterToCsv(master, options), 'utf8');
  await rename(temporary, path);
}
