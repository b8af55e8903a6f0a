// The waitlist-churn audit on rows written as PostgreSQL would hold them (real PostgreSQL):
// offers in arrival order pass; an entry offered while an earlier one was still owed is
// counted as passed over; one that left before the offer is not.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { openStoreView } from '@seatgrid/admission/testing';
import { passedOver } from '../src/stress/waitlist-order.ts';

const store = openStoreView(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid');
const events: string[] = [];
after(async () => {
  // Their entries and holds go with them.
  if (events.length > 0) await store.db.deleteFrom('events').where('id', 'in', events).execute();
  await store.close();
});

/** An event with entries 1..n (seq = index + 1); `offers` gives each offered entry's first-offer time, `left` each left entry's close time. */
async function line(n: number, offers: Record<number, number>, left: Record<number, number> = {}): Promise<string> {
  await store.grid.migrate();
  const { eventId } = await store.grid.createEvent({
    eventId: `order-${randomUUID().slice(0, 8)}`,
    name: 'Order',
    rows: 1,
    cols: n,
    holdTtlMs: 60_000,
  });
  events.push(eventId);
  const base = Date.UTC(2026, 0, 1);
  for (let seq = 1; seq <= n; seq++) {
    const id = `e${seq}-${eventId}`;
    const offeredAt = offers[seq];
    const leftAt = left[seq];
    await store.db
      .insertInto('waitlist_entries')
      .values({
        id,
        event_id: eventId,
        user_id: `u${seq}`,
        quantity: 1,
        seq: String(seq),
        status: offeredAt !== undefined ? 'fulfilled' : leftAt !== undefined ? 'left' : 'waiting',
        ...(leftAt === undefined ? {} : { updated_at: new Date(base + leftAt) }),
      })
      .execute();
    if (offeredAt !== undefined) {
      await store.db
        .insertInto('holds')
        .values({
          id: `${id}-1`,
          event_id: eventId,
          user_id: `u${seq}`,
          seat_indexes: [seq - 1],
          status: 'confirmed',
          expires_at: null,
          created_at: new Date(base + offeredAt),
        })
        .execute();
    }
  }
  return eventId;
}

test('offers in arrival order: nobody passed over', async () => {
  const order = await passedOver(store, await line(4, { 1: 10, 2: 20, 3: 30 }));
  assert.deepEqual(order, { passedOver: 0, offered: 3, offers: 0, fulfilled: 3, expired: 0, stillActive: 1 });
});

test('an offer to a later entry while an earlier one still waited: the earlier one was passed over', async () => {
  const order = await passedOver(store, await line(4, { 1: 10, 3: 20, 2: 30 }));
  assert.equal(order.passedOver, 1);
  const never = await passedOver(store, await line(3, { 3: 10 }));
  assert.equal(never.passedOver, 2, 'entries 1 and 2, still waiting');
});

test('an entry that left before the offer was not passed over; one that left after it was', async () => {
  assert.equal((await passedOver(store, await line(3, { 3: 20 }, { 1: 5, 2: 10 }))).passedOver, 0);
  assert.equal((await passedOver(store, await line(3, { 3: 20 }, { 1: 5, 2: 30 }))).passedOver, 1);
});
