/**
 * Audience filters: the segments, RFM segments and lifecycle stages an export
 * asks for, checked against what a run can contain and given a label for the
 * `audience` column.
 */
import { InputError, show } from '../errors.ts';
import { LIFECYCLE_STAGES, type LifecycleStage } from '../rules/lifecycle.ts';
import { LIFECYCLE_LABELS } from '../segments/features.ts';
import { RFM_SEGMENT_NAMES, RFM_SEGMENTS, type RfmSegmentName } from '../segments/rfmSegments.ts';
import type { SegmentProfile } from '../segments/types.ts';

/** The three kinds of audience, in documentation order. */
export const AUDIENCE_KINDS = ['segment', 'rfm', 'lifecycle'] as const;
/** A kind of audience. */
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];

/** The flag that asks for each kind, for messages and docs. */
export const AUDIENCE_FLAGS: Readonly<Record<AudienceKind, string>> = {
  segment: '--segment',
  rfm: '--rfm-segment',
  lifecycle: '--lifecycle',
};

/** One filter as given on the command line. */
export interface AudienceRequest {
  kind: AudienceKind;
  /** The value as typed. */
  value: string;
}

/** A filter resolved against the run. */
export interface Audience {
  kind: AudienceKind;
  /** The value as typed. */
  given: string;
  /**
   * What the customer table is compared with: the segment id (as text) for
   * `segment`, the English RFM segment name for `rfm`, the stage for `lifecycle`.
   */
  match: string;
  /** The value of the `audience` column: `segment:<name>`, `rfm:<RFM name>`, `lifecycle:<stage>`. */
  label: string;
  /** Position among the filters on the command line (0 = first), the default priority. */
  position: number;
}

/** The segments of the run, as far as the filters need them. */
export type RunSegment = Pick<SegmentProfile, 'id' | 'name'>;

/**
 * Resolves every request against the run. The same audience asked for twice
 * (say by name and by id) is kept once, at its first position.
 *
 * @throws {InputError} naming the flag, the value and the valid values when a value matches nothing.
 */
export function resolveAudiences(requests: readonly AudienceRequest[], segments: readonly RunSegment[]): Audience[] {
  const out: Audience[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    const { match, label } = resolveOne(request, segments);
    const key = `${request.kind}\u0000${match}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: request.kind, given: request.value, match, label, position: out.length });
  }
  return out;
}

function resolveOne(request: AudienceRequest, segments: readonly RunSegment[]): { match: string; label: string } {
  switch (request.kind) {
    case 'segment': {
      const segment = findSegment(request.value, segments);
      return { match: String(segment.id), label: `segment:${segment.name}` };
    }
    case 'rfm': {
      const name = findRfmSegment(request.value);
      return { match: name, label: `rfm:${name}` };
    }
    case 'lifecycle': {
      const stage = findLifecycleStage(request.value);
      return { match: stage, label: `lifecycle:${stage}` };
    }
  }
}

/**
 * A segment by name or id: the exact name first (a segment could be named
 * "3"), then the id, then the name ignoring case and surrounding spaces.
 */
export function findSegment(value: string, segments: readonly RunSegment[]): RunSegment {
  const exact = segments.find((s) => s.name === value);
  if (exact) return exact;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const byId = segments.find((s) => s.id === Number(trimmed));
    if (byId) return byId;
  }
  const folded = segments.filter((s) => s.name.trim().toLowerCase() === trimmed.toLowerCase());
  if (folded.length === 1) return folded[0];
  const valid = segments.map((s) => `${s.id} ${JSON.stringify(s.name)}`).join(', ');
  throw new InputError(`--segment ${show(value)}: no such segment in this run; expected a name or id of: ${valid}`);
}

/** Folds a name for lenient matching: "at-risk", "At Risk" and "AT_RISK" are the same. */
function fold(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * An RFM segment by its English name or German label, ignoring case, spaces
 * and punctuation ("cant lose them" finds "Can't Lose Them").
 */
export function findRfmSegment(value: string): RfmSegmentName {
  const key = fold(value);
  const found = RFM_SEGMENT_NAMES.find((name) => fold(name) === key || fold(RFM_SEGMENTS[name].label.de) === key);
  if (found && key !== '') return found;
  throw new InputError(`--rfm-segment ${show(value)}: no such RFM segment; expected one of: ${RFM_SEGMENT_NAMES.join(', ')}`);
}

/** A lifecycle stage by id (`at_risk`) or label in either language ("at risk", "gefährdet"). */
export function findLifecycleStage(value: string): LifecycleStage {
  const key = fold(value);
  const found = LIFECYCLE_STAGES.map((s) => s.stage).find(
    (stage) => fold(stage) === key || fold(LIFECYCLE_LABELS[stage].en) === key || fold(LIFECYCLE_LABELS[stage].de) === key,
  );
  if (found && key !== '') return found;
  throw new InputError(`--lifecycle ${show(value)}: no such lifecycle stage; expected one of: ${LIFECYCLE_STAGES.map((s) => s.stage).join(', ')}`);
}
