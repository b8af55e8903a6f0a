export { Admission, createAdmission, type AdmissionOptions } from './engine/admission.js';
export { defaultSettings, type AdmissionSettings } from './settings.js';
export {
  AdmissionError,
  EventExistsError,
  EventNotFoundError,
  EventNotLoadedError,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  InvalidInputError,
  LoadConflictError,
  type AdmissionErrorCode,
} from './errors.js';
export { ResultCode, type ResultCodeName } from './engine/result-codes.js';
export { admissionScripts, type ScriptDefinition, type ScriptName } from './engine/lua-scripts.js';
export { eventKeys, idempotencyRecordKey } from './engine/keys.js';
export type { RedisClient } from './engine/script-runner.js';
export type { Seat } from './seats.js';
export {
  seatMapRows,
  type BestAvailableClaim,
  type ClaimGranted,
  type ClaimRefusal,
  type ClaimResult,
  type ConfirmResult,
  type EventCounters,
  type EventDefinition,
  type EventSnapshot,
  type ExpiredHold,
  type HoldRef,
  type HoldRefusal,
  type ReapResult,
  type ReleaseResult,
  type SeatClaim,
  type SeatMap,
  type SnapshotHold,
} from './results.js';
export { connectDatabase, type DatabaseOptions } from './store/connect.js';
export { migrateDown, migrateToLatest } from './store/migrate.js';
export { createEvent, eventSnapshot, findEvent, seatStates, type EventInfo, type NewEvent } from './store/events.js';
export type { Database, HoldStatus, SeatState } from './store/database.js';
export { isStrategyName, strategyNames, type BookingStrategy, type StrategyName } from './strategies/strategy.js';
export { seatIndex, seatOfIndex } from './seats.js';
export { createMetrics, type AdmissionMetrics, type DecisionPath } from './metrics.js';
export { AdmissionStrategy, createAdmissionStrategy, type AdmissionStrategyOptions } from './strategies/admission.js';
export { defaultBreakerSettings, type BreakerSettings, type BreakerState } from './pipeline/redis-breaker.js';
export { defaultGroupCommitSettings, type GroupCommitSettings } from './pipeline/group-commit.js';
export { defaultReconcileSettings, type EventDrift, type ReconcileSettings } from './pipeline/reconciler.js';
export type { EvictionRisk } from './pipeline/eviction-check.js';
export type { SeatTake } from './store/seat-writes.js';
export { createNaiveStrategy } from './strategies/naive.js';
export { createPessimisticStrategy } from './strategies/pessimistic.js';
export { createOptimisticStrategy } from './strategies/optimistic.js';
export type { PgStrategyOptions } from './strategies/pg-claims.js';
export { auditEvent, type EventAudit } from './store/audit.js';
export { defaultSweepSettings, HoldSweeper, sweepExpiredHolds, type ExpiredHoldRow, type SweepSettings } from './store/hold-sweeper.js';
export { createStrategy, type RunningStrategy, type StrategyDependencies } from './strategies/create-strategy.js';
export { findHold, type HoldRecord } from './store/holds.js';
