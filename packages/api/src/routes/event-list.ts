import type { EventInfo } from '@seatgrid/admission';
import { Router } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { invalid } from '../http-problem.ts';
import { json, ref } from '../openapi/components.ts';
import type { OperationSpec } from '../openapi/operation-spec.ts';
import { eventListQuery } from '../schemas.ts';

function summary(event: EventInfo) {
  return {
    id: event.eventId,
    name: event.name,
    rows: event.rows,
    cols: event.cols,
    capacity: event.capacity,
    maxSeatsPerUser: event.maxSeatsPerUser,
    holdTtlSeconds: Math.round(event.holdTtlMs / 1_000),
  };
}

/** GET /events: every event, a page at a time, ordered by id (?limit=&cursor=). */
export function eventListRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.get('/events', async (req, res) => {
    const parsed = eventListQuery.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(issue?.path.join('.') || 'query', issue?.message ?? 'not a valid query');
    }
    const page = await deps.grid.listEvents({
      ...(parsed.data.limit === undefined ? {} : { limit: parsed.data.limit }),
      ...(parsed.data.cursor === undefined ? {} : { cursor: parsed.data.cursor }),
    });
    res.json({ events: page.events.map(summary), nextCursor: page.nextCursor ?? null });
  });

  return router;
}

/** The OpenAPI specs of the routes above. */
export const eventListOperations: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    tag: 'events',
    summary: 'Events, a page at a time',
    description: 'Ordered by id. Pass the nextCursor of a page as ?cursor= for the next one; it is null on the last page.',
    parameters: ['Limit', 'Cursor'],
    responses: { 200: { description: 'A page of events.', content: json(ref('EventPage')) } },
    problems: ['invalid-input', 'unavailable'],
    notes: { 'invalid-input': 'limit is not a whole number from 1 to 100, or cursor is not an id; `field` names it' },
  },
];
