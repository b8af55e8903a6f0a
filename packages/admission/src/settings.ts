import { defaultGateSettings, type GateSettings } from './gate/gate-settings.js';
import { defaultSweeperSettings, type SweeperSettings } from './store/hold-sweeper.js';
import { defaultBreakerSettings, type BreakerSettings } from './strategies/admission/breaker.js';
import { defaultGroupCommitSettings, type GroupCommitSettings } from './strategies/admission/group-commit.js';
import { defaultReconcilerSettings, type ReconcilerSettings } from './strategies/admission/reconciler.js';
import { defaultPostgresStrategySettings, type PostgresStrategySettings } from './strategies/postgres/postgres-strategy.js';

/** A background job's settings, and whether it runs at all. */
export type JobSettings<S> = S & { readonly enabled: boolean };

/**
 * Every tunable of a SeatGrid, grouped by the part it tunes. `defaultSettings` holds each
 * default, frozen; an instance's resolved settings are frozen too (`grid.settings`).
 */
export interface SeatGridSettings {
  /** The PostgreSQL schema that holds every table, index and the migrations table. Default 'seatgrid'. */
  readonly schema: string;
  /** start() gives up waiting for Redis after this long, and starts on the PostgreSQL fallback. Default 5,000 ms. */
  readonly startTimeoutMs: number;
  /** A claim waits this long for its event's (re)load into Redis before EventLoadingError. Default 5,000 ms. */
  readonly hydrationWaitMs: number;
  /** The Redis gate (admission strategy). `gate.expiryGraceMs` is the one grace every part uses. */
  readonly gate: Readonly<GateSettings>;
  /** The breaker in front of Redis (admission strategy). */
  readonly breaker: Readonly<BreakerSettings>;
  /** Writing Redis winners to PostgreSQL (admission strategy). */
  readonly groupCommit: Readonly<GroupCommitSettings>;
  /** The PostgreSQL strategies (and the admission strategy's fallback). */
  readonly postgres: Readonly<PostgresStrategySettings>;
  /** The hold sweeper: marks due holds expired in PostgreSQL. Runs by default. */
  readonly sweeper: Readonly<JobSettings<SweeperSettings>>;
  /** The reconciler: repairs Redis from PostgreSQL (admission strategy). Runs by default. */
  readonly reconciler: Readonly<JobSettings<ReconcilerSettings>>;
}

export const defaultSettings: Readonly<SeatGridSettings> = Object.freeze({
  schema: 'seatgrid',
  startTimeoutMs: 5_000,
  hydrationWaitMs: 5_000,
  gate: defaultGateSettings,
  breaker: defaultBreakerSettings,
  groupCommit: defaultGroupCommitSettings,
  postgres: defaultPostgresStrategySettings,
  sweeper: Object.freeze({ ...defaultSweeperSettings, enabled: true }),
  reconciler: Object.freeze({ ...defaultReconcilerSettings, enabled: true }),
});

/** Overrides of any settings: a group's fields one by one; `false` turns a background job off. */
export interface SettingsOverrides {
  readonly schema?: string;
  readonly startTimeoutMs?: number;
  readonly hydrationWaitMs?: number;
  readonly gate?: Partial<GateSettings>;
  readonly breaker?: Partial<BreakerSettings>;
  readonly groupCommit?: Partial<GroupCommitSettings>;
  readonly postgres?: Partial<PostgresStrategySettings>;
  readonly sweeper?: Partial<SweeperSettings> | false;
  readonly reconciler?: Partial<ReconcilerSettings> | false;
}

function job<S>(defaults: JobSettings<S>, given: Partial<S> | false | undefined): Readonly<JobSettings<S>> {
  return Object.freeze(given === false ? { ...defaults, enabled: false } : { ...defaults, ...given });
}

export function resolveSettings(overrides: SettingsOverrides): Readonly<SeatGridSettings> {
  const d = defaultSettings;
  return Object.freeze({
    schema: overrides.schema ?? d.schema,
    startTimeoutMs: overrides.startTimeoutMs ?? d.startTimeoutMs,
    hydrationWaitMs: overrides.hydrationWaitMs ?? d.hydrationWaitMs,
    gate: Object.freeze({ ...d.gate, ...overrides.gate }),
    breaker: Object.freeze({ ...d.breaker, ...overrides.breaker }),
    groupCommit: Object.freeze({ ...d.groupCommit, ...overrides.groupCommit }),
    postgres: Object.freeze({ ...d.postgres, ...overrides.postgres }),
    sweeper: job(d.sweeper, overrides.sweeper),
    reconciler: job(d.reconciler, overrides.reconciler),
  });
}
