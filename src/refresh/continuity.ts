/**
 * Label continuity: after a retrain, the new segments take over the names
 * and ids of the previous run's segments they continue, so audiences and
 * dashboards keyed on names keep working.
 *
 * A new segment continues a previous one when the optimal assignment
 * (Hungarian algorithm, minimum total distance) pairs them and their centres
 * are at most {@link MATCH_MAX_DISTANCE} apart. Centres are compared in the
 * standardised feature space of the saved model — the features after its
 * log/winsorise transform and scaler, one unit per training standard
 * deviation. Not in PCA space: a retrain refits the PCA, so its axes differ
 * between the two runs; not in raw units either, where revenue (thousands)
 * would drown return rate (fractions).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readNumericColumns } from '../db/columns.ts';
import { quoteIdentifier } from '../db/quote.ts';
import { InputError } from '../errors.ts';
import type { CustomerFeatureMatrix } from '../features/build.ts';
import type { Clustering } from '../segmentation/cluster.ts';
import { segmentCentroids, standardisedFeatures } from '../segmentation/modelFile.ts';
import type { TransformChain } from '../segmentation/transformChain.ts';
import { hungarian } from '../segments/naming.ts';
import type { Continuity, SegmentMatch } from './types.ts';

/**
 * Farthest apart (in training standard deviations) two centres may be and
 * still count as the same segment. On Online Retail with k = 4 the segments
 * of one clustering are 2.6–7 sd apart, and a retrained segment lies 0.1–0.3
 * sd from where it was a month before: within 1 sd it is that segment,
 * moved; farther away it is a different group of customers.
 */
export const MATCH_MAX_DISTANCE = 1;

/** The method recorded in the manifest. */
export const MATCH_METHOD =
  'optimal assignment (Hungarian algorithm) on the Euclidean distance between segment centres in the saved model’s standardised feature space';

/** A segment of the previous run, with its centre in the standardised feature space. */
export interface PreviousSegment {
  id: number;
  name: string;
  size: number;
  /** NaN coordinates when the segment had no customers. */
  centre: number[];
}

/** The result of matching a retrained clustering to the previous run. */
export interface SegmentContinuation {
  /** New segment id (as clustered, ordered by revenue) → final id. */
  idOf: number[];
  /** Final id → carried name, or null for a new segment (named by the archetype rules). */
  carriedNames: (string | null)[];
  continuity: Continuity;
}

/**
 * Centres of the previous run's segments: its customers' features (read from
 * its customers.parquet) through the saved model's transform and scaler.
 *
 * @throws InputError when the table lacks a clustering feature or segment_id.
 */
export async function readPreviousCentres(
  connection: DuckDBConnection,
  customersPath: string,
  chain: Pick<TransformChain, 'transformer' | 'scaler'> & { features: readonly string[] },
  segments: ReadonlyArray<{ id: number; name: string; size: number }>,
): Promise<PreviousSegment[]> {
  const columns = ['segment_id', ...chain.features];
  let read: Awaited<ReturnType<typeof readNumericColumns>>;
  try {
    read = await readNumericColumns(
      connection,
      `SELECT ${columns.map((c) => `${quoteIdentifier(c)}::DOUBLE`).join(', ')} FROM read_parquet($path) ORDER BY customer_id`,
      { path: customersPath },
    );
  } catch (error) {
    throw new InputError(`${customersPath}: cannot read the previous customers' ${columns.join(', ')}: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  const byName: Record<string, Float64Array> = {};
  chain.features.forEach((f, j) => {
    byName[f] = read.columns[j + 1];
  });
  const k = Math.max(...segments.map((s) => s.id)) + 1;
  const ids = Int32Array.from(read.columns[0]);
  for (const id of ids) {
    if (!(id >= 0 && id < k)) throw new InputError(`${customersPath}: segment_id ${id} is not a segment of the previous run`);
  }
  const centres = segmentCentroids(standardisedFeatures(chain, byName), ids, k);
  return segments.map((s) => ({ id: s.id, name: s.name, size: s.size, centre: centres[s.id] }));
}

/** Centres of the retrained segments (ids as clustered) in the same space. */
export function clusteredCentres(
  chain: Pick<TransformChain, 'transformer' | 'scaler'>,
  features: CustomerFeatureMatrix,
  clustering: Pick<Clustering, 'segmentIds' | 'k'>,
): number[][] {
  return segmentCentroids(standardisedFeatures(chain, features.columns), clustering.segmentIds, clustering.k);
}

/**
 * Matches retrained segments to previous ones and gives every segment its
 * final id: a continuing segment keeps the previous id when it is below k
 * (ids stay 0..k−1), every other segment takes the lowest free id, in the
 * clustering's revenue order. Deterministic: the assignment depends only on
 * the centres, ties go to the lower id.
 */
export function matchSegments(previous: readonly PreviousSegment[], centres: readonly number[][], maxDistance = MATCH_MAX_DISTANCE): SegmentContinuation {
  const k = centres.length;
  const candidates = previous.filter((p) => p.centre.every(Number.isFinite));
  const distance = centres.map((c) => candidates.map((p) => euclidean(c, p.centre)));
  const assignment = candidates.length > 0 && k > 0 ? hungarian(distance).assignment : new Array<number>(k).fill(-1);

  const matchOf = new Array<PreviousSegment | null>(k).fill(null);
  const distanceOf = new Array<number | null>(k).fill(null);
  assignment.forEach((column, i) => {
    if (column >= 0 && distance[i][column] <= maxDistance) {
      matchOf[i] = candidates[column];
      distanceOf[i] = distance[i][column];
    }
  });

  const idOf = new Array<number>(k).fill(-1);
  const taken = new Set<number>();
  matchOf.forEach((match, i) => {
    if (match && match.id < k) {
      idOf[i] = match.id;
      taken.add(match.id);
    }
  });
  let free = 0;
  for (let i = 0; i < k; i += 1) {
    if (idOf[i] >= 0) continue;
    while (taken.has(free)) free += 1;
    idOf[i] = free;
    taken.add(free);
  }

  const carriedNames = new Array<string | null>(k).fill(null);
  const matches: SegmentMatch[] = [];
  for (let i = 0; i < k; i += 1) {
    const match = matchOf[i];
    carriedNames[idOf[i]] = match?.name ?? null;
    matches.push({
      segment_id: idOf[i],
      segment: match?.name ?? '',
      previous_segment_id: match?.id ?? null,
      previous_segment: match?.name ?? null,
      distance: distanceOf[i] === null ? null : round(distanceOf[i]!, 6),
      status: match ? 'matched' : 'new',
    });
  }
  matches.sort((a, b) => a.segment_id - b.segment_id);
  const continued = new Set(matchOf.filter((m): m is PreviousSegment => m !== null).map((m) => m.id));
  return {
    idOf,
    carriedNames,
    continuity: {
      method: MATCH_METHOD,
      max_distance: maxDistance,
      matches,
      new: [],
      vanished: previous.filter((p) => !continued.has(p.id)).map((p) => ({ id: p.id, name: p.name, customers: p.size })),
    },
  };
}

/** Continuity when the saved model was kept: every segment is the model's own. */
export function keptContinuity(segments: ReadonlyArray<{ id: number; name: string }>, previous: ReadonlyArray<{ id: number; name: string; size: number }>): SegmentContinuation {
  const ordered = [...segments].sort((a, b) => a.id - b.id);
  const previousById = new Map(previous.map((p) => [p.id, p]));
  const kept = new Set(ordered.map((s) => `${s.id}\u0000${s.name}`));
  return {
    idOf: ordered.map((s) => s.id),
    carriedNames: ordered.map((s) => s.name),
    continuity: {
      method: 'the saved model’s segments, unchanged',
      max_distance: MATCH_MAX_DISTANCE,
      matches: ordered.map((s) => {
        const before = previousById.get(s.id);
        return {
          segment_id: s.id,
          segment: s.name,
          previous_segment_id: before ? before.id : null,
          previous_segment: before ? before.name : null,
          distance: null,
          status: 'kept' as const,
        };
      }),
      new: [],
      // With a separate --model, the previous run may have had other segments.
      vanished: previous.filter((p) => !kept.has(`${p.id}\u0000${p.name}`)).map((p) => ({ id: p.id, name: p.name, customers: p.size })),
    },
  };
}

/** Renumbers a clustering's segment ids by `idOf` (old id → new id). */
export function relabelClustering(clustering: Clustering, idOf: readonly number[]): Clustering {
  const stability = new Array<number>(clustering.k);
  clustering.segmentStability.forEach((value, id) => {
    stability[idOf[id]] = value;
  });
  return {
    ...clustering,
    segmentIds: Int32Array.from(clustering.segmentIds, (id) => idOf[id]),
    labelToSegment: clustering.labelToSegment.map((id) => idOf[id]),
    segmentStability: stability,
  };
}

/**
 * The final segment names: carried names where a segment continues one,
 * else the name the archetype rules gave it — with `(new <as-of>)` appended
 * when that name is already carried by another segment or belonged to a
 * segment that vanished, so a name never silently changes meaning.
 *
 * @param generated - the archetype names of this run, by segment id.
 */
export function finalNames(carried: readonly (string | null)[], generated: readonly string[], reserved: readonly string[], asOf: string): string[] {
  const used = new Set<string>([...carried.filter((n): n is string => n !== null), ...reserved]);
  return carried.map((name, id) => {
    if (name !== null) return name;
    let candidate = generated[id];
    if (used.has(candidate)) candidate = `${generated[id]} (new ${asOf})`;
    for (let n = 2; used.has(candidate); n += 1) candidate = `${generated[id]} (new ${asOf}, ${n})`;
    used.add(candidate);
    return candidate;
  });
}

function euclidean(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let j = 0; j < a.length; j += 1) sum += (a[j] - b[j]) ** 2;
  return Math.sqrt(sum);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
