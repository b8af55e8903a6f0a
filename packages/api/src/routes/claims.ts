import type { ClaimRefusal, ClaimResult } from '@seatgrid/admission';
import { Router, type Request, type Response } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { callerIdentity } from '../caller-identity.ts';
import type { z } from 'zod';
import { claimRefusalProblem, ProblemError, sendProblem } from '../http-problem.ts';
import { sendJson } from '../json-answer.ts';
import { readPlainJson } from '../plain-json-body.ts';
import { admissionTokenOf, bodyOf, idempotencyKeyOf, paramOf, validBody } from '../request-input.ts';
import { claimBody, eventIdParam } from '../schemas.ts';
import { json, rateLimitHeaders, ref } from '../openapi/components.ts';
import type { Notes, OperationSpec } from '../openapi/operation-spec.ts';
import type { ProblemType } from '../problems.ts';

type ClaimBody = z.infer<typeof claimBody>;

/** What the first step of a claim learned, for the second (res.locals.claimant). */
interface Claimant {
  readonly eventId: string;
  readonly userId: string;
}

/** The routers of a claim: `beforeBody` is mounted before the JSON body parser, `afterBody` after it. */
export interface ClaimRouters {
  readonly beforeBody: Router;
  readonly afterBody: Router;
}

const CLAIM_PATHS = [
  ['/events/:eventId/holds', 'hold'],
  ['/events/:eventId/bookings', 'book'],
] as const;

/**
 * POST /events/:eventId/holds (seats held until confirmed or expired) and
 * POST /events/:eventId/bookings (sold in one step). An Idempotency-Key makes a retry
 * answer the same, claiming nothing twice; the strategies keep the record, scoped per user.
 *
 * Before the body is read: the event id, the caller, the rate limits, and the answer to an
 * event this process knows is sold out (the body cannot change that answer, and a sold-out
 * storm is most of an on-sale's requests). Then the body and the decision: a plain JSON body
 * is read right there (readPlainJson), any other goes through express.json to `afterBody`.
 * Refusals are answered where they are found, not thrown through Express's error path.
 */
export function claimRoutes(deps: AppDependencies): ClaimRouters {
  const beforeBody = Router();
  const afterBody = Router();
  const identify = callerIdentity(deps.config);
  /** Keys (user, event, key) of requests this process is still answering. */
  const inFlight = new Set<string>();

  for (const [path, mode] of CLAIM_PATHS) {
    beforeBody.post(path, async (req, res, next) => {
      const eventId = paramOf(eventIdParam, req, 'eventId');
      const userId = await identify(req);
      await deps.rateLimiter.take({ userId, address: req.socket.remoteAddress }, res);
      // A retry with a key must reach the strategy: its stored answer may be a success.
      const refusal = req.headers['idempotency-key'] === undefined ? deps.grid.cachedRefusal(eventId) : undefined;
      if (refusal !== undefined) {
        refuse(req, res, eventId, refusal);
        return;
      }
      const claimant: Claimant = { eventId, userId };
      const body = readPlainJson(req, deps.config.bodyLimitBytes);
      if (body === undefined) {
        res.locals.claimant = claimant;
        next();
        return;
      }
      await answer(req, res, mode, claimant, validBody(claimBody, await body));
    });
    afterBody.post(path, (req, res) => answer(req, res, mode, res.locals.claimant as Claimant, bodyOf(claimBody, req)));
  }

  /** Decides the claim and answers it: 201 with the hold or booking, or the refusal's problem. */
  async function answer(req: Request, res: Response, mode: 'hold' | 'book', claimant: Claimant, body: ClaimBody): Promise<void> {
    const { eventId, userId } = claimant;
    const idempotencyKey = idempotencyKeyOf(req);
    const admissionToken = admissionTokenOf(req);
    const common = { eventId, userId, mode, ...(admissionToken === undefined ? {} : { admissionToken }) };
    let result: ClaimResult;
    if (idempotencyKey === undefined) {
      result = await decide(body, common);
    } else {
      // The IETF draft: a retry while the first request is still being answered gets 409.
      const flight = JSON.stringify([userId, eventId, idempotencyKey]);
      if (inFlight.has(flight)) throw new ProblemError('idempotency-in-flight', {}, { 'Retry-After': '1' });
      inFlight.add(flight);
      try {
        result = await decide(body, { ...common, idempotencyKey });
      } finally {
        inFlight.delete(flight);
      }
    }
    if (!result.ok) {
      refuse(req, res, eventId, result);
    } else if (mode === 'hold') {
      sendJson(res, 201, { holdId: result.holdId, eventId, seats: result.seats, expiresAt: result.expiresAt?.toISOString() });
    } else {
      sendJson(res, 201, { bookingId: result.holdId, eventId, seats: result.seats });
    }
  }

  function decide(
    body: ClaimBody,
    common: { eventId: string; userId: string; mode: 'hold' | 'book'; idempotencyKey?: string; admissionToken?: string },
  ): Promise<ClaimResult> {
    return 'seats' in body
      ? deps.grid.claimSeats({ ...common, seats: body.seats })
      : deps.grid.claimBestAvailable({
          ...common,
          quantity: body.quantity,
          ...(body.allowSplit === undefined ? {} : { allowSplit: body.allowSplit }),
        });
  }

  function refuse(req: Request, res: Response, eventId: string, refusal: ClaimRefusal): void {
    // Too few seats now: on the admission strategy the caller may wait for freed ones.
    const waitlist =
      deps.grid.strategy === 'admission' && (refusal.reason === 'sold-out' || refusal.reason === 'not-enough-seats')
        ? `/events/${eventId}/waitlist`
        : undefined;
    sendProblem(res, claimRefusalProblem(refusal, waitlist), req.originalUrl);
  }

  return { beforeBody, afterBody };
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
