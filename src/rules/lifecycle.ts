/**
 * Lifecycle stages and their thresholds. Rules are checked in the order of
 * {@link LIFECYCLE_STAGES}; the first that matches wins, so a customer is in
 * exactly one stage.
 */

/** Lifecycle thresholds in days; all configurable on the command line. */
export interface LifecycleThresholds {
  /** No purchase for this many days → inactive (the reactivation audience). Default 180. */
  inactiveDays: number;
  /** No purchase for this many days (but fewer than `inactiveDays`) → at risk. Default 90. */
  atRiskDays: number;
  /** First purchase within this many days → new. Default 90. */
  newDays: number;
}

export const DEFAULT_LIFECYCLE: LifecycleThresholds = { inactiveDays: 180, atRiskDays: 90, newDays: 90 };

/** Stages in rule order, with the rule each one applies. */
export const LIFECYCLE_STAGES = [
  { stage: 'inactive', rule: 'no purchase for inactiveDays (180) days or more' },
  { stage: 'at_risk', rule: 'no purchase for atRiskDays (90) days or more, but fewer than inactiveDays' },
  { stage: 'new', rule: 'first purchase fewer than newDays (90) days ago' },
  { stage: 'reactivated', rule: 'bought again after a gap of inactiveDays (180) days or more between two orders' },
  { stage: 'active', rule: 'everyone else: bought within atRiskDays, known for newDays or longer, no long gap' },
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number]['stage'];
