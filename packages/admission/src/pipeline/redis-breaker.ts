import CircuitBreaker from 'opossum';
import { AdmissionError } from '../errors.js';
import type { AdmissionMetrics } from '../metrics.js';

/**
 * The breaker guards infrastructure, not business. Refusals are results, and AdmissionErrors
 * (bad input, event not loaded, idempotency mismatch) are answers from a healthy Redis:
 * neither counts as a failure. Only Redis errors and timeouts do.
 */
export interface BreakerSettings {
  /** A Redis call slower than this fails (and the request takes the PostgreSQL path). */
  readonly timeoutMs: number;
  /** Open when this share of calls in the rolling window failed... */
  readonly errorThresholdPercentage: number;
  /** ...and the window saw at least this many calls (a few failures at start-up don't open it). */
  readonly volumeThreshold: number;
  /** Length of the rolling window the share is computed over. */
  readonly rollingCountTimeoutMs: number;
  /** How long it stays open before letting one trial call through (half-open). */
  readonly resetTimeoutMs: number;
}

export const defaultBreakerSettings: Readonly<BreakerSettings> = Object.freeze({
  // A Lua claim answers in well under a millisecond; 250 ms means Redis is sick, not busy.
  timeoutMs: 250,
  errorThresholdPercentage: 50,
  volumeThreshold: 20,
  rollingCountTimeoutMs: 10_000,
  // Long enough not to hammer a restarting Redis, short enough to win it back quickly.
  resetTimeoutMs: 2_000,
});

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Thrown by a call the open breaker refused without trying Redis. */
export function isBreakerOpenError(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === 'EOPENBREAKER';
}

/** True for a failure of Redis itself (down, slow, breaker open), as opposed to an answer. */
export function isInfrastructureError(error: unknown): boolean {
  return !(error instanceof AdmissionError);
}

export class RedisBreaker {
  readonly #breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  readonly settings: Readonly<BreakerSettings>;

  constructor(settings: Partial<BreakerSettings> = {}, metrics?: AdmissionMetrics, onClose: () => void = () => {}) {
    this.settings = Object.freeze({ ...defaultBreakerSettings, ...settings });
    this.#breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      timeout: this.settings.timeoutMs,
      errorThresholdPercentage: this.settings.errorThresholdPercentage,
      volumeThreshold: this.settings.volumeThreshold,
      rollingCountTimeout: this.settings.rollingCountTimeoutMs,
      resetTimeout: this.settings.resetTimeoutMs,
      errorFilter: (error: unknown) => !isInfrastructureError(error),
    });
    const record = (state: BreakerState, gauge: number) => {
      metrics?.breakerState.set(gauge);
      metrics?.breakerTransitions.inc({ to: state });
    };
    this.#breaker.on('open', () => record('open', 2));
    this.#breaker.on('halfOpen', () => record('half-open', 1));
    this.#breaker.on('close', () => {
      record('closed', 0);
      onClose();
    });
  }

  /** Runs a Redis call through the breaker; rejects at once while it is open. */
  run<T>(call: () => Promise<T>): Promise<T> {
    return this.#breaker.fire(call) as Promise<T>;
  }

  get state(): BreakerState {
    if (this.#breaker.opened) return 'open';
    return this.#breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** For operators and tests: send everything down the fallback path until close(). */
  forceOpen(): void {
    this.#breaker.open();
  }

  close(): void {
    this.#breaker.close();
  }

  shutdown(): void {
    this.#breaker.shutdown();
  }
}
