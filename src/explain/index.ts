/** Why a customer is in its segment: `segmenta explain` and the functions behind it. */
export {
  explainCustomer,
  lifecycleReason,
  MAX_SUGGESTIONS,
  type CustomerExplanation,
  type DecidingFeature,
  type FeatureComparison,
  type SegmentDistance,
} from './explainCustomer.ts';
export { loadFittedChain, placeCustomer, type CentroidDistance, type FeatureMargin, type FittedChain, type Placement } from './clusteringSpace.ts';
export { formatFeatureValue, renderExplanation } from './render.ts';
export {
  placeAmongPrototypes,
  prototypeMargins,
  PROTOTYPE_INPUT_LABELS,
  type PrototypeDistance,
  type PrototypeExplanation,
  type PrototypeMargin,
  type PrototypeValues,
} from './prototypes.ts';
