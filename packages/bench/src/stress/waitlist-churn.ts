import type { StoreView } from '@seatgrid/admission/testing';
import { sql } from 'kysely';
import { seatGrid } from './api-client.ts';
import { REDIS_EXPIRY_GRACE_MS, SWEEP_INTERVAL_MS } from './api-server.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { below, type Drive, type Driven } from './driven-run.ts';
import type { ChurnSettings, Scenario } from './scenarios.ts';
import { passedOver } from './waitlist-order.ts';

interface Booking {
  readonly id: string;
  readonly userId: string;
}

/** A churn stops early when fewer than this many wait: the live checks need a line to be owed to. */
const MIN_WAITING = 20;

/**
 * waitlist-churn: the event is sold out (bookings, confirmed holds, holds left to expire), then
 * `waiters` join its waitlist (one seat each), and for `churnSec` seats keep being freed: bookings
 * cancelled at random, holds and offers expiring, offers declined, while strangers keep trying to
 * claim. Each waiter polls its entry and, offered, confirms (half), declines (a fifth) or lets it
 * expire. Audited: every offer went in arrival order (nobody passed over), no stranger got a seat
 * while anyone waited, no seat sat free in the gate while anyone waited; then everyone left waiting
 * leaves, and the usual seat audit runs (oversold, double-booked, Redis = PostgreSQL).
 */
export async function driveWaitlistChurn(drive: Drive, scenario: Scenario): Promise<Driven> {
  const churn = scenario.churn as ChurnSettings;
  const { baseUrl, eventId, log, ctx, tag } = drive;
  const bookings: Booking[] = [];
  const counts = {
    cancels: 0,
    strangerClaims: 0,
    strangerGrants: 0,
    checks: 0,
    freeWhileWaiting: 0,
    joinFailures: 0,
    minWaiting: Infinity,
  };
  let stop = false;
  let stoppedAt = 0;
  const halt = () => {
    if (!stop) stoppedAt = performance.now();
    stop = true;
  };

  // Sold out: every other seat a booking; the rest holds, half of them confirmed, half left to expire.
  await Promise.all(
    Array.from({ length: scenario.rows * scenario.cols }, async (_, i) => {
      const userId = `seller-${tag}-${i}`;
      const who = { 'x-user-id': userId };
      const seats = [{ row: Math.floor(i / scenario.cols) + 1, col: (i % scenario.cols) + 1 }];
      const sale = await log.send('sell-out', 'POST', `/events/${eventId}/${i % 2 === 0 ? 'bookings' : 'holds'}`, who, { seats });
      const id = (sale.body as { bookingId?: string; holdId?: string }).bookingId ?? (sale.body as { holdId?: string }).holdId;
      if (sale.status !== 201 || id === undefined)
        throw new Error(`selling seat ${i} out failed: ${sale.status} ${JSON.stringify(sale.body)}`);
      if (i % 2 === 0) bookings.push({ id, userId });
      else if (i % 4 === 1 && (await log.send('sell-out', 'POST', `/holds/${id}/confirm`, who)).status === 200)
        bookings.push({ id, userId });
    }),
  );
  ctx.progress(`${drive.label}: sold out; ${churn.waiters} waiters join`);

  const entries = (
    await Promise.all(
      Array.from({ length: churn.waiters }, async (_, i) => {
        const userId = `waiter-${tag}-${i}`;
        const joined = await log.send('join', 'POST', `/events/${eventId}/waitlist`, { 'x-user-id': userId }, { quantity: 1 });
        if (joined.status !== 201) counts.joinFailures++;
        const entryId = (joined.body as { entryId?: string }).entryId;
        return entryId === undefined ? [] : [{ entryId, userId }];
      }),
    )
  ).flat();

  async function waiter(entry: { entryId: string; userId: string }): Promise<void> {
    const who = { 'x-user-id': entry.userId };
    let delay = 300;
    while (!stop) {
      await sleep(delay * (0.8 + Math.random() * 0.4));
      if (stop) return;
      const read = await log.send('poll', 'GET', `/waitlist/${entry.entryId}`, who);
      const body = read.body as { status?: string; position?: number; holdId?: string };
      if (read.status !== 200) continue;
      if (body.status === 'waiting') {
        // Far back, look less often: the head must see its offer well within the offer time.
        delay = Math.min(4_000, Math.max(250, (body.position ?? 1) * 40));
        continue;
      }
      if (body.status !== 'offered' || body.holdId === undefined) return;
      const choice = Math.random();
      if (choice < 0.5) {
        const confirmed = await log.send('confirm', 'POST', `/holds/${body.holdId}/confirm`, who);
        if (confirmed.status === 200) bookings.push({ id: body.holdId, userId: entry.userId });
      } else if (choice < 0.7) {
        await log.send('decline', 'DELETE', `/holds/${body.holdId}`, who);
      }
      return;
    }
  }

  async function canceller(): Promise<void> {
    while (!stop) {
      await sleep(1_000 / churn.cancelsPerSecond);
      const booking = bookings.splice(below(bookings.length), 1)[0];
      if (booking === undefined || stop) continue;
      if ((await log.send('cancel', 'DELETE', `/bookings/${booking.id}`, { 'x-user-id': booking.userId })).status === 204) counts.cancels++;
    }
  }

  async function stranger(loop: number): Promise<void> {
    for (let n = 0; !stop; n++) {
      const who = { 'x-user-id': `stranger-${tag}-${loop}-${n}` };
      const seat = { row: 1 + below(scenario.rows), col: 1 + below(scenario.cols) };
      const body = n % 2 === 0 ? { quantity: 1 } : { seats: [seat] };
      const answer = await log.send('stranger', 'POST', `/events/${eventId}/${n % 3 === 0 ? 'bookings' : 'holds'}`, who, body);
      counts.strangerClaims++;
      if (answer.status >= 200 && answer.status < 300) counts.strangerGrants++;
      await sleep(10);
    }
  }

  // The live checks: while the line is long, the gate's map shows no free seat.
  async function monitor(): Promise<void> {
    while (!stop) {
      await sleep(250);
      const waiting = await waitingCount(ctx.store, eventId);
      const map = await seatGrid(baseUrl, eventId);
      counts.minWaiting = Math.min(counts.minWaiting, waiting);
      if (waiting < MIN_WAITING) {
        ctx.progress(`${drive.label}: only ${waiting} waiting: the churn stops early`);
        halt();
        return;
      }
      counts.checks++;
      if (map.includes('.')) counts.freeWhileWaiting++;
    }
  }

  const started = performance.now();
  const loops = [
    ...entries.map(waiter),
    canceller(),
    monitor(),
    ...Array.from({ length: churn.strangers }, (_, i) => stranger(i)),
    sleep(churn.churnSec * 1_000).then(halt),
  ];
  await Promise.all(loops);
  const churnedSec = (stoppedAt - started) / 1_000;

  // Everyone still in line leaves (an offer held is declined), so the audit sees a still event.
  for (let round = 0; round < 10; round++) {
    const active = await drive.ctx.store.db
      .selectFrom('waitlist_entries')
      .select(['id', 'user_id'])
      .where('event_id', '=', eventId)
      .where('status', 'in', ['waiting', 'offered'])
      .execute();
    if (active.length === 0) break;
    await Promise.all(active.map((e) => log.send('leave', 'DELETE', `/waitlist/${e.id}`, { 'x-user-id': e.user_id })));
    await sleep(200);
  }

  return {
    claimPhases: ['stranger', 'confirm'],
    mustSell: null,
    settleMs: REDIS_EXPIRY_GRACE_MS + SWEEP_INTERVAL_MS + 500,
    extraKeys: [],
    stoppedByTimeLimit: false,
    verify: async () => {
      const order = await passedOver(ctx.store, eventId);
      const violations: string[] = [];
      if (order.passedOver > 0) violations.push(`${order.passedOver} waiters passed over`);
      if (counts.strangerGrants > 0) violations.push(`${counts.strangerGrants} seats lost to non-waiters`);
      if (counts.freeWhileWaiting > 0) violations.push(`a seat free while entries waited, in ${counts.freeWhileWaiting} checks`);
      if (counts.joinFailures > 0) violations.push(`${counts.joinFailures} joins refused`);
      if (order.stillActive > 0) violations.push(`${order.stillActive} entries still active after everyone left`);
      return {
        violations,
        notes: [
          `${entries.length} waiters for ${scenario.rows * scenario.cols} seats, ${churnedSec.toFixed(1)} s of churn: ${order.offers} offers ` +
            `(${order.fulfilled} confirmed, ${order.expired} expired, the rest declined or left), ${counts.cancels} bookings cancelled`,
          `audit: ${order.passedOver} waiters passed over (of ${order.offered} offered), ${counts.strangerGrants} of ${counts.strangerClaims} ` +
            `stranger claims granted, ${counts.freeWhileWaiting} of ${counts.checks} live checks with a seat free while at least ` +
            `${Number.isFinite(counts.minWaiting) ? counts.minWaiting : 0} waited`,
        ],
      };
    },
  };
}

async function waitingCount({ db }: StoreView, eventId: string): Promise<number> {
  const row = await db
    .selectFrom('waitlist_entries')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('event_id', '=', eventId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return row?.n ?? 0;
}
