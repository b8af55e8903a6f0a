import type { ClaimResult } from '@seatgrid/admission';
import { Router, type Request, type Response } from 'express';
import type { AppDependencies } from '../app.ts';
import { callerIdentity } from '../caller-identity.ts';
import type { z } from 'zod';
import { claimRefusalProblem, ProblemError } from '../http-problem.ts';
import { bodyOf, idempotencyKeyOf, paramOf } from '../request-input.ts';
import { claimBody, eventIdParam } from '../schemas.ts';

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
    if (idempotencyKey === undefined) return decide(body, { eventId, userId, mode });
    // The IETF draft: a retry while the first request is still being answered gets 409.
    const flight = JSON.stringify([userId, eventId, idempotencyKey]);
    if (inFlight.has(flight)) throw new ProblemError('idempotency-in-flight', {}, { 'Retry-After': '1' });
    inFlight.add(flight);
    try {
      return await decide(body, { eventId, userId, mode, idempotencyKey });
    } finally {
      inFlight.delete(flight);
    }
  }

  async function decide(
    body: z.infer<typeof claimBody>,
    common: { eventId: string; userId: string; mode: 'hold' | 'book'; idempotencyKey?: string },
  ): Promise<ClaimResult> {
    const result =
      'seats' in body
        ? await deps.strategy.claimSeats({ ...common, seats: body.seats })
        : await deps.strategy.claimBestAvailable({
            ...common,
            quantity: body.quantity,
            ...(body.allowSplit === undefined ? {} : { allowSplit: body.allowSplit }),
          });
    if (!result.ok) throw claimRefusalProblem(result);
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
