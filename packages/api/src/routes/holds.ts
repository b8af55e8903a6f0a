import type { HoldRecord } from '@seatgrid/admission';
import { Router, type Request } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { callerIdentity } from '../caller-identity.ts';
import { holdRefusalProblem, ProblemError } from '../http-problem.ts';
import { paramOf } from '../request-input.ts';
import { holdIdParam } from '../schemas.ts';
import { json, ref } from '../openapi/components.ts';
import type { Notes, OperationSpec } from '../openapi/operation-spec.ts';
import type { ProblemType } from '../problems.ts';

/** Confirm and release a hold, cancel a booking: the owner only; to anyone else it does not exist. */
export function holdRoutes(deps: AppDependencies): Router {
  const router = Router();
  const identify = callerIdentity(deps.config);

  async function ownHold(req: Request, param: string): Promise<HoldRecord> {
    const holdId = paramOf(holdIdParam, req, param);
    const userId = await identify(req);
    const hold = await deps.grid.findHold(holdId);
    if (hold === undefined || hold.userId !== userId) throw new ProblemError('hold-not-found');
    return hold;
  }

  router.post('/holds/:holdId/confirm', async (req, res) => {
    const hold = await ownHold(req, 'holdId');
    const ref = { eventId: hold.eventId, userId: hold.userId, holdId: hold.holdId };
    // A declined payment leaves the hold to expire. A late one may still win (the strategy's
    // late-payment rule: only if every seat is still free); a mock charge needs no refund.
    if (hold.status === 'held' && !(await deps.payment.charge(hold.holdId, hold.userId))) {
      throw new ProblemError('payment-declined');
    }
    const result = await deps.grid.confirm(ref);
    if (!result.ok) throw holdRefusalProblem(result);
    res.json({ bookingId: hold.holdId, status: 'confirmed', seats: result.seats });
  });

  router.post('/holds/:holdId/extend', async (req, res) => {
    const hold = await ownHold(req, 'holdId');
    const result = await deps.grid.extend({ eventId: hold.eventId, userId: hold.userId, holdId: hold.holdId });
    if (!result.ok) {
      if (result.reason === 'extension-limit') {
        throw new ProblemError('extension-limit', { detail: 'the hold lives as long as it may: twice its time from when it was made' });
      }
      throw holdRefusalProblem(result);
    }
    res.json({ holdId: hold.holdId, expiresAt: result.expiresAt.toISOString() });
  });

  router.delete('/holds/:holdId', async (req, res) => {
    const hold = await ownHold(req, 'holdId');
    const result = await deps.grid.release({ eventId: hold.eventId, userId: hold.userId, holdId: hold.holdId });
    if (!result.ok) throw holdRefusalProblem(result);
    res.status(204).end();
  });

  router.delete('/bookings/:bookingId', async (req, res) => {
    const booking = await ownHold(req, 'bookingId');
    const result = await deps.grid.cancel({ eventId: booking.eventId, userId: booking.userId, holdId: booking.holdId });
    if (!result.ok) throw holdRefusalProblem(result);
    res.status(204).end();
  });

  return router;
}

const holdNotes: Partial<Record<ProblemType, string>> = {
  'invalid-input': 'a malformed id or X-User-Id header',
  'hold-not-found': "unknown, released, or someone else's: a stranger learns nothing",
};

const holdJwtNotes: Notes = { 'invalid-input': 'a malformed id' };

/** The OpenAPI specs of the routes above. */
export const holdOperations: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/holds/{holdId}/confirm',
    operationId: 'confirmHold',
    tag: 'holds',
    summary: 'Pay for a hold and buy its seats',
    description: 'Charges the caller, then sells the seats. Confirming a confirmed hold answers the same again.',
    user: true,
    responses: { 200: { description: 'The seats are sold.', content: json(ref('Confirmation')) } },
    problems: ['invalid-input', 'payment-declined', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
    notes: {
      ...holdNotes,
      'payment-declined': 'the hold stays until it expires: the caller may try again',
      'wrong-state': 'the hold can no longer be confirmed',
      'hold-expired': 'its seats are free again',
    },
    jwtNotes: holdJwtNotes,
  },
  {
    method: 'post',
    path: '/holds/{holdId}/extend',
    operationId: 'extendHold',
    tag: 'holds',
    summary: 'Keep a hold longer',
    description:
      'Extends an unexpired hold one hold time on from now, but never past twice its hold time after it was made ' +
      '(a waitlist offer: twice the offer time).',
    user: true,
    responses: { 200: { description: "The hold's new expiry.", content: json(ref('HoldExtension')) } },
    problems: ['invalid-input', 'hold-not-found', 'extension-limit', 'wrong-state', 'hold-expired', 'unavailable'],
    notes: {
      ...holdNotes,
      'extension-limit': 'it lives as long as it may already',
      'wrong-state': 'it is confirmed: a booking does not expire',
      'hold-expired': 'too late: its seats are free again',
    },
    jwtNotes: holdJwtNotes,
  },
  {
    method: 'delete',
    path: '/holds/{holdId}',
    operationId: 'releaseHold',
    tag: 'holds',
    summary: 'Release a hold',
    user: true,
    responses: { 204: { description: 'Released: its seats are free.' } },
    problems: ['invalid-input', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
    notes: { ...holdNotes, 'wrong-state': 'it is confirmed: cancel the booking instead' },
    jwtNotes: holdJwtNotes,
  },
  {
    method: 'delete',
    path: '/bookings/{bookingId}',
    operationId: 'cancelBooking',
    tag: 'bookings',
    summary: 'Cancel a booking',
    user: true,
    responses: { 204: { description: 'Cancelled: its seats are free.' } },
    problems: ['invalid-input', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
    notes: {
      ...holdNotes,
      'wrong-state': 'it is a hold, not confirmed yet: release it instead',
      'hold-expired': 'the id names a hold that expired before it was confirmed',
    },
    jwtNotes: holdJwtNotes,
  },
];
