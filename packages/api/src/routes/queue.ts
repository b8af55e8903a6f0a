import type { QueueTicket } from '@seatgrid/admission';
import { Router } from 'express';
import type { z } from 'zod';
import type { AppDependencies } from '../app-dependencies.ts';
import { callerIdentity } from '../caller-identity.ts';
import { ProblemError } from '../http-problem.ts';
import { json, ref } from '../openapi/components.ts';
import type { Notes, OperationSpec } from '../openapi/operation-spec.ts';
import { paramOf } from '../request-input.ts';
import { eventIdParam, ticketParam, type queueTicketResponse } from '../schemas.ts';
import type { WaitingRoomMetrics } from '../waiting-room-metrics.ts';
import { admissionGridOf } from './waitlist.ts';

type TicketBody = z.infer<typeof queueTicketResponse>;

/**
 * A ticket as its holder sees it. 'done' (a claim of theirs was granted) reads as admitted: they
 * may claim again with the token they have while the admission lasts.
 */
function ticketBody(ticket: QueueTicket): TicketBody {
  return {
    ticket: ticket.ticket,
    eventId: ticket.eventId,
    status: ticket.status === 'done' ? 'admitted' : ticket.status,
    ...(ticket.position === undefined ? {} : { position: ticket.position }),
    ...(ticket.admissionToken === undefined ? {} : { admissionToken: ticket.admissionToken }),
    ...(ticket.expiresAt === undefined ? {} : { expiresAt: ticket.expiresAt.toISOString() }),
    ...(ticket.estimatedWaitSeconds === undefined ? {} : { estimatedWaitSeconds: ticket.estimatedWaitSeconds }),
  };
}

/**
 * The waiting room: POST /events/:eventId/queue takes a ticket (or answers the caller's own),
 * GET /queue/:ticket reads it, for its owner only. Claims on such an event then need the
 * ticket's admission token (Admission-Token, see claims.ts).
 */
export function queueRoutes(deps: AppDependencies, metrics: WaitingRoomMetrics): Router {
  const router = Router();
  const identify = callerIdentity(deps.config);

  router.post('/events/:eventId/queue', async (req, res) => {
    const eventId = paramOf(eventIdParam, req, 'eventId');
    const userId = await identify(req);
    const grid = admissionGridOf(deps.grid, 'the waiting room');
    const ticket = await grid.joinQueue(eventId, userId);
    metrics.watch(eventId);
    res.status(201).json(ticketBody(ticket));
  });

  router.get('/queue/:ticket', async (req, res) => {
    const ticketId = paramOf(ticketParam, req, 'ticket');
    const userId = await identify(req);
    const grid = admissionGridOf(deps.grid, 'the waiting room');
    const ticket = await grid.queueTicket(ticketId, userId);
    if (ticket === undefined) throw new ProblemError('ticket-not-found');
    metrics.watch(ticket.eventId);
    res.json(ticketBody(ticket));
  });

  return router;
}

const queueNotes: Notes = {
  'invalid-input': 'a malformed id or X-User-Id header',
  'admission-strategy-required': 'the server runs a PostgreSQL strategy, which has no waiting room',
};
const queueJwtNotes: Notes = { 'invalid-input': 'a malformed id' };

/** The OpenAPI specs of the routes above. */
export const queueOperations: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/events/{eventId}/queue',
    operationId: 'joinQueue',
    tag: 'waiting-room',
    summary: "Queue in the event's waiting room",
    description:
      'Gives the caller a ticket, or the one they have (once per user until it expires). Tickets are admitted first come ' +
      "first served at the room's admitPerSecond, and only while the free seats can serve everyone admitted and not yet " +
      'served (each up to the per-user limit, 100 without one). Admitted, the ticket carries the admissionToken that ' +
      'claims send as Admission-Token. The queue lives in the gate only: should it be lost, buyers queue again.',
    user: true,
    responses: { 201: { description: "The caller's ticket: waiting, or admitted at once.", content: json(ref('QueueTicket')) } },
    problems: ['invalid-input', 'event-not-found', 'no-waiting-room', 'admission-strategy-required', 'unavailable'],
    notes: queueNotes,
    jwtNotes: queueJwtNotes,
  },
  {
    method: 'get',
    path: '/queue/{ticket}',
    operationId: 'getQueueTicket',
    tag: 'waiting-room',
    summary: 'A waiting-room ticket of the caller',
    description: 'Where the ticket stands: its place and estimated wait while waiting; its admission token once admitted.',
    user: true,
    responses: { 200: { description: 'The ticket.', content: json(ref('QueueTicket')) } },
    problems: ['invalid-input', 'ticket-not-found', 'admission-strategy-required', 'unavailable'],
    notes: { ...queueNotes, 'ticket-not-found': "unknown, lost with the queue, or someone else's: a stranger learns nothing" },
    jwtNotes: queueJwtNotes,
  },
];
