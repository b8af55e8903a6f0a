import type { StoreView } from '@seatgrid/admission/testing';
import type { Redis } from 'ioredis';
import { removeEvent } from '../bench-events.ts';
import { createEventOverHttp, postJson, sellOut } from '../stress/api-client.ts';
import { ADMIN_TOKEN, startApi } from '../stress/api-server.ts';
import { bareExpressRequest, startBareExpress } from '../stress/baselines.ts';
import type { ChildServer } from '@seatgrid/api/child';
import type { PlannedRequest } from '../stress/load.ts';
import type { RowName } from './cpu-targets.ts';

export interface RowContext {
  readonly store: StoreView;
  readonly redis: Redis;
  readonly env: Record<string, string>;
  /** Node flags for the row's server (--cpu-prof ...). */
  readonly nodeArgs: readonly string[];
  /** Requests the row will send, warm-up included (the granted-hold event is sized to it). */
  readonly totalRequests: number;
  /** Unique per run, in user ids. */
  readonly tag: string;
}

/** A row's server, ready to be loaded. */
export interface PreparedRow {
  readonly server: ChildServer;
  /** The n-th request of the row, warm-up first. */
  readonly next: (n: number) => PlannedRequest;
  /** After the load: what is wrong with the state it left, given the 2xx answers; empty when nothing is. */
  readonly check: (won: number) => Promise<string[]>;
  /** After the server stopped. */
  readonly cleanUp: () => Promise<void>;
}

export interface HotPathRow {
  readonly name: RowName;
  readonly description: string;
  readonly expectedStatus: 201 | 409;
  readonly prepare: (ctx: RowContext) => Promise<PreparedRow>;
}

/** The hold the seats-taken row bumps into must outlive the run. */
const LONG_HOLD_SECONDS = 3_600;
const BEST_AVAILABLE_COLS = 1_000;

export const HOT_PATH_ROWS: readonly HotPathRow[] = [
  {
    name: 'bare-express',
    description: 'bare Express 5 POST route answering a 409 problem',
    expectedStatus: 409,
    prepare: async (ctx) => ({ server: await startBareExpress(ctx.nodeArgs), next: bareExpressRequest, check: noCheck, cleanUp: nothing }),
  },
  {
    name: 'express-redis-call',
    description:
      'bare Express 5 route that sends one EVALSHA shaped like a claim (11 keys, 10 arguments) to a script returning a seats-taken-sized reply, then answers its 409',
    expectedStatus: 409,
    prepare: async (ctx) => ({
      server: await startBareExpress(ctx.nodeArgs, 1, ctx.env.REDIS_URL),
      next: bareExpressRequest,
      check: noCheck,
      cleanUp: nothing,
    }),
  },
  {
    name: 'sold-out',
    description: 'SeatGrid sold-out answer (in-process sold-out cache, no I/O)',
    expectedStatus: 409,
    prepare: (ctx) =>
      onEvent(ctx, { rows: 10, cols: 10 }, async (baseUrl, eventId) => {
        await sellOut(baseUrl, eventId, 10, 10);
        return { path: `/events/${eventId}/bookings`, body: { quantity: 1 } };
      }),
  },
  {
    name: 'seats-taken',
    description: 'SeatGrid seats-taken refusal (free seats left, the one asked for held: one Redis script call)',
    expectedStatus: 409,
    prepare: (ctx) =>
      onEvent(ctx, { rows: 10, cols: 10, holdTtlSeconds: LONG_HOLD_SECONDS }, async (baseUrl, eventId) => {
        const seats = [{ row: 1, col: 1 }];
        const { status, json } = await postJson(baseUrl, `/events/${eventId}/holds`, `holder-${ctx.tag}`, { seats });
        if (status !== 201) throw new Error(`holding seat 1-1 failed: ${status} ${JSON.stringify(json)}`);
        return { path: `/events/${eventId}/bookings`, body: { seats } };
      }),
  },
  {
    name: 'granted-hold',
    description: 'SeatGrid granted hold, best-available quantity 1, answered after its PostgreSQL commit',
    expectedStatus: 201,
    prepare: (ctx) => {
      const cols = Math.min(BEST_AVAILABLE_COLS, ctx.totalRequests);
      const rows = Math.ceil(ctx.totalRequests / cols);
      return onEvent(
        ctx,
        { rows, cols, holdTtlSeconds: LONG_HOLD_SECONDS },
        async (_baseUrl, eventId) => ({ path: `/events/${eventId}/holds`, body: { quantity: 1 } }),
        // Answered means committed: every 201 is an active hold in PostgreSQL right away.
        async (eventId, won) => {
          const audit = await ctx.store.grid.audit(eventId);
          const wrong: string[] = [];
          if (audit.activeHolds !== won) wrong.push(`${won} holds granted but ${audit.activeHolds} active in PostgreSQL`);
          if (audit.oversold + audit.doubleBooked > 0) wrong.push(`${audit.oversold} oversold, ${audit.doubleBooked} double-booked`);
          return wrong;
        },
      );
    },
  },
];

/**
 * The API (admission) with a fresh event: `setUp` readies it and names the request every
 * buyer (a fresh user id each) sends; the event goes with the clean-up.
 */
async function onEvent(
  ctx: RowContext,
  event: { rows: number; cols: number; holdTtlSeconds?: number },
  setUp: (baseUrl: string, eventId: string) => Promise<{ path: string; body: unknown }>,
  check?: (eventId: string, won: number) => Promise<string[]>,
): Promise<PreparedRow> {
  const server = await startApi(ctx.env, 'admission', {}, { nodeArgs: ctx.nodeArgs });
  let eventId: string | undefined;
  try {
    eventId = (await createEventOverHttp(server.baseUrl, ADMIN_TOKEN, { name: `hot-path ${ctx.tag}`, ...event })).eventId;
    const { path, body } = await setUp(server.baseUrl, eventId);
    const id = eventId;
    return {
      server,
      next: (n) => ({ method: 'POST', path, headers: { 'x-user-id': `hp-${ctx.tag}-${n}` }, body }),
      check: check === undefined ? noCheck : (won) => check(id, won),
      cleanUp: () => removeEvent(ctx.store, ctx.redis, id),
    };
  } catch (error) {
    await server.stop();
    if (eventId !== undefined) await removeEvent(ctx.store, ctx.redis, eventId);
    throw error;
  }
}

async function noCheck(): Promise<string[]> {
  return [];
}

async function nothing(): Promise<void> {}
