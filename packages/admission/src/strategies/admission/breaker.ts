import CircuitBreaker from 'opossum';
import { AdmissionError } from '../../errors.js';

/**
 * The breaker guards infrastructure, not business. Refusals are results, and AdmissionErrors
 * (bad input, event not loaded, idempotency mismatch) are answers from a healthy Redis:
 * neither counts as a failure. Only Redis errors and timeouts do.
 */
export interface BreakerSettings {
  /** A Redis call slower than this fails (and the request takes the PostgreSQL path). Default 250 ms: a Lua claim answers in well under a millisecond, so this means Redis is sick, not busy. */
  readonly timeoutMs: number;
  /** Open when this share of calls in the rolling window failed... Default 50 %. */
  readonly errorThresholdPercentage: number;
  /** ...and the window saw at least this many calls (a few failures at start-up don't open it). Default 20. */
  readonly volumeThreshold: number;
  /** Length of the rolling window the share is computed over. Default 10 s. */
  readonly rollingCountTimeoutMs: number;
  /** How long it stays open before letting one trial call through (half-open). Default 2 s: long enough not to hammer a restarting Redis, short enough to win it back quickly. */
  readonly resetTimeoutMs: number;
}

export const defaultBreakerSettings: Readonly<BreakerSettings> = Object.freeze({
  timeoutMs: 250,
  errorThresholdPercentage: 50,
  volumeThreshold: 20,
  rollingCountTimeoutMs: 10_000,
  resetTimeoutMs: 2_000,
});

export type BreakerState = 'closed' | 'open' | 'half-open';

/** True for a failure of Redis itself (down, slow, breaker open), as opposed to an answer. */
export function isInfrastructureError(error: unknown): boolean {
  return !(error instanceof AdmissionError);
}

/** An opossum breaker in front of every Redis call of the admission strategy. */
export class Breaker {
  readonly #breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  readonly settings: Readonly<BreakerSettings>;

  constructor(settings: Readonly<BreakerSettings>, onTransition: (state: BreakerState) => void) {
    this.settings = settings;
    this.#breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      timeout: settings.timeoutMs,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      rollingCountTimeout: settings.rollingCountTimeoutMs,
      resetTimeout: settings.resetTimeoutMs,
      errorFilter: (error: unknown) => !isInfrastructureError(error),
      // Nothing reads latency percentiles or the per-second snapshots; on by default, they cost
      // every call a push and every second a sort of the window's latencies.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    this.#breaker.on('open', () => onTransition('open'));
    this.#breaker.on('halfOpen', () => onTransition('half-open'));
    this.#breaker.on('close', () => onTransition('closed'));
  }

  /** Runs a Redis call through the breaker; rejects at once while it is open. */
  run<T>(call: () => Promise<T>): Promise<T> {
    return this.#breaker.fire(call) as Promise<T>;
  }

  get state(): BreakerState {
    if (this.#breaker.opened) return 'open';
    return this.#breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** Sends everything down the fallback path until the reset timeout lets a trial call through (or close()). */
  open(): void {
    this.#breaker.open();
  }

  close(): void {
    this.#breaker.close();
  }

  shutdown(): void {
    this.#breaker.shutdown();
  }
}
