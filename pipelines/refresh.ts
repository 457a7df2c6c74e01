/**
 * `segmenta refresh`: new data through a saved model, with stable segment
 * names, drift, migration and a gate before publishing.
 *
 *   ingest → staging → base → features → score → drift → model → value
 *          → checks → profile → migration → publish
 *
 * ingest, staging and features are discover's stages (./discover.ts), and a
 * retrain runs discover's transform and cluster stages: a refreshed segment
 * is computed exactly like a discovered one. What is new: `base` finds the
 * model and the previous run, `score` places the customers with the saved
 * chain, `drift` decides whether to retrain, `model` keeps or refits and
 * carries names over, `value` scores lifetime value with the saved value
 * model (or refits it with the model), `checks` stops a bad result (exit 4), `migration`
 * compares with the previous run, and `publish` swaps the run directory in
 * and appends to the warehouse — or, with --dry-run, only says what would
 * change.
 *
 * With `--customers`, the master is read and checked as discover reads it
 * (its columns join customers.csv, its rejects go to customers_rejects.csv).
 * A model found on firmographics (`--segment-on firmographics|both`) needs
 * it: `score` then assigns with the saved k-prototypes model, `drift` also
 * measures the firmographic numbers, and a retrain re-clusters on what the
 * model segments on (src/refresh/firmographics.ts).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RefreshOptions } from '../src/config.ts';
import type { Database } from '../src/db/database.ts';
import type { IngestedInput } from '../src/ingest/index.ts';
import { releaseStagedLines, type StagedLines } from '../src/staging/index.ts';
import type { TransformChain } from '../src/segmentation/transformChain.ts';
import type { Clustering } from '../src/segmentation/cluster.ts';
import { profileSegments } from '../src/segmentation/profileSegments.ts';
import { copyCsv, publishRun } from '../src/publish/publishRun.ts';
import type { SegmentsDocument } from '../src/segments/types.ts';
import { SEGMENTA_VERSION } from '../src/version.ts';
import { loadPreviousCustomers, resolveBase, runReference, PREVIOUS_DIR, PREVIOUS_RUN_FILES, type RefreshBase, type RunDirectory } from '../src/refresh/base.ts';
import { scoreCustomers, keptClustering, type ScoredCustomers } from '../src/refresh/score.ts';
import { decideRetrain, measureDrift } from '../src/refresh/drift.ts';
import {
  clusteredCentres,
  finalNames,
  keptContinuity,
  matchSegments,
  readPreviousCentres,
  relabelClustering,
  type SegmentContinuation,
} from '../src/refresh/continuity.ts';
import { requireModelCurrency } from '../src/refresh/currency.ts';
import { assertChecksPassed, runPublishChecks } from '../src/refresh/checks.ts';
import { buildMigration, writeMigrationCsv } from '../src/refresh/migration.ts';
import type { Continuity, DriftReport, MigrationSummary, PublishCheck, RefreshManifest, RetrainDecision } from '../src/refresh/types.ts';
import { runValueStage, scoreWithSavedValueModel, type ValueResult } from '../src/value/stage.ts';
import type { CustomerMaster } from '../src/customers/master.ts';
import { scoreFirmographicSegments } from '../src/segmentation/firmographicClustering.ts';
import {
  firmographicCentres,
  keptFirmographicClustering,
  measureFirmographicDrift,
  modelSegmentOn,
  readPreviousFirmographicCentres,
  requireMasterForModel,
} from '../src/refresh/firmographics.ts';
import { attachWarehouse, detachWarehouse, hasRun, loadSegmentHistory, recordRun, type RunRecord } from '../src/warehouse/warehouse.ts';
import { clusterStage, featuresStage, ingestStage, stagingStage, transformStage, type DiscoverCatalog } from './discover.ts';
import { defineStage, type Stage } from './runner.ts';

/** Files a published refresh adds to discover's. */
export const REFRESH_FILES = ['migration.csv', 'history.csv', ...PREVIOUS_RUN_FILES.map((f) => `${PREVIOUS_DIR}/${f}`)];

/** What a refresh published, or with --dry-run would have. */
export interface RefreshResult {
  dryRun: boolean;
  dir: string;
  files: string[];
  refresh: RefreshManifest;
}

/** The named data a refresh passes from stage to stage. */
export interface RefreshCatalog {
  options: RefreshOptions;
  db: Database;
  input: IngestedInput;
  staged: StagedLines;
  base: RefreshBase;
  features: DiscoverCatalog['features'];
  scored: ScoredCustomers;
  drift: { report: DriftReport; decision: RetrainDecision };
  transformed: TransformChain;
  clustering: Clustering;
  continuation: SegmentContinuation;
  /** Lifetime value of the customers; undefined when the model has no value section and was kept. */
  value: ValueResult | undefined;
  checks: PublishCheck[];
  segments: SegmentsDocument;
  continuity: Continuity;
  migration: MigrationSummary;
  published: RefreshResult;
  /** The customer master (`--customers`), null without one. */
  master?: CustomerMaster | null;
}

const stage = defineStage<RefreshCatalog>();

/** Continuity method of a retrained firmographic model. */
const MATCH_METHOD_FIRMOGRAPHIC =
  'optimal assignment (Hungarian algorithm) on the Euclidean distance between segment centres in firmographic units of the saved model (numbers in training sd, category shares × √(γ/2))';
/** Continuity method of a retrained firmographic model when the previous run has no master columns. */
const MATCH_METHOD_BEHAVIOUR_ONLY =
  'optimal assignment (Hungarian algorithm) on the Euclidean distance between segment centres in the saved model’s standardised feature space (the previous run has no customer-master columns to compare firmographics with)';

export const baseStage = stage({
  name: 'base',
  description: 'find the saved model and the previous run (a re-run of a published as-of starts from its snapshot); load the previous customers',
  inputs: ['options', 'db', 'input', 'staged'],
  outputs: ['base'],
  async run({ options, db, input, staged }) {
    const base = resolveBase(options, staged.asOf);
    requireMasterForModel(base.model, options.customers, base.modelDir);
    requireModelCurrency(base.model.currency, staged.dataQuality.currencies, input.path, base.modelDir);
    await loadPreviousCustomers(db.connection, base.previous);
    return { base };
  },
});

export const scoreStage = stage({
  name: 'score',
  description: 'place every customer with the saved chain: transform, scaler, PCA, nearest k-means centroid (nearest k-prototypes prototype for a model found on firmographics)',
  inputs: ['db', 'base', 'features'],
  outputs: ['scored'],
  async run({ db, base, features }) {
    const scored = scoreCustomers(base.chain, features);
    const section = base.model.firmographics;
    if (!section) return { scored };
    // The k-means part of such a model only places the segments on the map; the saved k-prototypes model assigns.
    const { segmentIds, distances } = await scoreFirmographicSegments(db.connection, section, scored.transformed.scores);
    const labelOf = new Map(section.label_to_segment.map((id, label) => [id, label]));
    return { scored: { ...scored, segmentIds, distances, labels: Int32Array.from(segmentIds, (id) => labelOf.get(id)!) } };
  },
});

export const driftStage = stage({
  name: 'drift',
  description: 'population stability of every feature and centroid shift of every segment against the model’s training; decide whether to retrain',
  inputs: ['options', 'base', 'features', 'scored'],
  outputs: ['drift'],
  async run({ options, base, features, scored }) {
    const report = measureDrift(base.model, base.chain, features, scored.segmentIds);
    const section = base.model.firmographics;
    if (section && features.firmographics) {
      const names = new Map(base.model.segments.map((s) => [s.id, s.name]));
      report.firmographics = measureFirmographicDrift(section, features.firmographics, scored.segmentIds, names);
    }
    return { drift: { report, decision: decideRetrain(options.retrain, report) } };
  },
});

export const modelStage = stage({
  name: 'model',
  description: 'keep the saved model, or refit it with discover’s transform and cluster stages and match the new segments to the previous ones',
  inputs: ['options', 'db', 'base', 'features', 'scored', 'drift'],
  outputs: ['transformed', 'clustering', 'continuation'],
  async run({ options, db, base, features, scored, drift }, context) {
    const previousSegments = base.previous.segments.segments;
    const section = base.model.firmographics;
    const keptOptions = { seed: options.seed, silhouetteSample: options.silhouetteSample, requestedK: options.k };
    if (!drift.decision.retrained) {
      return {
        transformed: scored.transformed,
        clustering:
          section && features.firmographics
            ? keptFirmographicClustering(section, base.chain.kmeans, features.firmographics, scored.transformed.scores, scored, keptOptions)
            : keptClustering(base.chain, scored, keptOptions),
        continuation: keptContinuity(base.model.segments, previousSegments),
      };
    }
    // A retrain finds the segments on what the saved model found them on.
    const retrainOptions = { ...options, segmentOn: modelSegmentOn(base.model) };
    const { transformed } = await transformStage.run({ options: retrainOptions, features }, context);
    const { clustering } = await clusterStage.run({ options: retrainOptions, transformed, features }, context);
    const previous = await readPreviousCentres(db.connection, base.previous.customersPath, base.chain, previousSegments);
    let centres = clusteredCentres(base.chain, features, clustering);
    let method: string | null = null;
    if (section && features.firmographics) {
      // Matched where the segments were found: firmographics (and behaviour with `both`), in the saved model's units.
      const k = Math.max(...previousSegments.map((s) => s.id)) + 1;
      const before = await readPreviousFirmographicCentres(db.connection, base.previous.customersPath, section.encoding, k);
      if (before) {
        const withBehaviour = section.segment_on === 'both';
        const now = firmographicCentres(section.encoding, features.firmographics, clustering.segmentIds, clustering.k);
        centres = centres.map((c, id) => [...(withBehaviour ? c : []), ...now[id]!]);
        for (const p of previous) p.centre = [...(withBehaviour ? p.centre : []), ...before[p.id]!];
        method = `${MATCH_METHOD_FIRMOGRAPHIC}${withBehaviour ? ', next to the standardised behavioural features' : ''}`;
      } else {
        method = `${MATCH_METHOD_BEHAVIOUR_ONLY}`;
      }
    }
    const continuation = matchSegments(previous, centres);
    if (method) continuation.continuity.method = method;
    return { transformed, clustering: relabelClustering(clustering, continuation.idOf), continuation };
  },
});

export const refreshValueStage = stage({
  name: 'value',
  description: 'customer lifetime value: the saved model’s value section scores the customers; a retrain refits it as discover does',
  inputs: ['options', 'db', 'staged', 'base', 'drift'],
  outputs: ['value'],
  async run({ options, db, staged, base, drift }) {
    const section = base.model.value;
    if (!drift.decision.retrained) {
      return { value: section ? await scoreWithSavedValueModel(db.connection, staged.asOf, section) : undefined };
    }
    // A retrain refits the value models too, with the saved section's settings. `auto`, not `on`: a
    // failed refit is recorded and the night goes on without value columns rather than failing.
    // Without a saved section the lineage's own choice stands (--value of its discover; off for old runs).
    const settings = section
      ? { valueModel: section.model, valueTimeUnit: section.time_unit, clvMonths: section.clv.months, discountRate: section.clv.discount_rate }
      : {};
    const mode = section ? 'auto' : (base.previous.manifest.value?.mode ?? 'off');
    return { value: await runValueStage(db.connection, staged.asOf, { ...options, ...settings, value: mode }) };
  },
});

export const checksStage = stage({
  name: 'checks',
  description: 'publish checks: segment shares, customer count against the previous run, every customer scored (exit 4 keeps the last good output)',
  inputs: ['options', 'base', 'features', 'clustering', 'continuation'],
  outputs: ['checks'],
  async run({ options, base, features, clustering, continuation }) {
    const previous = base.previous;
    const checks = runPublishChecks(
      {
        customers: features.n,
        segmentIds: clustering.segmentIds,
        distances: clustering.distances,
        segments: continuation.continuity.matches.map((m) => ({
          id: m.segment_id,
          name: continuation.carriedNames[m.segment_id] ?? `new segment ${m.segment_id}`,
          previousId: m.previous_segment_id,
        })),
        previous: { customers: previous.manifest.customers, shares: new Map(previous.segments.segments.map((s) => [s.id, s.share])) },
      },
      options,
    );
    return { checks: assertChecksPassed(checks, options.out) };
  },
});

export const refreshProfileStage = stage({
  name: 'profile',
  description: 'segment sizes, revenue, profiles, descriptions and actions; names carried over from the previous run, new segments named by the archetype rules',
  inputs: ['options', 'db', 'staged', 'features', 'value', 'transformed', 'clustering', 'continuation', 'base', 'master'],
  outputs: ['segments', 'continuity'],
  async run({ options, db, staged, features, value, transformed, clustering, continuation, base, master }) {
    // A new segment must not take the name of one that vanished or that the model had: that name meant other customers.
    const reserved = [...continuation.continuity.vanished.map((v) => v.name), ...base.model.segments.map((s) => s.name)];
    let names: string[] = [];
    const segments = await profileSegments(
      db.connection,
      { options, staged, features, value, transformed, clustering, master },
      {
        names(generated) {
          names = finalNames(continuation.carriedNames, generated.map((g) => g.name), reserved, staged.asOf);
          return names;
        },
      },
    );
    const matches = continuation.continuity.matches.map((m) => ({ ...m, segment: names[m.segment_id] }));
    const continuity: Continuity = {
      ...continuation.continuity,
      matches,
      new: matches.filter((m) => m.status === 'new').map((m) => ({ id: m.segment_id, name: m.segment })),
    };
    return { segments, continuity };
  },
});

export const migrationStage = stage({
  name: 'migration',
  description: 'previous segment of every customer, and the previous × new segment matrix (SQL)',
  inputs: ['db', 'segments'],
  outputs: ['migration'],
  async run({ db }) {
    return { migration: await buildMigration(db.connection) };
  },
});

export const refreshPublishStage = stage({
  name: 'publish',
  description: 'write the run directory atomically (with migration.csv, history.csv and the previous run) and append the run to the warehouse; --dry-run writes nothing',
  inputs: ['options', 'db', 'input', 'staged', 'features', 'value', 'transformed', 'clustering', 'segments', 'base', 'drift', 'continuity', 'migration', 'checks', 'master'],
  outputs: ['published'],
  async run(inputs, { timingsMs, startedAt }) {
    const { options, db, base, drift, segments } = inputs;
    // As in discover: the line-level tables are not needed any more; free DuckDB's memory for the copies.
    await releaseStagedLines(db.connection);
    const refresh: RefreshManifest = {
      model: { dir: base.modelDir, as_of: base.model.as_of, created_at: base.model.created_at, input_sha256: base.model.input.sha256 },
      previous: runReference(base.previous),
      rerun: base.rerun,
      retrain: drift.decision,
      drift: drift.report,
      continuity: inputs.continuity,
      migration: inputs.migration,
      checks: inputs.checks,
      warehouse: options.dryRun ? null : options.warehouse,
    };
    if (options.dryRun) return { published: { dryRun: true, dir: options.out, files: [], refresh } };

    const connection = db.connection;
    const pipeline = options.out;
    const asOf = inputs.staged.asOf;
    await attachWarehouse(connection, options.warehouse);
    let committed = false;
    try {
      await connection.run('BEGIN TRANSACTION');
      // The run this one continues, when the warehouse does not have it yet
      // (the discover run, or a night whose commit was cut off after its publish).
      if (!(await hasRun(connection, pipeline, base.previous.manifest.as_of))) {
        const previous = previousRecord(pipeline, base.previous);
        await recordRun(connection, previous.run, previous.segments, base.previous.manifest.refresh?.drift.psi ?? []);
      }
      await recordRun(
        connection,
        {
          pipeline,
          as_of: asOf,
          command: 'refresh',
          retrained: drift.decision.retrained,
          model_as_of: drift.decision.retrained ? asOf : base.model.as_of,
          customers: inputs.features.n,
          k: segments.k,
          input_sha256: inputs.input.sha256,
          max_psi: drift.report.max_psi,
          max_centroid_shift: drift.report.max_centroid_shift,
          moved: inputs.migration.moved,
          published_at: new Date().toISOString(),
          segmenta_version: SEGMENTA_VERSION,
        },
        segmentRecords(segments),
        drift.report.psi,
      );
      await loadSegmentHistory(connection, pipeline, asOf);
      const published = await publishRun(inputs, { timingsMs, startedAt }, {
        command: 'refresh',
        model: drift.decision.retrained ? undefined : base.model,
        manifest: { refresh },
        customerTextColumns: ['previous_segment'],
        async extraFiles(dir) {
          await writeMigrationCsv(connection, join(dir, 'migration.csv'));
          await copyCsv(connection, 'SELECT * FROM segment_history', ['segment'], join(dir, 'history.csv'), 'as_of, segment_id');
          mkdirSync(join(dir, PREVIOUS_DIR));
          for (const file of PREVIOUS_RUN_FILES) copyFileSync(join(base.previous.dir, file), join(dir, PREVIOUS_DIR, file));
          return REFRESH_FILES;
        },
      });
      // Committed only once the directory is in place: a run killed before
      // this point leaves neither its output nor its history row.
      await connection.run('COMMIT');
      committed = true;
      return { published: { dryRun: false, dir: published.dir, files: published.files, refresh } };
    } finally {
      if (!committed) await connection.run('ROLLBACK').catch(() => undefined);
      await detachWarehouse(connection);
    }
  },
});

/** The refresh pipeline, in order. */
export const refreshPipeline: readonly Stage<RefreshCatalog, any, any>[] = [
  ingestStage,
  stagingStage,
  baseStage,
  featuresStage,
  scoreStage,
  driftStage,
  modelStage,
  refreshValueStage,
  checksStage,
  refreshProfileStage,
  migrationStage,
  refreshPublishStage,
];

function segmentRecords(segments: Pick<SegmentsDocument, 'segments'>) {
  return segments.segments.map((s) => ({
    segment_id: s.id,
    segment: s.name,
    customers: s.size,
    share: s.share,
    revenue: s.revenue,
    revenue_share: s.revenue_share,
  }));
}

/** A previous run as the warehouse records it, from its own manifest and segments. */
function previousRecord(pipeline: string, run: RunDirectory): { run: RunRecord; segments: ReturnType<typeof segmentRecords> } {
  const m = run.manifest;
  const refresh = m.refresh;
  return {
    run: {
      pipeline,
      as_of: m.as_of,
      command: m.command,
      retrained: refresh ? refresh.retrain.retrained : null,
      model_as_of: refresh && !refresh.retrain.retrained ? refresh.model.as_of : m.as_of,
      customers: m.customers,
      k: m.k,
      input_sha256: m.input?.sha256 ?? null,
      max_psi: refresh?.drift.max_psi ?? null,
      max_centroid_shift: refresh?.drift.max_centroid_shift ?? null,
      moved: refresh?.migration.moved ?? null,
      published_at: m.finished_at ?? null,
      segmenta_version: m.versions?.segmenta ?? null,
    },
    segments: segmentRecords(run.segments),
  };
}
