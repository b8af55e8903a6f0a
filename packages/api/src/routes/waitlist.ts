import type { AdmissionSeatGrid, SeatGrid, WaitlistEntry } from '@seatgrid/admission';
import { Router, type Request } from 'express';
import type { z } from 'zod';
import type { AppDependencies } from '../app-dependencies.ts';
import { callerIdentity } from '../caller-identity.ts';
import { ProblemError } from '../http-problem.ts';
import { json, ref } from '../openapi/components.ts';
import type { Notes, OperationSpec } from '../openapi/operation-spec.ts';
import type { ProblemType } from '../problems.ts';
import { bodyOf, paramOf } from '../request-input.ts';
import { entryIdParam, eventIdParam, waitlistJoinBody, type waitlistEntryResponse } from '../schemas.ts';

type EntryBody = z.infer<typeof waitlistEntryResponse>;

/** The grid when it runs the admission strategy (the waitlist and the waiting room live in its gate). */
export function admissionGridOf(grid: SeatGrid, what: string): AdmissionSeatGrid {
  if (grid.strategy !== 'admission') {
    throw new ProblemError('admission-strategy-required', { detail: `${what} needs the admission strategy; this server runs another` });
  }
  return grid;
}

function entryBody(entry: WaitlistEntry): EntryBody {
  return {
    entryId: entry.entryId,
    eventId: entry.eventId,
    quantity: entry.quantity,
    status: entry.status,
    ...(entry.position === undefined ? {} : { position: entry.position }),
    ...(entry.holdId === null ? {} : { holdId: entry.holdId }),
    ...(entry.offerExpiresAt === null ? {} : { offerExpiresAt: entry.offerExpiresAt.toISOString() }),
  };
}

/**
 * The waitlist: POST /events/:eventId/waitlist joins it, GET and DELETE /waitlist/:entryId
 * read and leave an entry. The owner only: to anyone else an entry does not exist.
 */
export function waitlistRoutes(deps: AppDependencies): Router {
  const router = Router();
  const identify = callerIdentity(deps.config);

  async function ownEntry(req: Request): Promise<{ grid: AdmissionSeatGrid; entry: WaitlistEntry }> {
    const entryId = paramOf(entryIdParam, req, 'entryId');
    const userId = await identify(req);
    const grid = admissionGridOf(deps.grid, 'the waitlist');
    const entry = await grid.findWaitlistEntry(entryId);
    if (entry === undefined || entry.userId !== userId) throw new ProblemError('waitlist-entry-not-found');
    return { grid, entry };
  }

  router.post('/events/:eventId/waitlist', async (req, res) => {
    const eventId = paramOf(eventIdParam, req, 'eventId');
    const userId = await identify(req);
    const grid = admissionGridOf(deps.grid, 'the waitlist');
    const { quantity } = bodyOf(waitlistJoinBody, req);
    const joined = await grid.joinWaitlist({ eventId, userId, quantity });
    if (!joined.ok) {
      if (joined.reason === 'already-waiting') {
        throw new ProblemError('already-waiting', {
          entryId: joined.entryId,
          detail: `this user waits already (entry ${joined.entryId}); leave it to join again`,
        });
      }
      throw new ProblemError('user-limit', {
        limit: joined.limit,
        detail: `this user holds ${joined.current} of at most ${joined.limit} seats`,
      });
    }
    const body: EntryBody = {
      entryId: joined.entryId,
      eventId,
      quantity,
      status: joined.status,
      ...(joined.status === 'waiting' ? { position: joined.position } : {}),
      ...(joined.holdId === undefined ? {} : { holdId: joined.holdId }),
      ...(joined.offerExpiresAt === undefined ? {} : { offerExpiresAt: joined.offerExpiresAt.toISOString() }),
    };
    res.status(201).json(body);
  });

  router.get('/waitlist/:entryId', async (req, res) => {
    const { entry } = await ownEntry(req);
    res.json(entryBody(entry));
  });

  router.delete('/waitlist/:entryId', async (req, res) => {
    const { grid, entry } = await ownEntry(req);
    const left = await grid.leaveWaitlist({ eventId: entry.eventId, entryId: entry.entryId, userId: entry.userId });
    if (!left.ok) {
      if (left.reason === 'entry-not-found') throw new ProblemError('waitlist-entry-not-found');
      throw new ProblemError('waitlist-entry-closed', { detail: `the entry is ${left.status} already` });
    }
    res.status(204).end();
  });

  return router;
}

const entryNotes: Notes = {
  'invalid-input': 'a malformed id or X-User-Id header',
  'waitlist-entry-not-found': "unknown, or someone else's: a stranger learns nothing",
  'admission-strategy-required': 'the server runs a PostgreSQL strategy, which keeps no waitlist',
};
const entryJwtNotes: Notes = { 'invalid-input': 'a malformed id' };
const entryProblems: readonly ProblemType[] = ['invalid-input', 'waitlist-entry-not-found', 'admission-strategy-required', 'unavailable'];

/** The OpenAPI specs of the routes above. */
export const waitlistOperations: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/events/{eventId}/waitlist',
    operationId: 'joinWaitlist',
    tag: 'waitlist',
    summary: 'Wait for freed seats',
    description:
      "Puts the caller on the event's waitlist for `quantity` seats, once per user while their entry waits or holds an " +
      'offer. Seats freed (released, expired, cancelled, declined) go to the waiters first, in arrival order: the head ' +
      "gets an offer, a hold in its name for the event's waitlistOfferSeconds. When the head's quantity does not fit, a " +
      'later entry that fits (among the next 32) is served instead, at most 3 times per head; then freed seats gather for ' +
      'the head, held for nobody else. When seats are free now, the offer comes at once (status `offered`).',
    user: true,
    body: { schema: 'WaitlistJoinRequest', description: 'How many seats.' },
    responses: { 201: { description: 'On the waitlist (or offered seats at once).', content: json(ref('WaitlistEntry')) } },
    problems: [
      'invalid-input',
      'event-not-found',
      'already-waiting',
      'user-limit',
      'admission-strategy-required',
      'payload-too-large',
      'unsupported-media-type',
      'unprocessable-input',
      'unavailable',
    ],
    notes: {
      'invalid-input': 'a malformed id or X-User-Id header, a body that is not JSON, or a quantity above the per-user limit',
      'unprocessable-input': 'the body does not match WaitlistJoinRequest; `field` names the culprit',
      'already-waiting': "`entryId` is the caller's active entry",
      'user-limit': 'the caller holds or owns seats already, and `limit` leaves no room for `quantity` more',
      'admission-strategy-required': 'the server runs a PostgreSQL strategy, which keeps no waitlist',
    },
    jwtNotes: { 'invalid-input': 'a malformed id, a body that is not JSON, or a quantity above the per-user limit' },
  },
  {
    method: 'get',
    path: '/waitlist/{entryId}',
    operationId: 'getWaitlistEntry',
    tag: 'waitlist',
    summary: 'A waitlist entry of the caller',
    user: true,
    responses: { 200: { description: 'The entry, with its offer when it has one.', content: json(ref('WaitlistEntry')) } },
    problems: entryProblems,
    notes: entryNotes,
    jwtNotes: entryJwtNotes,
  },
  {
    method: 'delete',
    path: '/waitlist/{entryId}',
    operationId: 'leaveWaitlist',
    tag: 'waitlist',
    summary: 'Leave the waitlist',
    description: 'A waiting entry leaves its place; an offered one declines its offer, whose seats go to the next waiters.',
    user: true,
    responses: { 204: { description: 'Left (entry status `left`).' } },
    problems: [...entryProblems.slice(0, 2), 'waitlist-entry-closed', ...entryProblems.slice(2)],
    notes: { ...entryNotes, 'waitlist-entry-closed': 'the entry was fulfilled, expired or left already' },
    jwtNotes: entryJwtNotes,
  },
];
