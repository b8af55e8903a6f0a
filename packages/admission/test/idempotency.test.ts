import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdempotencyMismatchError } from '@seatgrid/admission';
import { newAdmission, uniqueEventId } from './support.ts';

const admission = newAdmission();

test('50 parallel claims with one idempotency key claim once and answer identically', async () => {
  const eventId = uniqueEventId('idem');
  await admission.createEvent({ eventId, rows: 5, cols: 5 });
  const claim = { eventId, userId: 'retrier', seats: [{ row: 3, col: 3 }, { row: 3, col: 4 }], idempotencyKey: 'order-42' };
  const results = await Promise.all(Array.from({ length: 50 }, () => admission.claimSeats(claim)));
  const first = results.find((r) => r.ok && !r.replayed);
  assert.ok(first && first.ok);
  assert.equal(results.filter((r) => !r.replayed).length, 1, 'exactly one call claimed');
  for (const result of results) assert.deepEqual({ ...result, replayed: false }, first);
  assert.equal((await admission.counters(eventId)).available, 23);
});

test('the same key with a different payload is refused and changes nothing', async () => {
  const eventId = uniqueEventId('idem-mismatch');
  await admission.createEvent({ eventId, rows: 2, cols: 2 });
  await admission.claimSeats({ eventId, userId: 'u', seats: [{ row: 1, col: 1 }], idempotencyKey: 'k' });
  await assert.rejects(
    admission.claimSeats({ eventId, userId: 'u', seats: [{ row: 1, col: 2 }], idempotencyKey: 'k' }),
    IdempotencyMismatchError,
  );
  await assert.rejects(
    admission.claimBestAvailable({ eventId, userId: 'u', quantity: 1, idempotencyKey: 'k' }),
    IdempotencyMismatchError,
  );
  assert.equal((await admission.seatMap(eventId)).states, 'H...');
});

test('keys are scoped per user, and a stored refusal is replayed too', async () => {
  const eventId = uniqueEventId('idem-scope');
  await admission.createEvent({ eventId, rows: 1, cols: 1 });
  const mine = await admission.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }], idempotencyKey: 'same' });
  assert.equal(mine.ok, true);
  const theirs = await admission.claimSeats({ eventId, userId: 'b', seats: [{ row: 1, col: 1 }], idempotencyKey: 'same' });
  assert.equal(!theirs.ok && theirs.reason, 'sold-out', 'another user with the same key gets nothing of the first');
  assert.equal(theirs.replayed, false);
  const again = await admission.claimSeats({ eventId, userId: 'b', seats: [{ row: 1, col: 1 }], idempotencyKey: 'same' });
  assert.deepEqual(again, { ...theirs, replayed: true });
});

test('a retry with a key gets its stored grant even after the event sold out (the sold-out cache is bypassed)', async () => {
  const eventId = uniqueEventId('idem-soldout');
  await admission.createEvent({ eventId, rows: 1, cols: 1 });
  const granted = await admission.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }], idempotencyKey: 'buy' });
  const other = await admission.claimBestAvailable({ eventId, userId: 'z', quantity: 1 });
  assert.equal(!other.ok && other.reason, 'sold-out');
  const retry = await admission.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }], idempotencyKey: 'buy' });
  assert.deepEqual(retry, { ...granted, replayed: true });
});
