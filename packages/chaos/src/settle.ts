import { setTimeout as sleep } from 'node:timers/promises';
import { defaultSettings, EventNotLoadedError, type EventInfo } from '@seatgrid/admission';
import type { Gate } from '@seatgrid/admission/gate';
import type { StoreView } from '@seatgrid/admission/testing';

/** Redis reaps a hold this long after PostgreSQL's expiry (the API keeps the library's default). */
export const EXPIRY_GRACE_MS = defaultSettings.gate.expiryGraceMs;

export interface Settled {
  /** Redis's map equalled PostgreSQL's before the deadline. */
  readonly matched: boolean;
  /** How long that took from the start of settling. */
  readonly elapsedMs: number;
  /** Seats taken in Redis but free in PostgreSQL: nobody can buy them. */
  readonly leaked: number;
  /** Seats taken in PostgreSQL but free in Redis: the gate would admit a buyer PostgreSQL refuses. */
  readonly missing: number;
  /** The last maps compared ('' for Redis when the event was not loaded there). */
  readonly redis: string;
  readonly postgres: string;
}

function compare(redis: string, postgres: string): { leaked: number; missing: number } {
  let leaked = 0;
  let missing = 0;
  for (let i = 0; i < postgres.length; i++) {
    const inRedis = redis[i] ?? '.';
    if (inRedis !== '.' && postgres[i] === '.') leaked++;
    if (inRedis === '.' && postgres[i] !== '.') missing++;
  }
  return { leaked, missing };
}

/**
 * Polls until the gate's seat map (read straight from Redis) equals PostgreSQL's, or the
 * deadline passes. `touch` asks the APIs for the seat map each round: that keeps the event
 * in their reconciler's active set and hydrates it if Redis lost it.
 */
export async function settle(options: {
  readonly store: StoreView;
  readonly gate: Gate;
  readonly event: EventInfo;
  readonly deadlineMs: number;
  readonly touch: () => Promise<void>;
}): Promise<Settled> {
  const started = Date.now();
  for (;;) {
    await options.touch();
    const redis = await options.gate.seatMap(options.event.eventId).then(
      (map) => map.states,
      (error: unknown) => {
        if (error instanceof EventNotLoadedError) return '';
        throw error;
      },
    );
    const postgres = await options.store.grid.storedSeatStates(options.event.eventId);
    const elapsedMs = Date.now() - started;
    const matched = redis === postgres;
    if (matched || elapsedMs > options.deadlineMs) {
      return { matched, elapsedMs, ...compare(redis, postgres), redis, postgres };
    }
    await sleep(100);
  }
}
