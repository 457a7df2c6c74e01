/**
 * `segmenta discover`: from a purchase file to segment profiles.
 *
 *   ingest → staging → features → value → transform → cluster → profile → publish
 *
 * Each stage names what it reads and writes; the runner (./runner.ts) times
 * it, reports progress and handles errors. Everything up to `features` is SQL
 * in DuckDB; only the customer × feature matrix leaves it, column-wise.
 */
import type { Database } from '../src/db/database.ts';
import type { DiscoverOptions } from '../src/config.ts';
import { ingest, type IngestedInput } from '../src/ingest/index.ts';
import { releaseStagedLines, stageLines, type StagedLines } from '../src/staging/index.ts';
import { buildCustomerFeatures, customerCounts, type CustomerFeatureMatrix } from '../src/features/build.ts';
import { selectClusteringFeatures, fitTransformChain, type TransformChain } from '../src/segmentation/transformChain.ts';
import { clusterCustomers, type Clustering } from '../src/segmentation/cluster.ts';
import { profileSegments } from '../src/segmentation/profileSegments.ts';
import { publishRun, type PublishedRun } from '../src/publish/publishRun.ts';
import { runValueStage, type ValueResult } from '../src/value/stage.ts';
import { loadCustomerMaster, type CustomerMaster } from '../src/customers/master.ts';
import { clusterOnFirmographics, readFirmographicInputs, type FirmographicInputs } from '../src/segmentation/firmographicClustering.ts';
import type { SegmentsDocument } from '../src/segments/types.ts';
import { defineStage, type Stage } from './runner.ts';

/** The named data a discover run passes from stage to stage. */
export interface DiscoverCatalog {
  options: DiscoverOptions;
  db: Database;
  input: IngestedInput;
  staged: StagedLines;
  /** With a customer master, `firmographics` holds the clustering inputs of the run's customers. */
  features: CustomerFeatureMatrix & { counts: Awaited<ReturnType<typeof customerCounts>>; firmographics?: FirmographicInputs };
  value: ValueResult;
  transformed: TransformChain;
  clustering: Clustering;
  segments: SegmentsDocument;
  published: PublishedRun;
  /** The customer master (`--customers`), null without one; optional for pipelines that never read one. */
  master?: CustomerMaster | null;
}

const stage = defineStage<DiscoverCatalog>();

export const ingestStage = stage({
  name: 'ingest',
  description: 'read the input file into DuckDB as text; recognise the columns; read and check the customer master (--customers)',
  inputs: ['options', 'db'],
  outputs: ['input', 'master'],
  async run({ options, db }) {
    // The master first: it is small, and a bad master file should stop the run before the big file is read.
    const master = options.customers
      ? await loadCustomerMaster(db.connection, options.customers, {
          map: options.mapCustomers,
          encoding: options.customersEncoding,
          includeCompanyName: options.includeCompanyName,
        })
      : null;
    const input = await ingest(db.connection, options.input, {
      map: options.map,
      delimiter: options.delimiter,
      encoding: options.encoding,
      header: options.header,
    });
    return { input, master };
  },
});

export const stagingStage = stage({
  name: 'staging',
  description: 'type and clean every line, close the window at the as-of date, collect rejects',
  inputs: ['options', 'db', 'input'],
  outputs: ['staged'],
  async run({ options, db, input }) {
    return { staged: await stageLines(db.connection, input, { asOf: options.asOf }) };
  },
});

export const featuresStage = stage({
  name: 'features',
  description: 'orders, customer features, RFM scores and lifecycle stages (SQL)',
  inputs: ['options', 'db', 'staged', 'master'],
  outputs: ['features'],
  async run({ options, db, staged, master }) {
    const matrix = await buildCustomerFeatures(db.connection, staged.asOf, {
      inactiveDays: options.inactiveDays,
      atRiskDays: options.atRiskDays,
      newDays: options.newDays,
    });
    const firmographics = master ? { firmographics: await readFirmographicInputs(db.connection) } : {};
    return { features: { ...matrix, counts: await customerCounts(db.connection), ...firmographics } };
  },
});

export const valueStage = stage({
  name: 'value',
  description: 'customer lifetime value: BG/NBD (or MBG/NBD) and Gamma-Gamma on repeat purchase days; CLV, P(alive), churn risk',
  inputs: ['options', 'db', 'staged'],
  outputs: ['value'],
  async run({ options, db, staged }) {
    return { value: await runValueStage(db.connection, staged.asOf, options) };
  },
});

export const transformStage = stage({
  name: 'transform',
  description: 'log1p and winsorise skewed features, standardise, PCA',
  inputs: ['options', 'features'],
  outputs: ['transformed'],
  async run({ options, features }) {
    const selected = selectClusteringFeatures(features, options.features);
    return { transformed: fitTransformChain(features, selected, { pcaVariance: options.pcaVariance }) };
  },
});

export const clusterStage = stage({
  name: 'cluster',
  description: 'k-means for every candidate k (k-prototypes with --segment-on firmographics|both), choose k, bootstrap stability',
  inputs: ['options', 'transformed', 'features'],
  outputs: ['clustering'],
  async run({ options, transformed, features }, { progress }) {
    if (options.segmentOn !== 'behaviour' && features.firmographics) {
      return { clustering: clusterOnFirmographics(features.firmographics, transformed, features, options, progress) };
    }
    return { clustering: clusterCustomers(transformed, features, options, progress) };
  },
});

export const profileStage = stage({
  name: 'profile',
  description: 'segment sizes, revenue, profiles, names, descriptions and actions',
  inputs: ['options', 'db', 'staged', 'features', 'value', 'transformed', 'clustering', 'master'],
  outputs: ['segments'],
  async run({ options, db, staged, features, value, transformed, clustering, master }) {
    return { segments: await profileSegments(db.connection, { options, staged, features, value, transformed, clustering, master }) };
  },
});

export const publishStage = stage({
  name: 'publish',
  description: 'drop the line-level tables, then write the run directory atomically: customers, segments, model, manifest, rejects, report',
  inputs: ['options', 'db', 'input', 'staged', 'features', 'value', 'transformed', 'clustering', 'segments', 'master'],
  outputs: ['published'],
  async run(inputs, { timingsMs, startedAt }) {
    // The lines are the largest tables and publish writes one row per customer: free DuckDB's memory
    // for the copies. Stages added before publish (see notebooks/02) may still read the lines.
    await releaseStagedLines(inputs.db.connection);
    return { published: await publishRun(inputs, { timingsMs, startedAt }) };
  },
});

/** The discover pipeline, in order. */
export const discoverPipeline: readonly Stage<DiscoverCatalog, any, any>[] = [
  ingestStage,
  stagingStage,
  featuresStage,
  valueStage,
  transformStage,
  clusterStage,
  profileStage,
  publishStage,
];
