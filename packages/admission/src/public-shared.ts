// What the main entry and the gate entry both export: the errors, the results and the limits.
export {
  AdmissionError,
  ClosedError,
  EventExistsError,
  EventLoadingError,
  EventNotFoundError,
  EventNotLoadedError,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  InvalidInputError,
  LoadConflictError,
  type AdmissionErrorCode,
} from './errors.js';
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
  type HoldState,
  type ReapResult,
  type ReleaseResult,
  type SeatClaim,
  type SeatMap,
  type SnapshotHold,
} from './results.js';
export { seatIndex, seatOfIndex, type Seat } from './seats.js';
export { idempotencyKeyPattern, idPattern, limits, textPattern, userIdPattern } from './limits.js';
