/**
 * Deterministic, Online-Retail-shaped purchase files for the benchmark.
 *
 * The whole file is built by DuckDB SQL from `range(…)` and seeded hashes
 * (no JS loop touches a row), so 10M lines take seconds, not minutes, and
 * the same seed, sizes and DuckDB version give byte-identical files.
 *
 * Shape (what the cleaning and feature code must cope with, as in UCI
 * Online Retail): the same eight columns (`InvoiceNo`, `StockCode`,
 * `Description`, `Quantity`, `InvoiceDate`, `UnitPrice`, `CustomerID`,
 * `Country`); orders per customer Pareto-distributed (most customers buy
 * once, a few wholesalers hundreds of times); lines per order geometric; a
 * few thousand products with Zipf-like popularity and log-normal prices;
 * pack-size quantities; ~2 % cancellation lines (`C` invoices, negative
 * quantities); ~25 % guest lines without a customer id; ~1 % exact
 * duplicate lines; postage and other non-product codes; a few zero prices.
 *
 * Run alone: `node bin/run-ts.mjs bench/generate.ts --lines 1000000 --customers 100000 --out bench/data/retail_1m`
 * (writes `<out>.csv`, `<out>.parquet` and `<out>.meta.json`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase } from '../src/db/database.ts';
import { queryOne } from '../src/db/query.ts';

/**
 * Bumped whenever the generated data changes, so cached files under
 * `bench/data/` made by an older generator are rebuilt, not reused.
 */
export const GENERATOR_VERSION = 1;

/** What to generate. */
export interface GenerateOptions {
  /** Purchase lines in the file (exact). */
  lines: number;
  /** Customers with an id (exact: every one has at least one order). */
  customers: number;
  /** Seed of every random choice. Default 1. */
  seed?: number;
  /** Distinct products. Default 4,000 (Online Retail has about 4,070). */
  products?: number;
}

/** What was generated, counted from the data itself. */
export interface GeneratedStats {
  lines: number;
  customers: number;
  orders: number;
  guestLines: number;
  cancellationLines: number;
  duplicateLines: number;
  nonProductLines: number;
  zeroPriceLines: number;
  firstDate: string;
  lastDate: string;
}

/** Output paths of {@link writeTransactions}; either may be omitted. */
export interface OutputPaths {
  csv?: string;
  parquet?: string;
}

// Shape parameters. They are constants, not options: the benchmark's files
// must be the same everywhere, and a changed value means a new GENERATOR_VERSION.

/** First day of the window (Online Retail's) and its length in days. */
const START_DATE = '2010-12-01';
const DAYS = 374;
/** Pareto tail index of orders per customer: P(orders ≥ m) = m^-α. */
const ORDERS_ALPHA = 1.4;
/** Most orders one customer places in the window (a wholesaler ordering daily). */
const MAX_ORDERS = 400;
/** Share of lines from guests (no customer id). */
const GUEST_SHARE = 0.25;
/** Share of lines on cancellation invoices. */
const CANCELLATION_SHARE = 0.02;
/** Chance that a line repeats the line before it on the same invoice (a double entry). */
const DUPLICATE_RATE = 0.01;
/** Chance that a line is a non-product code (postage, fees, manual corrections, …). */
const NON_PRODUCT_RATE = 0.004;
/** Chance that the first line of a non-UK order is postage, as in Online Retail. */
const POSTAGE_RATE_ABROAD = 0.3;
/** Chance of a unit price of 0 (free samples keyed in as lines). */
const ZERO_PRICE_RATE = 0.0005;
/** Share of customers who buy in wholesale quantities. */
const WHOLESALE_SHARE = 0.06;
/** First invoice number (Online Retail's). */
const FIRST_INVOICE = 536365;

/** Countries and their share of customers (Online Retail's, rounded; the rest is spread over the tail). */
const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['United Kingdom', 0.89],
  ['Germany', 0.022],
  ['France', 0.02],
  ['EIRE', 0.008],
  ['Spain', 0.007],
  ['Belgium', 0.006],
  ['Switzerland', 0.005],
  ['Portugal', 0.005],
  ['Italy', 0.004],
  ['Finland', 0.003],
  ['Norway', 0.003],
  ['Netherlands', 0.003],
  ['Australia', 0.003],
  ['Channel Islands', 0.003],
  ['Austria', 0.002],
  ['Denmark', 0.002],
  ['Sweden', 0.002],
  ['Japan', 0.002],
  ['Cyprus', 0.002],
  ['Poland', 0.002],
  ['USA', 0.001],
  ['Canada', 0.001],
  ['Israel', 0.001],
  ['Greece', 0.001],
  ['Iceland', 0.001],
  ['Singapore', 0.001],
  ['Lithuania', 0.001],
  ['Malta', 0.001],
  ['Czech Republic', 0.001],
];

/** Non-product codes and their relative frequency among non-product lines. */
const NON_PRODUCT: ReadonlyArray<readonly [code: string, description: string, weight: number, price: number]> = [
  ['POST', 'POSTAGE', 0.5, 18],
  ['M', 'Manual', 0.2, 2.5],
  ['DOT', 'DOTCOM POSTAGE', 0.15, 11],
  ['C2', 'CARRIAGE', 0.08, 50],
  ['BANK CHARGES', 'Bank Charges', 0.04, 15],
  ['AMAZONFEE', 'AMAZON FEE', 0.03, 40],
];

/** Pack sizes a line is ordered in (repeats weight the common ones). */
const PACK_SIZES = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 6, 6, 6, 8, 10, 12, 12, 12, 12, 16, 20, 24, 24, 25, 36, 48, 72, 96];

const COLOURS = ['WHITE', 'RED', 'PINK', 'BLUE', 'GREEN', 'IVORY', 'BLACK', 'SILVER', 'VINTAGE', 'RETRO', 'PAISLEY', 'POLKADOT', 'PASTEL', 'ANTIQUE', 'JUMBO', 'SMALL'];
const MOTIFS = ['HANGING HEART', 'REGENCY', 'SPACEBOY', 'DOLLY GIRL', 'WOODLAND', 'SKULL', 'CHRISTMAS', 'ROSES', 'BIRD', 'UNION FLAG', 'LOVE', 'FAIRY CAKE', 'DOILY', 'SUKI', 'PARTY', 'GLASS STAR', 'CUPID', 'BUNTING'];
const ITEMS = ['T-LIGHT HOLDER', 'LANTERN', 'COAT HANGER', 'HOT WATER BOTTLE', 'LUNCH BAG', 'TEACUP AND SAUCER', 'CAKE STAND', 'NAPKINS', 'JAM MAKING SET', 'ALARM CLOCK', 'DOORMAT', 'MUG', 'CHILDRENS APRON', 'GIFT WRAP', 'BAKING CASES', 'PHOTO FRAME', 'TISSUES', 'STORAGE TIN', 'SHOPPING BAG', 'PARASOL', 'PLATE', 'CANDLE', 'WALL CLOCK', 'JEWELLERY BOX'];

/** Expected orders per customer under the capped Pareto: Σ_{m=1}^{MAX} P(orders ≥ m). */
function expectedOrdersPerCustomer(): number {
  let sum = 0;
  for (let m = 1; m <= MAX_ORDERS; m += 1) sum += m ** -ORDERS_ALPHA;
  return sum;
}

const sqlText = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sqlList = (values: readonly string[]): string => `[${values.map(sqlText).join(', ')}]`;

/** `CASE WHEN u < c1 THEN v1 … ELSE vLast END` for a weighted choice by one uniform draw. */
function weightedCase(u: string, choices: ReadonlyArray<readonly [string, number]>): string {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let cumulative = 0;
  const whens = choices.slice(0, -1).map(([value, weight]) => {
    cumulative += weight / total;
    return `WHEN ${u} < ${cumulative.toFixed(12)} THEN ${sqlText(value)}`;
  });
  return `CASE ${whens.join(' ')} ELSE ${sqlText(choices[choices.length - 1][0])} END`;
}

function checkOptions(options: GenerateOptions): Required<GenerateOptions> {
  const { lines, customers, seed = 1, products = 4000 } = options;
  for (const [name, value, min] of [['lines', lines, 1], ['customers', customers, 1], ['seed', seed, 0], ['products', products, 1]] as const) {
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return { lines, customers, seed, products };
}

/**
 * Builds the table `bench_lines` (one row per file line, in file order:
 * `line_no`, then the eight Online Retail columns) in the given DuckDB
 * connection.
 *
 * How the exact line count comes out: every customer gets at least one
 * order, so the customers' lines are whatever their orders add up to; the
 * guests' orders then fill the rest up to `lines`. Lines per order are
 * chosen so that customers account for about 75 % of the lines.
 *
 * @throws RangeError when `customers` is too large for `lines` (every
 * customer needs at least one line and the guests their share).
 */
export async function buildTransactions(connection: DuckDBConnection, options: GenerateOptions): Promise<void> {
  const { lines, customers, seed, products } = checkOptions(options);
  const ordersPerCustomer = expectedOrdersPerCustomer();
  const customerLines = lines * (1 - GUEST_SHARE);
  const linesPerOrder = customerLines / (customers * ordersPerCustomer);
  if (linesPerOrder < 1) {
    throw new RangeError(
      `${customers} customers need about ${Math.ceil(customers * ordersPerCustomer / (1 - GUEST_SHARE))} lines, more than ${lines}`,
    );
  }
  // 1 + geometric lines per order: P(extra ≥ j) = q^j with mean q / (1 − q) = linesPerOrder − 1.
  const extra = linesPerOrder - 1;
  const q = extra / (1 + extra);
  const lnQ = q > 0 ? Math.log(q) : -Infinity;
  const extraLines = (u: string): string => (q > 0 ? `floor(ln(1 - ${u}) / ${lnQ})::INTEGER` : '0');
  // Cancellations only on a customer's later orders (as in the data: one returns what one bought).
  const laterOrderShare = (ordersPerCustomer - 1) / ordersPerCustomer;
  const cancelRate = Math.min(1, CANCELLATION_SHARE / ((1 - GUEST_SHARE) * laterOrderShare));

  // u(stream, key…): a uniform draw in [0, 1) from the seeded 64-bit hash; 53 bits, like Math.random.
  await connection.run(`CREATE OR REPLACE TEMP MACRO u(stream, a, b := 0) AS (hash(${seed}, stream, a, b) >> 11)::DOUBLE / 9007199254740992.0`);

  await connection.run(`
    CREATE OR REPLACE TEMP TABLE g_customers AS
    SELECT
      c,
      (12346 + c)::VARCHAR AS customer_id,
      least(${MAX_ORDERS}, floor(pow(1 - u(1, c), -1 / ${ORDERS_ALPHA})))::INTEGER AS n_orders,
      ${weightedCase('u(2, c)', COUNTRIES)} AS country,
      -- first purchase uniform over the window; later ones fall between it and the end
      floor(u(3, c) * ${DAYS})::INTEGER AS first_day,
      -- wholesalers buy larger packs, and more of them
      CASE WHEN u(4, c) < ${WHOLESALE_SHARE} THEN 2 + floor(u(5, c) * 9)::INTEGER ELSE 1 END AS bulk
    FROM range(${customers}) t(c)`);

  await connection.run(`
    CREATE OR REPLACE TEMP TABLE g_customer_orders AS
    WITH expanded AS (SELECT *, unnest(range(n_orders)) AS k FROM g_customers)
    SELECT
      customer_id, country, bulk,
      CASE WHEN k = 0 THEN first_day ELSE first_day + floor(u(6, c, k) * (${DAYS} - first_day))::INTEGER END AS day,
      -- opening hours 07:00–20:00, whole minutes
      420 + floor(u(7, c, k) * 780)::INTEGER AS minute,
      1 + ${extraLines('u(8, c, k)')} AS n_lines,
      k > 0 AND u(9, c, k) < ${cancelRate} AS cancelled,
      u(10, c, k) AS tiebreak
    FROM expanded`);

  const { customer_lines: customerLineCount } = await queryOne<{ customer_lines: number }>(
    connection,
    'SELECT sum(n_lines)::BIGINT::DOUBLE AS customer_lines FROM g_customer_orders',
  );
  const guestLines = lines - customerLineCount;
  if (guestLines < 0) {
    throw new RangeError(`the ${customers} customers' orders came to ${customerLineCount} lines, more than ${lines}: use fewer customers`);
  }
  // Enough guest orders to cover their lines with room to spare; the surplus is cut below.
  const guestOrders = Math.ceil((guestLines / linesPerOrder) * 1.5) + 16;
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE g_guest_orders AS
    WITH drawn AS (
      SELECT
        g,
        ${weightedCase('u(11, g)', COUNTRIES)} AS country,
        floor(u(12, g) * ${DAYS})::INTEGER AS day,
        420 + floor(u(13, g) * 780)::INTEGER AS minute,
        1 + ${extraLines('u(14, g)')} AS n_lines,
        u(15, g) AS tiebreak
      FROM range(${guestOrders}) t(g)
    ),
    placed AS (SELECT *, sum(n_lines) OVER (ORDER BY g ROWS UNBOUNDED PRECEDING) - n_lines AS before FROM drawn)
    SELECT NULL::VARCHAR AS customer_id, country, 1 AS bulk, day, minute,
           least(n_lines, ${guestLines} - before)::INTEGER AS n_lines, false AS cancelled, tiebreak
    FROM placed
    WHERE before < ${guestLines}`);

  // Invoice numbers follow time, as in the source system.
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE g_orders AS
    WITH numbered AS (
      SELECT *, row_number() OVER (ORDER BY day, minute, tiebreak) - 1 AS seq
      FROM (SELECT * FROM g_customer_orders UNION ALL SELECT * FROM g_guest_orders)
    )
    -- line numbers come from the orders, so the lines need no sort of their own
    SELECT *, sum(n_lines) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) - n_lines + 1 AS first_line
    FROM numbered`);

  // Products (and the non-product codes after them) as a small table the lines join to.
  await connection.run(`
    CREATE OR REPLACE TEMP TABLE g_products AS
    SELECT
      p,
      (20000 + (p * 7919) % 70000)::VARCHAR || CASE WHEN hash(${seed}, 24, p) % 4 = 0 THEN chr(65 + (hash(${seed}, 25, p) % 7)::INTEGER) ELSE '' END AS code,
      (${sqlList(COLOURS)})[1 + (hash(${seed}, 26, p) % ${COLOURS.length})::INTEGER] || ' ' ||
        (${sqlList(MOTIFS)})[1 + (hash(${seed}, 27, p) % ${MOTIFS.length})::INTEGER] || ' ' ||
        (${sqlList(ITEMS)})[1 + (hash(${seed}, 28, p) % ${ITEMS.length})::INTEGER] AS description,
      -- log-normal list price per product (median about 2.10), by Box–Muller from two draws
      greatest(0.19, round(2.1 * exp(0.85 * sqrt(-2 * ln(1 - u(22, p))) * cos(2 * pi() * u(23, p))), 2)) AS list_price,
      false AS is_fee
    FROM range(${products}) t(p)
    UNION ALL
    SELECT ${products} + i, code, description, price, true
    FROM (VALUES ${NON_PRODUCT.map(([code, description, , price], i) => `(${i}, ${sqlText(code)}, ${sqlText(description)}, ${price.toFixed(2)}::DOUBLE)`).join(', ')}) v(i, code, description, price)`);

  const nonProductIndex = weightedCase(
    'u(20, seq, src)',
    NON_PRODUCT.map(([, , weight], i) => [String(i), weight] as const),
  );
  await connection.run(`
    CREATE OR REPLACE TABLE bench_lines AS
    WITH expanded AS (
      SELECT seq, first_line, customer_id, country, bulk, day, minute, cancelled, unnest(range(n_lines)) AS j
      FROM g_orders
    ),
    sourced AS (
      -- a double entry repeats every field of the line before it
      SELECT *, CASE WHEN j > 0 AND u(16, seq, j) < ${DUPLICATE_RATE} THEN j - 1 ELSE j END AS src
      FROM expanded
    ),
    kinded AS (
      SELECT
        *,
        CASE
          WHEN src = 0 AND country <> 'United Kingdom' AND u(17, seq) < ${POSTAGE_RATE_ABROAD} THEN ${products}
          WHEN u(18, seq, src) < ${NON_PRODUCT_RATE} THEN ${products} + (${nonProductIndex})::INTEGER
          -- Zipf-like popularity: low product numbers sell most
          ELSE floor(pow(u(19, seq, src), 2.2) * ${products})::INTEGER
        END AS p
      FROM sourced
    ),
    quantified AS (
      SELECT
        k.*, pr.code, pr.description, pr.list_price, pr.is_fee,
        CASE WHEN pr.is_fee THEN 1
             ELSE (${sqlList(PACK_SIZES.map(String))})[1 + floor(u(21, seq, src) * ${PACK_SIZES.length})::INTEGER]::INTEGER * bulk
        END AS qty
      FROM kinded k JOIN g_products pr USING (p)
    )
    SELECT
      first_line + j AS line_no,
      CASE WHEN cancelled THEN 'C' ELSE '' END || (${FIRST_INVOICE} + seq)::VARCHAR AS InvoiceNo,
      code AS StockCode,
      description AS Description,
      CASE WHEN cancelled THEN -qty ELSE qty END AS Quantity,
      strftime(DATE '${START_DATE}' + day + to_minutes(minute), '%Y-%m-%d %H:%M:%S') AS InvoiceDate,
      CASE
        WHEN is_fee THEN list_price
        WHEN u(29, seq, src) < ${ZERO_PRICE_RATE} THEN 0
        -- volume price from 12 units on, as on the wholesale price list
        WHEN qty >= 12 THEN round(list_price * 0.85, 2)
        ELSE list_price
      END::DOUBLE AS UnitPrice,
      customer_id AS CustomerID,
      country AS Country
    FROM quantified`);
  await connection.run('DROP TABLE g_customers; DROP TABLE g_customer_orders; DROP TABLE g_guest_orders; DROP TABLE g_orders; DROP TABLE g_products');
}

/** Counts what {@link buildTransactions} produced (the figures the README and the tests quote). */
export async function describeTransactions(connection: DuckDBConnection): Promise<GeneratedStats> {
  const codes = sqlList(NON_PRODUCT.map(([code]) => code));
  const row = await queryOne<Record<string, number | string>>(
    connection,
    `WITH dup AS (
       SELECT count(*) - count(DISTINCT (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)) AS n
       FROM bench_lines
     )
     SELECT
       count(*)::DOUBLE AS lines,
       count(DISTINCT CustomerID)::DOUBLE AS customers,
       count(DISTINCT InvoiceNo)::DOUBLE AS orders,
       count(*) FILTER (WHERE CustomerID IS NULL)::DOUBLE AS guest_lines,
       count(*) FILTER (WHERE InvoiceNo LIKE 'C%')::DOUBLE AS cancellation_lines,
       (SELECT n FROM dup)::DOUBLE AS duplicate_lines,
       count(*) FILTER (WHERE list_contains(${codes}, StockCode))::DOUBLE AS non_product_lines,
       count(*) FILTER (WHERE UnitPrice = 0)::DOUBLE AS zero_price_lines,
       min(InvoiceDate)[1:10] AS first_date,
       max(InvoiceDate)[1:10] AS last_date
     FROM bench_lines`,
  );
  return {
    lines: Number(row.lines),
    customers: Number(row.customers),
    orders: Number(row.orders),
    guestLines: Number(row.guest_lines),
    cancellationLines: Number(row.cancellation_lines),
    duplicateLines: Number(row.duplicate_lines),
    nonProductLines: Number(row.non_product_lines),
    zeroPriceLines: Number(row.zero_price_lines),
    firstDate: String(row.first_date),
    lastDate: String(row.last_date),
  };
}

/**
 * Generates the file(s) in a fresh in-memory DuckDB and writes them
 * atomically (to a temporary name, then renamed), so an interrupted run
 * never leaves a truncated file that a later run would take for a finished
 * one. CSV: comma-separated with a header, dates as `YYYY-MM-DD HH:MM:SS`,
 * empty `CustomerID` for guests. Parquet: the same columns, numbers typed.
 */
export async function writeTransactions(options: GenerateOptions, paths: OutputPaths): Promise<GeneratedStats & { ms: number }> {
  const started = performance.now();
  const db = await openDatabase();
  try {
    await buildTransactions(db.connection, options);
    const stats = await describeTransactions(db.connection);
    const select = 'SELECT * EXCLUDE (line_no) FROM bench_lines ORDER BY line_no';
    for (const [path, format] of [[paths.csv, 'csv'], [paths.parquet, 'parquet']] as const) {
      if (!path) continue;
      mkdirSync(dirname(path), { recursive: true });
      const partial = `${path}.partial`;
      rmSync(partial, { force: true });
      const to = format === 'csv' ? "(FORMAT csv, HEADER true, DELIMITER ',')" : "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)";
      const typed =
        format === 'csv'
          ? select
          : `SELECT InvoiceNo, StockCode, Description, Quantity::INTEGER AS Quantity, InvoiceDate::TIMESTAMP AS InvoiceDate,
                    UnitPrice, CustomerID::BIGINT AS CustomerID, Country FROM bench_lines ORDER BY line_no`;
      await db.connection.run(`COPY (${typed}) TO '${partial.replace(/'/g, "''")}' ${to}`);
      renameSync(partial, path);
    }
    return { ...stats, ms: performance.now() - started };
  } finally {
    db.close();
  }
}

/** A generated data set on disk and the parameters it was made with. */
export interface Dataset {
  name: string;
  csv: string;
  parquet: string;
  stats: GeneratedStats;
  /** Milliseconds spent generating now; 0 when the files were already there. */
  generatedMs: number;
}

/**
 * Returns the data set `<dir>/<name>.{csv,parquet}`, generating it unless
 * files from the same generator version and options are already there
 * (recorded in `<name>.meta.json`, written last).
 */
export async function ensureDataset(dir: string, name: string, options: GenerateOptions): Promise<Dataset> {
  const full = checkOptions(options);
  const csv = resolve(dir, `${name}.csv`);
  const parquet = resolve(dir, `${name}.parquet`);
  const metaPath = resolve(dir, `${name}.meta.json`);
  const wanted = { version: GENERATOR_VERSION, options: full };
  if (existsSync(metaPath) && existsSync(csv) && existsSync(parquet)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { version: number; options: unknown; stats: GeneratedStats };
    if (JSON.stringify({ version: meta.version, options: meta.options }) === JSON.stringify(wanted)) {
      return { name, csv, parquet, stats: meta.stats, generatedMs: 0 };
    }
  }
  rmSync(metaPath, { force: true });
  const { ms, ...stats } = await writeTransactions(full, { csv, parquet });
  writeFileSync(metaPath, `${JSON.stringify({ ...wanted, stats, generated_ms: Math.round(ms) }, null, 2)}\n`);
  return { name, csv, parquet, stats, generatedMs: ms };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = flag(args, 'out');
  if (!out) {
    console.error('usage: bench/generate.ts --lines N --customers N [--seed N] --out PATH_WITHOUT_EXTENSION');
    process.exit(2);
  }
  const stats = await writeTransactions(
    { lines: Number(flag(args, 'lines') ?? 1_000_000), customers: Number(flag(args, 'customers') ?? 100_000), seed: Number(flag(args, 'seed') ?? 1) },
    { csv: `${out}.csv`, parquet: `${out}.parquet` },
  );
  console.log(JSON.stringify(stats, null, 2));
}
