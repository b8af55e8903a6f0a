import { seatMapRows, type EventInfo } from '@seatgrid/admission';
import { Router } from 'express';
import { isAdminRequest } from '../admin-token.ts';
import type { AppDependencies } from '../app-dependencies.ts';
import { ProblemError } from '../http-problem.ts';
import { bodyOf, paramOf } from '../request-input.ts';
import { createEventBody, eventIdParam } from '../schemas.ts';
import { headerRef, json, ref, seatMapHeaders } from '../openapi/components.ts';
import { ifNoneMatchHits, SEAT_MAP_CACHE_CONTROL, seatMapEtag } from '../seat-map-etag.ts';
import type { OperationSpec } from '../openapi/operation-spec.ts';

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
    waitlistOfferSeconds: Math.round(event.waitlistOfferMs / 1_000),
    ...(event.waitingRoom === undefined
      ? {}
      : {
          waitingRoom: {
            admitPerSecond: event.waitingRoom.admitPerSecond,
            admissionTtlSeconds: Math.round(event.waitingRoom.admissionTtlMs / 1_000),
          },
        }),
  };
}

export function eventRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.post('/events', async (req, res) => {
    if (!isAdminRequest(req, deps.config.adminToken)) throw new ProblemError('unauthorized', {}, { 'WWW-Authenticate': 'Bearer' });
    const body = bodyOf(createEventBody, req);
    // Only the gate keeps a waiting room: on another strategy its claims would go unchecked.
    if (body.waitingRoom !== undefined && deps.grid.strategy !== 'admission') {
      throw new ProblemError('admission-strategy-required', {
        detail: 'a waiting room needs the admission strategy; this server runs another',
      });
    }
    const event = await deps.grid.createEvent({
      name: body.name,
      rows: body.rows,
      cols: body.cols,
      maxSeatsPerUser: body.maxSeatsPerUser ?? 0,
      holdTtlMs: (body.holdTtlSeconds ?? DEFAULT_HOLD_TTL_SECONDS) * 1_000,
      ...(body.waitlistOfferSeconds === undefined ? {} : { waitlistOfferMs: body.waitlistOfferSeconds * 1_000 }),
      ...(body.waitingRoom === undefined
        ? {}
        : {
            waitingRoom: {
              admitPerSecond: body.waitingRoom.admitPerSecond,
              admissionTtlMs: body.waitingRoom.admissionTtlSeconds * 1_000,
            },
          }),
    });
    res.status(201).location(`/events/${event.eventId}`).json(eventBody(event, event.capacity));
  });

  router.get('/events/:eventId', async (req, res) => {
    const eventId = paramOf(eventIdParam, req, 'eventId');
    const event = await deps.grid.findEvent(eventId);
    if (event === undefined) throw new ProblemError('event-not-found');
    res.json(eventBody(event, (await deps.grid.counters(eventId)).available));
  });

  // On the admission strategy the map comes from Redis, not PostgreSQL. A revalidation that
  // still matches is answered from the counters, without building the map.
  router.get('/events/:eventId/seats', async (req, res) => {
    const eventId = paramOf(eventIdParam, req, 'eventId');
    res.set('Cache-Control', SEAT_MAP_CACHE_CONTROL);
    if (req.headers['if-none-match'] !== undefined) {
      const etag = seatMapEtag(await deps.grid.counters(eventId));
      if (ifNoneMatchHits(req, etag)) {
        res.status(304).set('ETag', etag).end();
        return;
      }
    }
    const map = await deps.grid.seatMap(eventId);
    res
      .set('ETag', seatMapEtag(map))
      .json({ rows: map.rows, cols: map.cols, available: map.available, version: map.version, grid: seatMapRows(map) });
  });

  return router;
}

/** The OpenAPI specs of the routes above. */
export const eventOperations: readonly OperationSpec[] = [
  {
    method: 'post',
    path: '/events',
    operationId: 'createEvent',
    tag: 'events',
    summary: 'Create an event',
    admin: true,
    body: { schema: 'CreateEventRequest', description: 'The event to create.' },
    responses: {
      201: {
        description: 'The event, created with every seat free.',
        headers: { Location: headerRef('Location') },
        content: json(ref('Event')),
      },
    },
    problems: [
      'invalid-input',
      'unauthorized',
      'payload-too-large',
      'unsupported-media-type',
      'unprocessable-input',
      'admission-strategy-required',
      'unavailable',
    ],
    notes: {
      'invalid-input': 'the body is not JSON, or maxSeatsPerUser exceeds rows × cols; `field` names the culprit',
      unauthorized: 'no valid admin bearer token, or none is configured',
      'admission-strategy-required': 'a waiting room, on a server that runs a PostgreSQL strategy',
      'unprocessable-input': 'the body does not match CreateEventRequest; `field` names the culprit',
    },
  },
  {
    method: 'get',
    path: '/events/{eventId}',
    operationId: 'getEvent',
    tag: 'events',
    summary: 'An event and its free seat count',
    responses: { 200: { description: 'The event.', content: json(ref('Event')) } },
    problems: ['invalid-input', 'event-not-found', 'unavailable'],
    notes: { 'invalid-input': 'a malformed event id' },
  },
  {
    method: 'get',
    path: '/events/{eventId}/seats',
    operationId: 'getSeatMap',
    tag: 'events',
    summary: "An event's seat map",
    description:
      'The map with its version. The strong ETag changes whenever the map does; send it back in If-None-Match to get ' +
      '304 (answered from the counters, without the map) while nothing changed. Cache-Control: no-cache.',
    parameters: ['IfNoneMatch'],
    responses: {
      200: { description: 'The seat map.', headers: seatMapHeaders, content: json(ref('SeatMap')) },
      304: { description: 'Unchanged since the ETag sent in If-None-Match.', headers: seatMapHeaders },
    },
    problems: ['invalid-input', 'event-not-found', 'unavailable'],
    notes: { 'invalid-input': 'a malformed event id' },
  },
];
