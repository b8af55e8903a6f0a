import { createEvent, findEvent, seatMapRows, type EventInfo } from '@seatgrid/admission';
import { Router } from 'express';
import { isAdminRequest } from '../admin-token.ts';
import type { AppDependencies } from '../app.ts';
import { ProblemError } from '../http-problem.ts';
import { bodyOf, paramOf } from '../request-input.ts';
import { createEventBody, eventIdParam } from '../schemas.ts';

const DEFAULT_HOLD_TTL_SECONDS = 600;

function eventBody(event: EventInfo, available: number) {
  return {
    id: event.eventId,
    name: event.name,
    rows: event.rows,
    cols: event.cols,
    capacity: event.capacity,
    available,
    maxSeatsPerUser: event.maxSeatsPerUser,
    holdTtlSeconds: Math.round(event.holdTtlMs / 1_000),
  };
}

export function eventRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.post('/events', async (req, res) => {
    if (!isAdminRequest(req, deps.config.adminToken)) throw new ProblemError('unauthorized', {}, { 'WWW-Authenticate': 'Bearer' });
    const body = bodyOf(createEventBody, req);
    const event = await createEvent(deps.db, {
      name: body.name,
      rows: body.rows,
      cols: body.cols,
      maxSeatsPerUser: body.maxSeatsPerUser ?? 0,
      holdTtlMs: (body.holdTtlSeconds ?? DEFAULT_HOLD_TTL_SECONDS) * 1_000,
    });
    res.status(201).location(`/events/${event.eventId}`).json(eventBody(event, event.capacity));
  });

  router.get('/events/:eventId', async (req, res) => {
    const eventId = paramOf(eventIdParam, req, 'eventId');
    const event = await findEvent(deps.db, eventId);
    if (event === undefined) throw new ProblemError('event-not-found');
    res.json(eventBody(event, (await deps.strategy.seatMap(eventId)).available));
  });

  // On the admission strategy the map comes from Redis, not PostgreSQL.
  router.get('/events/:eventId/seats', async (req, res) => {
    const map = await deps.strategy.seatMap(paramOf(eventIdParam, req, 'eventId'));
    res.json({ rows: map.rows, cols: map.cols, available: map.available, grid: seatMapRows(map) });
  });

  return router;
}
