// Clients that hang up mid-request, as the red team's did: each sends a whole claim, confirm
// (with a slow mock payment, so confirms are in flight), release or cancel and closes its
// socket at once, many times over. The API must finish or undo each one: no PostgreSQL
// session of the API is left `idle in transaction` (found well before the server's own
// idle_in_transaction_session_timeout would end it), and the seats end consistent: the
// audit is clean, and on the admission strategy Redis agrees with PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import type { StrategyName } from '@seatgrid/admission';
import { sql } from 'kysely';
import { startApi, testConfig, type RunningApi } from './harness.ts';
import { seat, seatMap, until, type HoldBody } from './http-assertions.ts';
import { openTestStore } from './support.ts';
import { mockPayment } from '../src/payment.ts';
import { WorkInFlight } from './work-in-flight.ts';

const ROWS = 20;
const COLS = 20;
/** The server ends a transaction left idle this long (the library's default): a leak must be seen before. */
const SERVER_IDLE_TIMEOUT_MS = 10_000;
/** Claims 0, 5, 10, 15, ... go in pairs under one Idempotency-Key: 80 claims, 8 pairs. */
const KEYED_PAIRS = 8;
const store = openTestStore();

/** Sends one whole request on a connection of its own and closes it without reading the answer. */
function sendAndHangUp(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (body !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.once('connect', () => socket.write(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), payload]), () => socket.destroy()));
  });
}

/** The API's PostgreSQL sessions by state, as pg_stat_activity has them now. */
async function sessionStates(applicationName: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ state: string | null; n: number }>`
    select state, count(*)::int as n from pg_stat_activity
    where application_name = ${applicationName} and pid <> pg_backend_pid() group by state`.execute(store.db);
  return new Map(rows.map((row) => [row.state ?? 'null', row.n]));
}

const inTransaction = (states: Map<string, number>) =>
  (states.get('idle in transaction') ?? 0) + (states.get('idle in transaction (aborted)') ?? 0);

const STRATEGIES: readonly StrategyName[] = ['admission', 'optimistic', 'pessimistic'];

for (const strategy of STRATEGIES) {
  describe(`BOOKING_STRATEGY=${strategy}`, () => {
    const applicationName = `red-team-hang-up-${strategy}-${randomUUID().slice(0, 8)}`;
    const work = new WorkInFlight();
    let api: RunningApi;
    before(async () => {
      const url = new URL(testConfig().databaseUrl);
      url.searchParams.set('application_name', applicationName);
      const env = { DATABASE_URL: url.toString(), RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0', RECONCILE_INTERVAL_MS: '500' };
      // A slow payment: confirms are in flight when their clients hang up.
      api = await startApi(strategy, env, { payment: work.payment(mockPayment(1, 150)) }, (grid) => work.grid(grid));
    });

    test('claims, confirms, releases and cancels whose clients hang up leave no transaction open and the seats consistent', async (t) => {
      const event = await api.createEvent({ name: `hang-up ${strategy}`, rows: ROWS, cols: COLS });
      const path = `/events/${event.id}`;
      const hangUp = (method: string, route: string, userId: string, body?: unknown, more: Record<string, string> = {}) =>
        sendAndHangUp(api.baseUrl, method, route, { 'X-User-Id': userId, ...more }, body);
      // The worst the API's sessions looked while the clients hung up, sampled throughout.
      let worstIdleInTransaction = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const states = await sessionStates(applicationName);
          worstIdleInTransaction = Math.max(worstIdleInTransaction, inTransaction(states));
          await sleep(20);
        }
      })();
      t.after(async () => {
        sampling = false;
        await sampler;
      });

      // Holds in the last two rows answered normally, then confirmed, released or cancelled by clients that hang up.
      const owners = Array.from({ length: 2 * COLS }, (_, i) => ({ 'x-user-id': `owner-${i}` }));
      const held: HoldBody[] = [];
      for (const [i, owner] of owners.entries()) {
        const response = await api.request('POST', `${path}/holds`, {
          body: { seats: [seat(ROWS - 1 + (i % 2), 1 + Math.floor(i / 2))] },
          headers: owner,
        });
        assert.equal(response.status, 201, await response.clone().text());
        held.push((await response.json()) as HoldBody);
      }
      const before = work.started;
      // Claims abandoned at once: listed seats in rows 1-4, best-available, holds and bookings,
      // some under one Idempotency-Key sent twice.
      const claims = Array.from({ length: 80 }, (_, i) => {
        const kind = i % 3 === 0 ? 'bookings' : 'holds';
        const body =
          i % 2 === 0 ? { seats: [seat(1 + (i % 4), 1 + (i % COLS)), seat(1 + (i % 4), 1 + ((i + 7) % COLS))] } : { quantity: 1 + (i % 3) };
        const key = i % 5 === 0 ? { 'Idempotency-Key': `hang-${event.id}-${Math.floor(i / 10)}` } : {}; // KEYED_PAIRS pairs
        return hangUp('POST', `${path}/${kind}`, i % 5 === 0 ? 'keyed' : `claimer-${i}`, body, key);
      });
      const commands = held.flatMap((hold, i) => {
        const owner = owners[i]?.['x-user-id'] as string;
        const confirm = () => hangUp('POST', `/holds/${hold.holdId}/confirm`, owner);
        if (i % 4 === 0) return [confirm(), confirm()]; // the same confirm twice at once
        if (i % 4 === 1) return [confirm(), hangUp('DELETE', `/holds/${hold.holdId}`, owner)]; // confirm and release race
        if (i % 4 === 2) return [hangUp('DELETE', `/holds/${hold.holdId}`, owner)];
        return [confirm().then(() => hangUp('DELETE', `/bookings/${hold.holdId}`, owner))];
      });
      const started = Date.now();
      await Promise.all([...claims, ...commands]);

      // Every request reached the app (each calls the grid, but for a claim refused while its key
      // is in flight: one of each keyed pair) and its work settled, long enough that none is still
      // being read. Then no session of the API may be left inside a transaction: found well
      // before the server would end a leaked one by itself.
      const calls = claims.length - KEYED_PAIRS + commands.length;
      let quietSince: number | undefined;
      await until('every request handled', async () => {
        if (work.inFlight > 0 || work.started - before < calls) quietSince = undefined;
        else quietSince ??= Date.now();
        return quietSince !== undefined && Date.now() - quietSince >= 500 ? true : undefined;
      });
      const handled = Date.now() - started;
      let last = new Map<string, number>();
      await until(
        'no session of the API idle in transaction',
        async () => {
          last = await sessionStates(applicationName);
          return inTransaction(last) === 0 ? true : undefined;
        },
        SERVER_IDLE_TIMEOUT_MS / 2,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: last seen ${JSON.stringify(Object.fromEntries(last))}`);
      });
      t.diagnostic(
        `${claims.length} claims and ${commands.length} commands hung up; ${work.started} grid and payment calls, all settled ` +
          `${handled} ms after the last was sent; at most ${worstIdleInTransaction} sessions idle in transaction at a sample; ` +
          `sessions now ${JSON.stringify(Object.fromEntries(last))}`,
      );

      const audit = await store.grid.audit(event.id);
      assert.deepEqual([audit.oversold, audit.doubleBooked, audit.partial], [0, 0, 0], JSON.stringify(audit));
      // Every hold in the last two rows ended one way: sold, still held (a confirm or release that never
      // ran), or free; its read-back says the same as the seat map.
      const map = await until('Redis agrees with PostgreSQL', async () => {
        const served = (await seatMap(api, event.id)).grid.join('');
        return served === (await store.grid.storedSeatStates(event.id)) ? served : undefined;
      });
      const ended = new Map<string, number>();
      for (const [i, hold] of held.entries()) {
        const response = await api.request('GET', `/holds/${hold.holdId}`, { headers: owners[i] as Record<string, string> });
        const { status } = (await response.json()) as { status: string };
        const index = (ROWS - 2 + (i % 2)) * COLS + Math.floor(i / 2);
        const expected = { held: 'H', confirmed: 'S', released: '.', cancelled: '.', expired: '.' }[status];
        assert.equal(map[index], expected, `hold ${i} is ${status}, its seat ${map[index]}`);
        ended.set(status, (ended.get(status) ?? 0) + 1);
      }
      t.diagnostic(`the holds ended ${JSON.stringify(Object.fromEntries(ended))}; audit ${JSON.stringify(audit)}`);
    });
  });
}
