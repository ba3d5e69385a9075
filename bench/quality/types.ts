/**
 * The shape every quality module shares. A module measures one feature on synthetic ground truth made
 * from the shared photos and returns one row per (photo, metric), with a baseline computed in the same run.
 */
export interface QualityRow {
  feature: string;
  /** The case, usually the photo name plus the synthetic degradation (e.g. "fruits.jpg warm"). */
  case: string;
  metric: string;
  darkroom: number;
  /** The baseline's figure on the same case; omitted where the metric has no baseline. */
  baseline?: number;
  baselineName?: string;
  /** Which direction is better, so the summary can say who won. */
  better: 'higher' | 'lower';
  notes?: string;
}

/** A per-feature floor checked by the runner over the median of a metric. */
export interface QualityFloor {
  feature: string;
  metric: string;
  /** 'median' over all cases of the metric, or 'every' case. */
  over: 'median' | 'every';
  /** The figure must be ≤ (better: lower) or ≥ (better: higher) this value. */
  limit: number;
  better: 'higher' | 'lower';
  /** Compare against the baseline instead of a fixed limit: darkroom must beat baseline by `limit`. */
  versusBaseline?: boolean;
}

export interface QualityModule {
  /** Feature ids this module measures. */
  features: readonly string[];
  run(): Promise<QualityRow[]>;
  floors?: readonly QualityFloor[];
}
