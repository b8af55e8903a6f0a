/**
 * The requests the hot-path bench measures, the baseline first. `express-redis-call` is the
 * floor under seats-taken: bare Express with the one Redis command a refusal there needs.
 */
export const ROW_NAMES = ['bare-express', 'express-redis-call', 'sold-out', 'seats-taken', 'granted-hold'] as const;
export type RowName = (typeof ROW_NAMES)[number];

/** The rows SeatGrid answers; the others are baselines, with no target. */
export type TargetRowName = Exclude<RowName, 'bare-express' | 'express-redis-call'>;

/** The most CPU a request may cost the API, as a multiple of a bare Express route's. */
export const CPU_TARGETS: Readonly<Record<TargetRowName, number>> = {
  'sold-out': 1.15,
  'seats-taken': 1.4,
  'granted-hold': 3,
};

export interface CpuVerdict {
  /** CPU a request over the baseline's; null when either is unknown or the baseline is 0. */
  readonly ratio: number | null;
  readonly target: number | null;
  /** null: no target, or no ratio to judge. */
  readonly met: boolean | null;
}

export function cpuVerdict(name: RowName, usPerRequest: number | null, baselineUsPerRequest: number | null): CpuVerdict {
  const ratio =
    usPerRequest === null || baselineUsPerRequest === null || baselineUsPerRequest <= 0 ? null : usPerRequest / baselineUsPerRequest;
  return ratioVerdict(name, ratio);
}

/** A ratio to the baseline (null: unknown) against the row's target. */
export function ratioVerdict(name: RowName, ratio: number | null): CpuVerdict {
  const target = name in CPU_TARGETS ? CPU_TARGETS[name as TargetRowName] : null;
  return { ratio, target, met: ratio === null || target === null ? null : ratio <= target };
}

/** `<= 1.15x` beside a ratio, then whether it is met. */
export function describeVerdict(verdict: CpuVerdict): { target: string; met: string } {
  return {
    target: verdict.target === null ? '-' : `<= ${verdict.target}x`,
    met: verdict.met === null ? '-' : verdict.met ? 'yes' : 'NO',
  };
}
