import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql, type RawBuilder } from 'kysely';
import type { EventAudit, HoldStatus } from '@seatgrid/admission';
import { postgresGrid, testDatabase, uniqueEventId } from './support.ts';

const grid = await postgresGrid('optimistic');
// Holds and seats are crafted straight in PostgreSQL, on the test's own connection.
const db = testDatabase();
const auditEvent = (eventId: string) => grid.audit(eventId);

const inTenMinutes = sql<Date>`now() + interval '10 minutes'`;
const aMinuteAgo = sql<Date>`now() - interval '1 minute'`;

/** A fresh 1 x 6 event, every seat free. */
async function newEvent(): Promise<string> {
  const event = await grid.createEvent({ eventId: uniqueEventId('audit'), name: 'audit', rows: 1, cols: 6, holdTtlMs: 60_000 });
  return event.eventId;
}

/** A holds row as-is: no check that its seats agree with the seats table. */
async function crafted(
  eventId: string,
  id: string,
  status: HoldStatus,
  seatIndexes: number[],
  expiresAt: RawBuilder<Date> | null = status === 'held' ? inTenMinutes : null,
): Promise<string> {
  const holdId = `${eventId}-${id}`;
  await db
    .insertInto('holds')
    .values({ id: holdId, event_id: eventId, user_id: id, seat_indexes: seatIndexes, status, expires_at: expiresAt })
    .execute();
  return holdId;
}

/** Points seats at a holder, as a write path would. */
async function give(
  eventId: string,
  seatIndexes: number[],
  holdId: string,
  state: 'held' | 'sold',
  heldUntil: RawBuilder<Date> | null = state === 'held' ? inTenMinutes : null,
): Promise<void> {
  await db
    .updateTable('seats')
    .set({ state, hold_id: holdId, held_until: heldUntil })
    .where('event_id', '=', eventId)
    .where('seat_index', '=', sql<number>`any(${seatIndexes}::int[])`)
    .execute();
}

function counters(audit: EventAudit): Pick<EventAudit, 'oversold' | 'doubleBooked' | 'partial' | 'staleRows'> {
  return { oversold: audit.oversold, doubleBooked: audit.doubleBooked, partial: audit.partial, staleRows: audit.staleRows };
}

const clean = { oversold: 0, doubleBooked: 0, partial: 0, staleRows: 0 };

async function cleanEvent(): Promise<string> {
  const eventId = await newEvent();
  await give(eventId, [0, 1], await crafted(eventId, 'holder', 'held', [0, 1]), 'held');
  await give(eventId, [2], await crafted(eventId, 'buyer', 'confirmed', [2]), 'sold');
  return eventId;
}

test('a clean event: no violation, and the seat and hold counts', async () => {
  const eventId = await cleanEvent();
  // Holds that are over (released, expired, cancelled, or held past expiry) count for nothing.
  await crafted(eventId, 'released', 'released', [0]);
  await crafted(eventId, 'expired', 'expired', [2]);
  await crafted(eventId, 'cancelled', 'cancelled', [1]);
  await give(eventId, [3], await crafted(eventId, 'lapsed', 'held', [3], aMinuteAgo), 'held', aMinuteAgo);
  assert.deepEqual(await auditEvent(eventId), {
    ...clean,
    activeHolds: 2,
    activeSeats: 3,
    seatsSold: 1,
    seatsHeld: 2,
    seatsFree: 3,
  });
});

test('an empty event: all zeros, every seat free', async () => {
  const eventId = await newEvent();
  assert.deepEqual(await auditEvent(eventId), { ...clean, activeHolds: 0, activeSeats: 0, seatsSold: 0, seatsHeld: 0, seatsFree: 6 });
});

test('an oversold seat: two live holds on one seat', async () => {
  const eventId = await cleanEvent();
  // A second, unexpired hold lists seat 0, which the seats table gives to the first holder.
  await crafted(eventId, 'intruder', 'held', [0, 4]);
  await give(eventId, [4], `${eventId}-intruder`, 'held');
  const audit = await auditEvent(eventId);
  assert.deepEqual(counters(audit), { oversold: 1, doubleBooked: 0, partial: 1, staleRows: 0 });
  assert.equal(audit.activeHolds, 3);
});

test('a double booking: two confirmed holds on one seat', async () => {
  const eventId = await cleanEvent();
  await crafted(eventId, 'second-buyer', 'confirmed', [2]);
  assert.deepEqual(counters(await auditEvent(eventId)), { oversold: 1, doubleBooked: 1, partial: 1, staleRows: 0 });
});

test('a partial claim: a live hold missing some of its seats in the seats table', async () => {
  const eventId = await cleanEvent();
  const holdId = await crafted(eventId, 'half', 'held', [4, 5]);
  await give(eventId, [4], holdId, 'held');
  assert.deepEqual(counters(await auditEvent(eventId)), { oversold: 0, doubleBooked: 0, partial: 1, staleRows: 0 });
  // A confirmed hold whose seats nobody holds counts too.
  await crafted(eventId, 'ghost', 'confirmed', [3]);
  assert.deepEqual(counters(await auditEvent(eventId)), { oversold: 0, doubleBooked: 0, partial: 2, staleRows: 0 });
});

test('each violation counted once, all at the same time', async () => {
  const eventId = await cleanEvent();
  await crafted(eventId, 'intruder', 'held', [0]);
  await crafted(eventId, 'second-buyer', 'confirmed', [2]);
  await crafted(eventId, 'third-buyer', 'confirmed', [2]);
  await crafted(eventId, 'half', 'held', [5, 4]);
  await give(eventId, [5], `${eventId}-half`, 'held');
  // Seat 0: holder + intruder; seat 2: three buyers (one seat, one count).
  assert.deepEqual(counters(await auditEvent(eventId)), { oversold: 2, doubleBooked: 1, partial: 4, staleRows: 0 });
});

test("a row's free-seat bits that disagree with its seats: counted, whichever way they are wrong", async () => {
  const eventId = await cleanEvent();
  const tamper = (free: string, longest: number) =>
    db.updateTable('seat_rows').set({ free, longest_free: longest }).where('event_id', '=', eventId).where('row', '=', 1).execute();
  const rowOf = async () =>
    db.selectFrom('seat_rows').select(['free', 'longest_free']).where('event_id', '=', eventId).executeTakeFirstOrThrow();
  // The writes above went through the trigger: seats 1-3 taken, 4-6 free.
  assert.deepEqual(await rowOf(), { free: '000111', longest_free: 3 });
  await tamper('100111', 3);
  assert.equal((await auditEvent(eventId)).staleRows, 1, 'a taken seat shown free');
  await tamper('000111', 2);
  assert.equal((await auditEvent(eventId)).staleRows, 1, 'a longest run miscounted');
  await db.deleteFrom('seat_rows').where('event_id', '=', eventId).execute();
  assert.equal((await auditEvent(eventId)).staleRows, 1, 'a row missing');
});
