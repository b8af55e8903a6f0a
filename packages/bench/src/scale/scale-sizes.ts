/** The load shape of a scale run: the same at every process count, and for bare Express. */
export interface ScaleSizes {
  readonly connections: number;
  /** Flash sale: buyers spread over this many 10x10 events, 1-2 random seats each, bookings. */
  readonly flashEvents: number;
  readonly flashBuyers: number;
  /** Sold-out storm: requests spread over this many 10x10 events sold out beforehand. */
  readonly stormEvents: number;
  readonly stormRequests: number;
  /** Two-phase: holders spread over this many 20x10 events; a share confirm, the rest expire. */
  readonly twoPhaseEvents: number;
  readonly holders: number;
  readonly confirmShare: number;
  readonly holdTtlSeconds: number;
  /** Cap of each load phase. */
  readonly timeLimitSec: number;
}

export function scaleSizes(quick: boolean): ScaleSizes {
  return {
    connections: 100,
    flashEvents: 6,
    flashBuyers: quick ? 3_000 : 30_000,
    stormEvents: 4,
    stormRequests: quick ? 4_000 : 60_000,
    twoPhaseEvents: 3,
    holders: quick ? 600 : 4_800,
    confirmShare: 0.7,
    holdTtlSeconds: 3,
    timeLimitSec: quick ? 10 : 20,
  };
}
