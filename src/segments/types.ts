/**
 * Shapes of the segment profiles that `discover` publishes in `segments.json`
 * and that the report, the export and `explain` read back.
 */

/** Quality figures of one clustering (one k). */
export interface ClusterQuality {
  /** Mean silhouette (sampled and seeded for large n), in [-1, 1]; higher is better. */
  silhouette: number;
  /** Calinski-Harabasz index; higher is better. */
  calinski_harabasz: number;
  /** Davies-Bouldin index; lower is better. */
  davies_bouldin: number;
  /** Sum of squared distances to the nearest centroid, in the clustering space. */
  inertia: number;
  /** Mean adjusted Rand index over bootstrap resamples, in [-1, 1]; 1 = perfectly reproducible. */
  stability: number;
}

/** One row of the k scan: the quality of the best clustering found for one k. */
export interface KScanEntry extends ClusterQuality {
  k: number;
}

/** What one segment looks like and what to do with it. */
export interface SegmentProfile {
  /** 0-based segment id, ordered by revenue (0 = the segment with the largest revenue). */
  id: number;
  /** Unique, human-readable name (e.g. "Loyal high spenders"). */
  name: string;
  /** One plain-language paragraph built from the segment's distinguishing traits. */
  description: string;
  /** Number of customers. */
  size: number;
  /** size / all customers. */
  share: number;
  /** Sum of net revenue of the segment's customers. */
  revenue: number;
  /** revenue / revenue of all customers. */
  revenue_share: number;
  /** Mean of every profile feature over the segment's customers. */
  profile: Record<string, number>;
  /** Median of every profile feature (robust figures for descriptions). */
  median: Record<string, number>;
  /** (segment mean − mean of all customers) / standard deviation of all customers, per feature. */
  z: Record<string, number>;
  /** 2–3 recommended actions. */
  actions: string[];
  /** Customers per lifecycle stage. */
  lifecycle: Record<string, number>;
  /** Customers per RFM segment name. */
  rfm_segments: Record<string, number>;
  /** Per-segment bootstrap stability (mean Jaccard, Hennig's clusterboot); below 0.6 = unstable. */
  stability: number;
  /** True when stability < 0.6. */
  unstable: boolean;
  /** The centroid's coordinates on the first two principal components. */
  pc?: [number, number];
  /** Customer-lifetime-value figures of the segment's customers; present when the run fitted the value models (docs/value.md). */
  value?: SegmentValue;
  /** Who the segment's customers are — industries, sizes, regions; present when the run had a customer master (docs/b2b.md). */
  firmographics?: SegmentFirmographics;
}

/** A segment's firmographics, counted over its customers with a usable customer-master row. */
export interface SegmentFirmographics {
  /** Customers in the segment. */
  customers: number;
  /** Of them, with a usable master row. */
  customers_with_master: number;
  /** customers_with_master / customers. */
  master_share: number;
  /** Customers per WZ 2008 section letter (those with a known industry). */
  sections: Record<string, number>;
  /** Customers per WZ 2008 division (two digits). */
  divisions: Record<string, number>;
  /** The three largest divisions, with their share of the customers with a known industry. */
  top_industries: Array<{ division: string; section: string; name: string; customers: number; share: number }>;
  /** Customers per EU SME size class (`micro`, `small`, `medium`, `large`, `unknown`). */
  size_classes: Record<string, number>;
  /** Customers and their net revenue per federal state (ISO 3166-2:DE suffix, or `abroad`), most customers first. */
  states: Array<{ state: string; name: string; customers: number; revenue: number }>;
  /** One line: who the segment is and how often it orders. */
  summary: string;
}

/** A segment's value figures, from the value stage's per-customer CLV, P(alive) and churn risk. */
export interface SegmentValue {
  /** Sum of the customers' CLV over the run's horizon (default 12 months, discounted), in input currency. */
  clv_sum: number;
  clv_mean: number;
  /** clv_sum / CLV of all customers. */
  clv_share: number;
  p_alive_mean: number;
  /** Mean of 1 − P(alive). */
  churn_risk_mean: number;
  /** Purchase days the segment's customers are expected to make in the next 90 days. */
  expected_purchases_90d_sum: number;
  /** Customers with a top-fifth CLV whose P(alive) has fallen by ≥ 0.25 since their last purchase ("valuable but fading"), and their CLV. */
  fading_customers: number;
  fading_clv: number;
}

/** The content of `segments.json`. */
export interface SegmentsDocument {
  k: number;
  as_of: string;
  /** Features the clustering used, in model order. */
  features: string[];
  quality: ClusterQuality;
  /** How k was chosen: the rule, and the candidates it looked at. */
  k_choice: { rule: string; requested: string; chosen: number };
  k_scan: KScanEntry[];
  segments: SegmentProfile[];
  /** What the segments were found on, when not on behaviour alone (`--segment-on firmographics|both`, docs/b2b.md). */
  segment_on?: { mode: 'firmographics' | 'both'; method: 'k-prototypes'; numeric: string[]; categorical: string[]; gamma: number };
}
