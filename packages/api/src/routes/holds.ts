import { findHold, type HoldRecord } from '@seatgrid/admission';
import { Router, type Request } from 'express';
import type { AppDependencies } from '../app.ts';
import { callerIdentity } from '../caller-identity.ts';
import { holdRefusalProblem, ProblemError } from '../http-problem.ts';
import { paramOf } from '../request-input.ts';
import { holdIdParam } from '../schemas.ts';

/** Confirm and release a hold, cancel a booking: the owner only; to anyone else it does not exist. */
export function holdRoutes(deps: AppDependencies): Router {
  const router = Router();
  const identify = callerIdentity(deps.config);

  async function ownHold(req: Request, param: string): Promise<HoldRecord> {
    const holdId = paramOf(holdIdParam, req, param);
    const userId = await identify(req);
    const hold = await findHold(deps.db, holdId);
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
    const result = await deps.strategy.confirm(ref);
    if (!result.ok) throw holdRefusalProblem(result);
    res.json({ bookingId: hold.holdId, status: 'confirmed', seats: result.seats });
  });

  router.delete('/holds/:holdId', async (req, res) => {
    const hold = await ownHold(req, 'holdId');
    const result = await deps.strategy.release({ eventId: hold.eventId, userId: hold.userId, holdId: hold.holdId });
    if (!result.ok) throw holdRefusalProblem(result);
    res.status(204).end();
  });

  router.delete('/bookings/:bookingId', async (req, res) => {
    const booking = await ownHold(req, 'bookingId');
    const result = await deps.strategy.cancel({ eventId: booking.eventId, userId: booking.userId, holdId: booking.holdId });
    if (!result.ok) throw holdRefusalProblem(result);
    res.status(204).end();
  });

  return router;
}
