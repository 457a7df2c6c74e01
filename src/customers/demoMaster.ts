/**
 * The demo customer master: a synthetic German B2B master
 * (src/firmographics/generateMaster.ts) for the customers of a transaction
 * file, as discover sees them. No public data set carries real German
 * firmographics; this one is invented, with planted groups whose buying
 * behaviour differs, so firmographic segmentation can be shown and tested.
 */
import { openDatabase } from '../db/database.ts';
import { queryRows } from '../db/query.ts';
import { buildCustomerFeatures } from '../features/build.ts';
import { generateMaster, writeMasterCsv, type GeneratedMaster } from '../firmographics/generateMaster.ts';
import { ingest, type IngestOptions } from '../ingest/index.ts';
import { DEFAULT_LIFECYCLE } from '../rules/lifecycle.ts';
import { stageLines } from '../staging/index.ts';

/** Options of {@link writeDemoMaster}. */
export interface DemoMasterOptions extends IngestOptions {
  /** Seed of the generator (default 42, discover's default seed). */
  seed?: number;
  /** Close the window here, as `discover --as-of` would (default: the latest order). */
  asOf?: string;
  /** Add the `planted_group` column (for tests and demos that check recovery). */
  includePlantedGroup?: boolean;
}

/**
 * Reads a transaction file as discover does (ingest, staging, features),
 * generates a master for its customers (every customer with a purchase in
 * the window, in customer_id order) and writes it as CSV to `out`.
 *
 * @returns the generated master, with the planted group of every customer.
 */
export async function writeDemoMaster(input: string, out: string, options: DemoMasterOptions = {}): Promise<GeneratedMaster> {
  const db = await openDatabase();
  try {
    const ingested = await ingest(db.connection, input, options);
    const staged = await stageLines(db.connection, ingested, { asOf: options.asOf });
    await buildCustomerFeatures(db.connection, staged.asOf, DEFAULT_LIFECYCLE);
    const customers = await queryRows<{ customerId: string; revenue: number; frequency: number }>(
      db.connection,
      'SELECT customer_id AS customerId, revenue::DOUBLE AS revenue, frequency::DOUBLE AS frequency FROM customer_features ORDER BY customer_id',
    );
    const master = generateMaster(customers, { seed: options.seed ?? 42 });
    await writeMasterCsv(out, master, { includePlantedGroup: options.includePlantedGroup });
    return master;
  } finally {
    db.close();
  }
}
