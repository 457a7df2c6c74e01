import type { SegmentValue } from './types.ts';
import type { LifecycleThresholds } from '../rules/lifecycle.ts';
import { recommendActions } from './actions.ts';
import { describeSegment, type PopulationFigures } from './describe.ts';
import type { Lang } from './i18n.ts';
import { nameSegments, type ArchetypeId } from './naming.ts';

/** A segment as the texts see it: its statistics and its lifecycle and RFM mix. */
export interface PresentableSegment {
  id: number;
  size: number;
  revenue: number;
  profile: Record<string, number>;
  median: Record<string, number>;
  z: Record<string, number>;
  lifecycle: Record<string, number>;
  rfm_segments: Record<string, number>;
  /** Lifetime-value figures, when the run fitted the value models; they can add an action. */
  value?: SegmentValue;
}

/** The words for one segment. */
export interface SegmentWords {
  id: number;
  name: string;
  archetype: ArchetypeId;
  description: string;
  actions: string[];
}

/**
 * Names, describes and recommends actions for every segment, in one
 * language: names are assigned jointly (unique, best overall fit), the
 * description and actions per segment. Result in the input's order.
 */
export function presentSegments(
  segments: readonly PresentableSegment[],
  population: PopulationFigures,
  options: { lang: Lang; currency?: string; lifecycle?: LifecycleThresholds },
): SegmentWords[] {
  const names = new Map(nameSegments(segments, options.lang).map((n) => [n.id, n]));
  return segments.map((segment) => {
    const named = names.get(segment.id)!;
    return {
      id: segment.id,
      name: named.name,
      archetype: named.archetype,
      description: describeSegment(segment, population, options.lang, { currency: options.currency }),
      actions: recommendActions({ ...segment, archetype: named.archetype }, options.lang, { lifecycle: options.lifecycle }),
    };
  });
}
