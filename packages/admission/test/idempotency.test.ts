import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdempotencyMismatchError } from '@seatgrid/admission/gate';
import { newGate, uniqueEventId } from './support.ts';

const gate = newGate();

test('50 parallel claims with one idempotency key claim once and answer identically', async () => {
  const eventId = uniqueEventId('idem');
  await gate.loadEvent({ eventId, rows: 5, cols: 5, holds: [] });
  const claim = {
    eventId,
    userId: 'retrier',
    seats: [
      { row: 3, col: 3 },
      { row: 3, col: 4 },
    ],
    idempotencyKey: 'order-42',
  };
  const results = await Promise.all(Array.from({ length: 50 }, () => gate.claimSeats(claim)));
  const first = results.find((r) => r.ok && !r.replayed);
  assert.ok(first?.ok);
  assert.equal(results.filter((r) => !r.replayed).length, 1, 'exactly one call claimed');
  for (const result of results) assert.deepEqual({ ...result, replayed: false }, first);
  assert.equal((await gate.counters(eventId)).available, 23);
});

test('the same key with a different payload is refused and changes nothing', async () => {
  const eventId = uniqueEventId('idem-mismatch');
  await gate.loadEvent({ eventId, rows: 2, cols: 2, holds: [] });
  await gate.claimSeats({ eventId, userId: 'u', seats: [{ row: 1, col: 1 }], idempotencyKey: 'k' });
  await assert.rejects(
    gate.claimSeats({ eventId, userId: 'u', seats: [{ row: 1, col: 2 }], idempotencyKey: 'k' }),
    IdempotencyMismatchError,
  );
  await assert.rejects(gate.claimBestAvailable({ eventId, userId: 'u', quantity: 1, idempotencyKey: 'k' }), IdempotencyMismatchError);
  assert.equal((await gate.seatMap(eventId)).states, 'H...');
});

test('keys are scoped per user, and a stored refusal is replayed too', async () => {
  const eventId = uniqueEventId('idem-scope');
  await gate.loadEvent({ eventId, rows: 1, cols: 1, holds: [] });
  const mine = await gate.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }], idempotencyKey: 'same' });
  assert.equal(mine.ok, true);
  const theirs = await gate.claimSeats({ eventId, userId: 'b', seats: [{ row: 1, col: 1 }], idempotencyKey: 'same' });
  assert.equal(!theirs.ok && theirs.reason, 'sold-out', 'another user with the same key gets nothing of the first');
  assert.equal(theirs.replayed, false);
  const again = await gate.claimSeats({ eventId, userId: 'b', seats: [{ row: 1, col: 1 }], idempotencyKey: 'same' });
  assert.deepEqual(again, { ...theirs, replayed: true });
});

test('a retry with a key gets its stored grant even after the event sold out (the sold-out cache is bypassed)', async () => {
  const eventId = uniqueEventId('idem-soldout');
  await gate.loadEvent({ eventId, rows: 1, cols: 1, holds: [] });
  const granted = await gate.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }], idempotencyKey: 'buy' });
  const other = await gate.claimBestAvailable({ eventId, userId: 'z', quantity: 1 });
  assert.equal(!other.ok && other.reason, 'sold-out');
  const retry = await gate.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }], idempotencyKey: 'buy' });
  assert.deepEqual(retry, { ...granted, replayed: true });
});
