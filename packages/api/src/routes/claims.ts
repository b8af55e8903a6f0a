import type { ClaimResult } from '@seatgrid/admission';
import { Router, type Request, type Response } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { callerIdentity } from '../caller-identity.ts';
import type { z } from 'zod';
import { claimRefusalProblem, ProblemError } from '../http-problem.ts';
import { admissionTokenOf, bodyOf, idempotencyKeyOf, paramOf } from '../request-input.ts';
import { claimBody, eventIdParam } from '../schemas.ts';
import { json, rateLimitHeaders, ref } from '../openapi/components.ts';
import type { Notes, OperationSpec } from '../openapi/operation-spec.ts';
import type { ProblemType } from '../problems.ts';

/**
 * POST /events/:eventId/holds (seats held until confirmed or expired) and
 * POST /events/:eventId/bookings (sold in one step). An Idempotency-Key makes a retry
 * answer the same, claiming nothing twice; the strategies keep the record, scoped per user.
 */
export function claimRoutes(deps: AppDependencies): Router {
  const router = Router();
  const identify = callerIdentity(deps.config);
  /** Keys (user, event, key) of requests this process is still answering. */
  const inFlight = new Set<string>();

  async function claim(req: Request, res: Response, mode: 'hold' | 'book'): Promise<ClaimResult> {
    const eventId = paramOf(eventIdParam, req, 'eventId');
    const userId = await identify(req);
    await deps.rateLimiter.take({ userId, address: req.socket.remoteAddress }, res);
    const body = bodyOf(claimBody, req);
    const idempotencyKey = idempotencyKeyOf(req);
    const admissionToken = admissionTokenOf(req);
    const common = { eventId, userId, mode, ...(admissionToken === undefined ? {} : { admissionToken }) };
    if (idempotencyKey === undefined) return decide(body, common);
    // The IETF draft: a retry while the first request is still being answered gets 409.
    const flight = JSON.stringify([userId, eventId, idempotencyKey]);
    if (inFlight.has(flight)) throw new ProblemError('idempotency-in-flight', {}, { 'Retry-After': '1' });
    inFlight.add(flight);
    try {
      return await decide(body, { ...common, idempotencyKey });
    } finally {
      inFlight.delete(flight);
    }
  }

  async function decide(
    body: z.infer<typeof claimBody>,
    common: { eventId: string; userId: string; mode: 'hold' | 'book'; idempotencyKey?: string; admissionToken?: string },
  ): Promise<ClaimResult> {
    const result =
      'seats' in body
        ? await deps.grid.claimSeats({ ...common, seats: body.seats })
        : await deps.grid.claimBestAvailable({
            ...common,
            quantity: body.quantity,
            ...(body.allowSplit === undefined ? {} : { allowSplit: body.allowSplit }),
          });
    if (!result.ok) {
      // Too few seats now: on the admission strategy the caller may wait for freed ones.
      const waitlist =
        deps.grid.strategy === 'admission' && (result.reason === 'sold-out' || result.reason === 'not-enough-seats')
          ? `/events/${common.eventId}/waitlist`
          : undefined;
      throw claimRefusalProblem(result, waitlist);
    }
    return result;
  }

  router.post('/events/:eventId/holds', async (req, res) => {
    const hold = await claim(req, res, 'hold');
    if (!hold.ok) return;
    res.status(201).json({ holdId: hold.holdId, eventId: req.params.eventId, seats: hold.seats, expiresAt: hold.expiresAt?.toISOString() });
  });

  router.post('/events/:eventId/bookings', async (req, res) => {
    const booking = await claim(req, res, 'book');
    if (!booking.ok) return;
    res.status(201).json({ bookingId: booking.holdId, eventId: req.params.eventId, seats: booking.seats });
  });

  return router;
}

const claimProblems: readonly ProblemType[] = [
  'invalid-input',
  'event-not-found',
  'seats-taken',
  'sold-out',
  'not-enough-seats',
  'no-adjacent-block',
  'user-limit',
  'admission-required',
  'idempotency-in-flight',
  'payload-too-large',
  'unsupported-media-type',
  'unprocessable-input',
  'idempotency-mismatch',
  'rate-limited',
  'unavailable',
];

const claimNotes: Partial<Record<ProblemType, string>> = {
  'invalid-input':
    'a malformed id, X-User-Id or Idempotency-Key header, body that is not JSON, or seats outside the grid; `field` names the culprit',
  'unprocessable-input': 'the body does not match ClaimRequest; `field` names the culprit',
  'seats-taken': 'nothing was claimed; `takenSeats` lists the seats already taken',
  'sold-out': 'on the admission strategy, `waitlist` is where to join the waitlist for freed seats',
  'not-enough-seats': '`available` says how many are left; on the admission strategy, `waitlist` is where to join the waitlist',
  'admission-required':
    "the event has a waiting room: send the Admission-Token it gave this user (the token was missing, expired, forged or another user's)",
  'no-adjacent-block': 'only without allowSplit',
  'user-limit': '`limit` is the per-user seat limit',
  'idempotency-in-flight': 'retry after Retry-After',
  'rate-limited': 'too many claims from this user or this client address; retry after Retry-After',
};

const claimJwtNotes: Notes = {
  'invalid-input': 'a malformed id or Idempotency-Key header, body that is not JSON, or seats outside the grid; `field` names the culprit',
};

/** The OpenAPI specs of the routes above. */
export const claimOperations: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/events/{eventId}/holds',
    operationId: 'createHold',
    tag: 'holds',
    summary: 'Hold seats',
    description: 'Holds the listed seats (all or none) or the best available ones, until the hold expires or is confirmed.',
    user: true,
    claim: true,
    body: { schema: 'ClaimRequest', description: 'The seats, or how many.' },
    responses: {
      201: { description: 'The seats are held for the caller.', headers: rateLimitHeaders, content: json(ref('Hold')) },
    },
    problems: claimProblems,
    notes: claimNotes,
    jwtNotes: claimJwtNotes,
  },
  {
    method: 'post',
    path: '/events/{eventId}/bookings',
    operationId: 'createBooking',
    tag: 'bookings',
    summary: 'Buy seats in one step',
    description: 'Sells the listed seats (all or none) or the best available ones at once, without a hold.',
    user: true,
    claim: true,
    body: { schema: 'ClaimRequest', description: 'The seats, or how many.' },
    responses: {
      201: { description: 'The seats are sold to the caller.', headers: rateLimitHeaders, content: json(ref('Booking')) },
    },
    problems: claimProblems,
    notes: claimNotes,
    jwtNotes: claimJwtNotes,
  },
];
