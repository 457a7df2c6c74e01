import type { RefreshManifest } from '../refresh/types.ts';
import type { ValueManifest } from '../value/stage.ts';
import type { CustomerMasterManifest } from '../customers/master.ts';

/**
 * The shape of `manifest.json`: where a run's input came from, how every
 * input row was accounted for, and how long each stage took.
 */

/** How every input row was accounted for: read = used + out_of_window + rejected. */
export interface RowCounts {
  read: number;
  used: number;
  out_of_window: number;
  rejected: number;
  rejected_by_reason: Record<string, number>;
}

/** Figures about the cleaning, for the report's data-quality section. */
export interface DataQuality {
  /** Exact duplicate lines removed (only counted when the input has an order_id). */
  duplicates_removed: number;
  /** Return / cancellation lines used (netted against revenue). */
  return_lines: number;
  /** Value of returns / gross purchase value. */
  returns_value_share: number;
  /** First and last order date among used lines (YYYY-MM-DD). */
  date_range: { first: string | null; last: string | null };
  /** Customers per country (most frequent country of each customer), largest first. */
  countries: Record<string, number>;
  /** Distinct currencies seen, when the input has a currency column; otherwise []. */
  currencies: string[];
  /** Customers whose only lines in the window are returns (not in customers.csv). */
  customers_only_returns: number;
  /** Distinct purchase orders in the window. */
  orders: number;
}

/** The content of `manifest.json`. */
export interface RunManifest {
  format: 'segmenta.manifest/v1';
  command: string;
  input: { path: string; sha256: string; bytes: number; format: string; columns: Record<string, string> };
  as_of: string;
  rows: RowCounts;
  customers: number;
  k: number;
  seed: number;
  versions: { segmenta: string; node: string; duckdb: string };
  /** Milliseconds per pipeline stage, in run order. */
  timings_ms: Record<string, number>;
  started_at: string;
  finished_at: string;
  data_quality: DataQuality;
  /**
   * ISO 4217 code of the amounts, as the texts and the report use it:
   * `--currency`, else the input's currency column when it holds one value,
   * else (refresh) the model's; null when unknown.
   */
  currency?: string | null;
  /** Written by `refresh` only: drift, retrain decision, label continuity, migration and publish checks. */
  refresh?: RefreshManifest;
  /** What the value stage did: fitted (with parameters, standard errors, correlation and warnings), skipped or failed, and why. */
  value?: ValueManifest;
  /** The customer master (`--customers`): rows read, used, rejected by reason; run customers with and without master data (docs/b2b.md). */
  customer_master?: CustomerMasterManifest;
}

/**
 * The currency of a run's amounts: the `--currency` flag (or, on a refresh,
 * the model's), else the input's currency column when it names exactly one.
 */
export function runCurrency(given: string | undefined, dataQuality: { currencies: readonly string[] }): string | undefined {
  return given ?? (dataQuality.currencies.length === 1 ? dataQuality.currencies[0] : undefined);
}

/** The currency a published run's figures are in: its manifest's, else (older runs) its single input currency. */
export function manifestCurrency(manifest: { currency?: string | null; data_quality?: { currencies?: readonly string[] } }): string | undefined {
  return runCurrency(manifest.currency ?? undefined, { currencies: manifest.data_quality?.currencies ?? [] });
}
