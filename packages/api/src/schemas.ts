import { idempotencyKeyPattern, idPattern, limits, textPattern, userIdPattern } from '@seatgrid/admission';
import { z } from 'zod';

/**
 * Every request and response body of the API, as zod schemas: the routes validate with
 * them and the OpenAPI document is generated from them, so it stays true. Every limit comes
 * from the library's one table of them. Seats are 1-based { row, col }.
 */
const id = z.string().regex(idPattern, `ids are 1-${limits.maxIdLength} characters of A-Z, a-z, 0-9, _ or -`);
const whole = (min: number, max: number) => z.number().int().min(min).max(max);

/** The library's bound on a waiting room's pace. */
const MAX_ADMIT_PER_SECOND = 100_000;

export const seatSchema = z.strictObject({ row: whole(1, limits.maxRows), col: whole(1, limits.maxCols) });

export const createEventBody = z.strictObject({
  name: z.string().trim().min(1).max(limits.maxEventNameLength).regex(textPattern, 'must not contain control characters'),
  rows: whole(1, limits.maxRows),
  cols: whole(1, limits.maxCols),
  maxSeatsPerUser: whole(0, limits.maxRows * limits.maxCols).optional(),
  holdTtlSeconds: whole(limits.minHoldTtlMs / 1_000, limits.maxHoldTtlMs / 1_000).optional(),
  waitlistOfferSeconds: whole(limits.minHoldTtlMs / 1_000, limits.maxHoldTtlMs / 1_000).optional(),
  waitingRoom: z
    .strictObject({
      admitPerSecond: z.number().positive().max(MAX_ADMIT_PER_SECOND),
      admissionTtlSeconds: whole(limits.minHoldTtlMs / 1_000, limits.maxHoldTtlMs / 1_000),
    })
    .optional(),
});

/** Either listed seats or a best-available quantity, never both. */
export const claimBody = z.union([
  z.strictObject({ seats: z.array(seatSchema).min(1).max(limits.maxSeatsPerClaim) }),
  z.strictObject({ quantity: whole(1, limits.maxSeatsPerClaim), allowSplit: z.boolean().optional() }),
]);

export const eventIdParam = id;
export const holdIdParam = id;
export const entryIdParam = id;
export const ticketParam = id;

/** POST /events/:eventId/waitlist: how many seats the caller waits for. */
export const waitlistJoinBody = z.strictObject({ quantity: whole(1, limits.maxSeatsPerClaim) });

/** X-User-Id: who the caller is (1-128 characters, no control characters: C0, DEL or C1). */
export const userIdHeader = z.string().regex(userIdPattern);
/** Idempotency-Key (IETF draft): 1-255 printable ASCII characters. */
export const idempotencyKeyHeader = z.string().regex(idempotencyKeyPattern);
/** Admission-Token: what the waiting room gave the caller, 1-200 printable ASCII characters. */
export const admissionTokenHeader = z.string().regex(/^[\x21-\x7e]{1,200}$/);

export const eventResponse = z.object({
  id,
  name: z.string(),
  rows: z.number().int(),
  cols: z.number().int(),
  capacity: z.number().int(),
  available: z.number().int(),
  maxSeatsPerUser: z.number().int(),
  holdTtlSeconds: z.number().int(),
  waitlistOfferSeconds: z.number().int(),
  waitingRoom: z.object({ admitPerSecond: z.number(), admissionTtlSeconds: z.number().int() }).optional(),
});

export const seatMapResponse = z.object({
  rows: z.number().int(),
  cols: z.number().int(),
  available: z.number().int(),
  /** Grows with every change of the event's seats: two maps at one version are the same map. */
  version: z.number().int().min(0),
  /** One string a row, one character a seat: '.' free, 'H' held, 'S' sold. */
  grid: z.array(z.string()),
});

export const holdResponse = z.object({
  holdId: id,
  eventId: id,
  seats: z.array(seatSchema),
  expiresAt: z.iso.datetime(),
});

export const confirmResponse = z.object({
  bookingId: id,
  status: z.literal('confirmed'),
  seats: z.array(seatSchema),
});

export const holdExtensionResponse = z.object({
  holdId: id,
  expiresAt: z.iso.datetime(),
});

export const waitlistEntryResponse = z.object({
  entryId: id,
  eventId: id,
  quantity: z.number().int(),
  status: z.enum(['waiting', 'offered', 'fulfilled', 'expired', 'left']),
  position: z.number().int().min(1).optional(),
  holdId: id.optional(),
  offerExpiresAt: z.iso.datetime().optional(),
});

export const queueTicketResponse = z.object({
  ticket: id,
  eventId: id,
  status: z.enum(['waiting', 'admitted', 'expired']),
  position: z.number().int().min(1).optional(),
  admissionToken: admissionTokenHeader.optional(),
  expiresAt: z.iso.datetime().optional(),
  estimatedWaitSeconds: z.number().int().min(0).optional(),
});

export const bookingResponse = z.object({
  bookingId: id,
  eventId: id,
  seats: z.array(seatSchema),
});

export const problemResponse = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  /** The input field at fault (invalid input). */
  field: z.string().optional(),
  /** The seats already taken (seats-taken). */
  takenSeats: z.array(seatSchema).optional(),
  available: z.number().int().optional(),
  limit: z.number().int().optional(),
  waitlist: z.string().optional(),
  entryId: id.optional(),
});

export const healthResponse = z.object({ status: z.literal('ok') });

export const readinessResponse = z.object({
  ready: z.boolean(),
  strategy: z.string(),
  postgres: z.enum(['up', 'down']),
  redis: z.enum(['up', 'down', 'unused']),
  breaker: z.enum(['closed', 'open', 'half-open', 'unused']),
  redisEvictionPolicy: z.string(),
  redisEvictionSafe: z.boolean(),
});

/** GET /events: ?limit (1-100, default 50) and ?cursor (the nextCursor of the page before). */
export const eventListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: id.optional(),
});

/** An event in a list: without `available`, which would cost a counters read per event. */
export const eventSummary = eventResponse.omit({ available: true });

export const eventPageResponse = z.object({
  events: z.array(eventSummary),
  /** Pass it as ?cursor= for the next page; null on the last page. */
  nextCursor: id.nullable(),
});

/** A hold read back by its owner: `status` says what became of it. */
export const holdRecordResponse = z.object({
  holdId: id,
  eventId: id,
  seats: z.array(seatSchema),
  status: z.enum(['held', 'confirmed', 'released', 'expired', 'cancelled']),
  /** When a hold's seats go back (null for a booking bought in one step). */
  expiresAt: z.iso.datetime().nullable(),
});

/** A booking read back by its owner. */
export const bookingRecordResponse = z.object({
  bookingId: id,
  eventId: id,
  seats: z.array(seatSchema),
  status: z.enum(['confirmed', 'cancelled']),
});
