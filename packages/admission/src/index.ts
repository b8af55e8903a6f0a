// @seatgrid/admission: admission control for ticket on-sales. One way in: createSeatGrid.
// '@seatgrid/admission/gate' is the Redis gate alone (no PostgreSQL packages needed);
// '@seatgrid/admission/testing' holds what only tests and comparisons should use.
export { createSeatGrid, type RedisConnection, type SeatGrid, type SeatGridOptions } from './create-seat-grid.js';
export type { AdmissionSeatGrid } from './admission-seat-grid.js';
export type { PostgresSeatGrid } from './postgres-seat-grid.js';
export type { WaitlistEntry } from './strategies/admission/waitlist-service.js';
export type { Health, StartReport } from './seat-grid.js';
export type { BackgroundTask, SeatGridEvents } from './seat-grid-events.js';
export { defaultSettings, type JobSettings, type SeatGridSettings, type SettingsOverrides } from './settings.js';
export type { GateSettings } from './gate/gate-settings.js';
export type { BreakerSettings, BreakerState } from './strategies/admission/breaker.js';
export type { GroupCommitSettings } from './strategies/admission/group-commit.js';
export type { EventDrift, ReconcilerSettings } from './strategies/admission/reconciler.js';
export type { Hydration, HydrationReason } from './strategies/admission/hydrator.js';
export type { Compensation } from './strategies/admission/winner-writer.js';
export type { PostgresStrategySettings } from './strategies/postgres/postgres-strategy.js';
export type { SweeperSettings, ExpiredHoldRow } from './store/hold-sweeper.js';
export type { DatabaseConnection, PostgresSettings } from './store/connect.js';
export type { EventInfo, NewEvent } from './store/events.js';
export type { HoldRecord } from './store/holds.js';
export type { EventAudit } from './store/audit.js';
export type { Database, HoldStatus, SeatState } from './store/database.js';
export type { EvictionRisk } from './gate/eviction-check.js';
export type { SeatChange } from './gate/changes.js';
export type { ChangeListener, ChangeSubscription } from './gate/change-feeds.js';
export type { DecisionPath, DriftKind, MetricsOptions } from './metrics.js';
export { isStrategyName, strategyNames, type StrategyName } from './strategies/strategy.js';
export * from './public-shared.js';
