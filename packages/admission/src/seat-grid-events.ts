import type { Hydration } from './strategies/admission/hydrator.js';
import type { BreakerState } from './strategies/admission/breaker.js';
import type { EventDrift } from './strategies/admission/reconciler.js';
import type { Compensation } from './strategies/admission/winner-writer.js';

/** Background work that can fail without a caller to tell. */
export type BackgroundTask =
  | 'sweeper'
  | 'reconciler'
  | 'hydration'
  | 'compensation'
  | 'waitlist'
  | 'redis-connection'
  | 'postgres-connection';

/**
 * What a SeatGrid reports as it runs (`grid.on(name, listener)`):
 * - `backgroundError` (error, task): a background task failed; the task goes on. With no
 *   listener it becomes a process warning (stderr): never silent.
 * - `warning` (message): something an operator should fix (an evicting Redis, a start on the
 *   fallback). With no listener, a process warning.
 * - `breaker` (state): the Redis breaker moved to 'open', 'half-open' or 'closed'.
 * - `hydrate` ({ eventId, reason, durationMs }): an event was (re)loaded into Redis from PostgreSQL.
 * - `drift` ({ eventId, seats, byKind }): the reconciler found Redis disagreeing with PostgreSQL, and repaired it.
 * - `compensation` ({ eventId, holdId, reason }): a Redis win was given back (its PostgreSQL write did not happen).
 */
export interface SeatGridEvents {
  backgroundError: [error: unknown, task: BackgroundTask];
  warning: [message: string];
  breaker: [state: BreakerState];
  hydrate: [hydration: Hydration];
  drift: [drift: EventDrift];
  compensation: [compensation: Compensation];
}
