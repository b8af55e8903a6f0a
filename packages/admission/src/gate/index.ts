// @seatgrid/admission/gate: the atomic Redis gate alone. Needs ioredis; no PostgreSQL packages.
export { createGate, Gate, type GateOptions, type KnownAnswer } from './gate.js';
export { defaultGateSettings, type GateSettings } from './gate-settings.js';
export type { LoadMode } from './event-loader.js';
export type { EvictionRisk } from './eviction-check.js';
export type { ChangeBatch, SeatChange } from './changes.js';
export {
  ChangeFeeds,
  defaultChangeFeedSettings,
  type ChangeFeedSettings,
  type ChangeListener,
  type ChangeSubscription,
} from './change-feeds.js';
export { gateScripts, type ScriptDefinition, type ScriptName } from './lua-scripts.js';
export { eventKeys, idempotencyRecordKey, stagingKeys } from './keys.js';
export { ResultCode, type ResultCodeName } from './result-codes.js';
export type { RedisClient } from './script-runner.js';
export * from '../public-shared.js';
