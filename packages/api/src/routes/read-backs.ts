import type { HoldRecord } from '@seatgrid/admission';
import { Router, type Request } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { callerIdentity } from '../caller-identity.ts';
import { ProblemError } from '../http-problem.ts';
import { json, ref } from '../openapi/components.ts';
import type { Notes, OperationSpec } from '../openapi/operation-spec.ts';
import { paramOf } from '../request-input.ts';
import { holdIdParam } from '../schemas.ts';

/** The statuses a hold has once it was bought. */
const BOOKED = new Set<HoldRecord['status']>(['confirmed', 'cancelled']);

/**
 * GET /holds/:holdId and GET /bookings/:bookingId: a hold or booking read back by its owner
 * (a page that reloads finds its hold again). To anyone else it does not exist.
 */
export function readBackRoutes(deps: AppDependencies): Router {
  const router = Router();
  const identify = callerIdentity(deps.config);

  async function ownRecord(req: Request, param: string): Promise<HoldRecord> {
    const holdId = paramOf(holdIdParam, req, param);
    const userId = await identify(req);
    const record = await deps.grid.findHold(holdId);
    if (record === undefined || record.userId !== userId) throw new ProblemError('hold-not-found');
    return record;
  }

  router.get('/holds/:holdId', async (req, res) => {
    const hold = await ownRecord(req, 'holdId');
    // PostgreSQL marks a lapsed hold expired only when the sweeper passes: its seats are free already.
    const lapsed = hold.status === 'held' && hold.expiresAt !== null && hold.expiresAt.getTime() <= Date.now();
    res.json({
      holdId: hold.holdId,
      eventId: hold.eventId,
      seats: hold.seats,
      status: lapsed ? 'expired' : hold.status,
      expiresAt: hold.expiresAt?.toISOString() ?? null,
    });
  });

  router.get('/bookings/:bookingId', async (req, res) => {
    const booking = await ownRecord(req, 'bookingId');
    // A hold never confirmed was never a booking.
    if (!BOOKED.has(booking.status)) throw new ProblemError('hold-not-found');
    res.json({ bookingId: booking.holdId, eventId: booking.eventId, seats: booking.seats, status: booking.status });
  });

  return router;
}

const readBackNotes: Notes = {
  'invalid-input': 'a malformed id or X-User-Id header',
  'hold-not-found': "unknown, or someone else's: a stranger learns nothing",
};
const readBackJwtNotes: Notes = { 'invalid-input': 'a malformed id' };

/** The OpenAPI specs of the routes above. */
export const readBackOperations: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/holds/{holdId}',
    operationId: 'getHold',
    tag: 'holds',
    summary: 'Read back a hold',
    description: "The caller's hold and what became of it: a page that reloads finds its hold and its expiry here.",
    user: true,
    responses: { 200: { description: 'The hold.', content: json(ref('HoldRecord')) } },
    problems: ['invalid-input', 'hold-not-found', 'unavailable'],
    notes: readBackNotes,
    jwtNotes: readBackJwtNotes,
  },
  {
    method: 'get',
    path: '/bookings/{bookingId}',
    operationId: 'getBooking',
    tag: 'bookings',
    summary: 'Read back a booking',
    description: "The caller's booking (a confirmed hold, or seats bought in one step), or its cancellation.",
    user: true,
    responses: { 200: { description: 'The booking.', content: json(ref('BookingRecord')) } },
    problems: ['invalid-input', 'hold-not-found', 'unavailable'],
    notes: { ...readBackNotes, 'hold-not-found': "unknown, someone else's, or a hold never confirmed" },
    jwtNotes: readBackJwtNotes,
  },
];
