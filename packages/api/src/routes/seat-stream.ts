import { Router, type Request } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { ProblemError } from '../http-problem.ts';
import type { OperationSpec } from '../openapi/operation-spec.ts';
import { paramOf } from '../request-input.ts';
import { eventIdParam } from '../schemas.ts';
import { feedStream, type StreamStart } from '../seat-stream-session.ts';
import type { SeatStreams } from '../seat-streams.ts';
import { SseConnection } from '../sse-connection.ts';

/** What a client over SSE_MAX_CLIENTS is told to wait. */
const FULL_RETRY_AFTER_SECONDS = 5;

/** Last-Event-ID: the version the client has, or undefined (none, or not one of ours). */
function lastEventIdOf(req: Request): number | undefined {
  const value = req.headers['last-event-id'];
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return undefined;
  const version = Number(value);
  return Number.isSafeInteger(version) ? version : undefined;
}

/**
 * GET /events/:eventId/seats/stream: the live seat map as Server-Sent Events. A snapshot
 * first (or, with Last-Event-ID, the changes since that version), then every change in order.
 * The admission strategy only: the changes come from its Redis change stream, read once per
 * event per process whatever the number of clients.
 */
export function seatStreamRoutes(deps: AppDependencies, streams: SeatStreams): Router {
  const router = Router();

  router.get('/events/:eventId/seats/stream', async (req, res) => {
    const eventId = paramOf(eventIdParam, req, 'eventId');
    const { grid } = deps;
    if (grid.strategy !== 'admission') {
      throw new ProblemError('stream-needs-admission', {
        detail: 'run the API with BOOKING_STRATEGY=admission, or poll GET /events/{eventId}/seats',
      });
    }
    if (!streams.reserve()) {
      throw new ProblemError(
        'too-many-streams',
        { detail: 'this server serves as many seat streams as it may; retry later, or poll GET /events/{eventId}/seats' },
        { 'Retry-After': String(FULL_RETRY_AFTER_SECONDS) },
      );
    }
    let handedOver = false;
    try {
      const resume = lastEventIdOf(req);
      let start: StreamStart | undefined;
      // A version the event has not reached (another server's, or made up) gets a snapshot.
      if (resume !== undefined) {
        const counters = await grid.counters(eventId);
        if (counters.generation > 0 && resume <= counters.version) start = { afterVersion: resume };
      }
      start ??= { snapshot: await streams.snapshot(eventId, () => grid.seatMap(eventId)) };
      // Generation 0: the map came from PostgreSQL (Redis is sick), and its versions are not the stream's.
      if ('snapshot' in start && start.snapshot.generation === 0) {
        throw new ProblemError('unavailable', { detail: 'live changes are unavailable for a moment' }, { 'Retry-After': '2' });
      }
      if (req.socket.destroyed || res.closed) return;
      const connection = new SseConnection(res, streams.settings.maxBufferBytes, () => streams.dropped(), streams.requestFlush);
      connection.open();
      if ('snapshot' in start) connection.sendSnapshot(start.snapshot.message);
      const subscription = feedStream(grid, eventId, connection, streams, start);
      streams.add(connection);
      handedOver = true;
      res.once('close', () => {
        subscription.close();
        streams.remove(connection);
        streams.release();
      });
    } finally {
      if (!handedOver) streams.release();
    }
  });

  return router;
}

/** The OpenAPI specs of the routes above. */
export const seatStreamOperations: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/events/{eventId}/seats/stream',
    operationId: 'streamSeatMap',
    tag: 'events',
    summary: "An event's seat map, live (Server-Sent Events)",
    description:
      'A text/event-stream. First `event: snapshot` with `data: {"version","rows","cols","available","grid"}` (grid: one ' +
      "string a row of '.' free, 'H' held, 'S' sold), then every change in order as `event: seats` with " +
      '`data: {"version","seats":[{"state","indices"}]}` (indices: 0-based, row-major: row = floor(i / cols) + 1, ' +
      'col = i % cols + 1). Each message has `id:` the version after it; reconnecting with Last-Event-ID resumes after ' +
      'that version, or starts with a snapshot when the changes since are gone. Another `event: snapshot` may come at any ' +
      'time (the event was reloaded): it replaces the map. Comment lines are heartbeats (every SSE_HEARTBEAT_MS). A client ' +
      'that does not keep up (SSE_MAX_BUFFER_BYTES unsent) is disconnected. The admission strategy only.',
    parameters: ['LastEventId'],
    responses: {
      200: {
        description: 'The stream: it stays open until the client goes (or falls too far behind, or the server stops).',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
    },
    problems: ['invalid-input', 'event-not-found', 'stream-needs-admission', 'too-many-streams', 'unavailable'],
    notes: {
      'invalid-input': 'a malformed event id',
      'stream-needs-admission': 'the server runs a PostgreSQL strategy: poll GET /events/{eventId}/seats with If-None-Match',
      'too-many-streams': 'SSE_MAX_CLIENTS streams are open on this server; retry after Retry-After',
    },
  },
];
