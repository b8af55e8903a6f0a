import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { ClaimResult, EventInfo, SeatGrid } from '@seatgrid/admission';
import { admissionGrid, eventually, postgresGrid, testDatabase, uniqueEventId } from './support.ts';

// The per-user limit is exact on every path: the PostgreSQL strategies and the admission
// strategy's fallback (the breaker open) alike, under any concurrency, late confirms included.

const LIMIT = 2;

interface Subject {
  readonly name: string;
  readonly grid: SeatGrid;
  /** The admission strategy with its breaker held open: every claim takes the fallback. */
  readonly fallback?: boolean;
}

const subjects: Subject[] = [
  { name: 'optimistic', grid: await postgresGrid('optimistic') },
  { name: 'pessimistic', grid: await postgresGrid('pessimistic') },
  { name: 'admission, breaker open', grid: await admissionGrid({ breaker: { resetTimeoutMs: 60_000 } }), fallback: true },
  { name: 'admission, through the gate', grid: await admissionGrid() },
];

/** Seats the user owns in PostgreSQL: in live holds (held and unexpired) and bookings. */
async function ownedSeats(eventId: string, userId: string): Promise<number> {
  const { rows } = await sql<{ seats: number }>`
    select coalesce(sum(cardinality(seat_indexes)), 0)::int as seats from seatgrid.holds
    where event_id = ${eventId} and user_id = ${userId}
      and (status = 'confirmed' or (status = 'held' and expires_at > now()))`.execute(testDatabase());
  return rows[0]?.seats ?? 0;
}

async function newEvent({ grid, fallback }: Subject, holdTtlMs = 60_000): Promise<EventInfo> {
  const event = await grid.createEvent({
    eventId: uniqueEventId('limit'),
    name: 'limit',
    rows: 10,
    cols: 20,
    maxSeatsPerUser: LIMIT,
    holdTtlMs,
  });
  if (grid.strategy === 'admission') {
    await grid.seatMap(event.eventId); // loaded in Redis, as a live event is
    if (fallback === true) grid.breaker.open();
  }
  return event;
}

function seatsGranted(results: readonly ClaimResult[]): number {
  return results.reduce((sum, r) => sum + (r.ok ? r.seats.length : 0), 0);
}

for (const subject of subjects) {
  const { name, grid } = subject;
  test(`${name}: 40 parallel claims of one user, seats and quantities, holds and bookings: never more than ${LIMIT} seats`, async () => {
    const event = await newEvent(subject);
    const userId = 'greedy';
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const mode = i % 2 === 0 ? ('hold' as const) : ('book' as const);
        if (i % 4 >= 2) return grid.claimBestAvailable({ eventId: event.eventId, userId, mode, quantity: 1 + (i % 3) });
        // Seats of its own in the back rows, one or two (best-available takes the front row):
        // no claim can be refused for a seat, only for the limit.
        const seat = { row: 6 + (i % 5), col: 1 + 2 * Math.floor(i / 5) };
        const seats = i % 3 === 0 ? [seat, { ...seat, col: seat.col + 1 }] : [seat];
        return grid.claimSeats({ eventId: event.eventId, userId, mode, seats });
      }),
    );
    const granted = seatsGranted(results);
    assert.ok(granted >= 1 && granted <= LIMIT, `granted ${granted} seats`);
    assert.equal(await ownedSeats(event.eventId, userId), granted, 'PostgreSQL agrees with the answers');
    for (const result of results) if (!result.ok) assert.equal(result.reason, 'user-limit', JSON.stringify(result));
    const audit = await grid.audit(event.eventId);
    assert.deepEqual([audit.oversold, audit.partial], [0, 0]);
  });

  test(`${name}: a late confirm that would lift the user over the limit is refused (hold-expired)`, async () => {
    const event = await newEvent(subject, 1_000);
    const userId = 'late-payer';
    const first = await grid.claimSeats({
      eventId: event.eventId,
      userId,
      seats: [
        { row: 1, col: 1 },
        { row: 1, col: 2 },
      ],
    });
    assert.ok(first.ok, JSON.stringify(first));
    await eventually(async () => {
      const { rows } = await sql<{ lapsed: boolean }>`
        select expires_at < now() as lapsed from seatgrid.holds where id = ${first.holdId}`.execute(testDatabase());
      return rows[0]?.lapsed === true;
    }, 10_000);
    const claimTwoMore = () =>
      grid.claimSeats({
        eventId: event.eventId,
        userId,
        seats: [
          { row: 2, col: 1 },
          { row: 2, col: 2 },
        ],
        holdTtlMs: 60_000,
      });
    let second = await claimTwoMore();
    // The gate reaps a hold expiryGraceMs after its expiry: until then it still counts there.
    if (grid.strategy === 'admission' && subject.fallback !== true) {
      await eventually(async () => {
        if (!second.ok && second.reason === 'user-limit') second = await claimTwoMore();
        return second.ok;
      }, 10_000);
    }
    assert.ok(second.ok, `the lapsed hold no longer counts: ${JSON.stringify(second)}`);
    assert.deepEqual(await grid.confirm({ eventId: event.eventId, userId, holdId: first.holdId }), { ok: false, reason: 'hold-expired' });
    assert.equal(await ownedSeats(event.eventId, userId), LIMIT);
    assert.deepEqual(await grid.confirm({ eventId: event.eventId, userId, holdId: second.holdId }), {
      ok: true,
      seats: [
        { row: 2, col: 1 },
        { row: 2, col: 2 },
      ],
      alreadyConfirmed: false,
    });
    assert.equal(await ownedSeats(event.eventId, userId), LIMIT);
  });
}
