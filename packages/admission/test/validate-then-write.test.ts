import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventKeys, gateScripts, idempotencyRecordKey, InvalidInputError, ResultCode } from '@seatgrid/admission/gate';
import { connectRedis, newGate, uniqueEventId } from './support.ts';

const redis = connectRedis();
// The expired hold below must be due (past its grace) when the calls run: no grace at all.
const gate = newGate({ expiryGraceMs: 0 }, redis);

async function dumpAll(keys: readonly string[]): Promise<(string | null)[]> {
  return Promise.all(keys.map(async (key) => (await redis.dumpBuffer(key))?.toString('base64') ?? null));
}

/** An event with a live hold, a sale, and an expired hold that a successful call would reap. */
async function busyEvent(): Promise<{ eventId: string; keys: readonly string[] }> {
  const eventId = uniqueEventId('vtw');
  await gate.loadEvent({ eventId, rows: 3, cols: 3, maxSeatsPerUser: 4, holds: [] });
  await gate.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }] });
  await gate.claimSeats({ eventId, userId: 'b', seats: [{ row: 2, col: 2 }], mode: 'book' });
  const expiring = await gate.claimSeats({ eventId, userId: 'c', seats: [{ row: 3, col: 3 }], holdTtlMs: 1 });
  assert.ok(expiring.ok && expiring.expiresAt);
  for (;;) {
    const [seconds] = await redis.time();
    if (Number(seconds) * 1000 > expiring.expiresAt.getTime() + 1000) break;
    await sleep(100);
  }
  const keys = [...eventKeys('sg', eventId), idempotencyRecordKey('sg', eventId, 'a', 'k')];
  return { eventId, keys };
}

test('an invalid seat at the end of a list leaves every event key byte-for-byte unchanged', async () => {
  const { eventId, keys } = await busyEvent();
  const before = await dumpAll(keys);
  assert.equal(before.filter((dump) => dump !== null).length, eventKeys('sg', eventId).length, 'every event key exists');

  const script = gateScripts['claim-seats'];
  const claimWith = (...seatArgs: number[]) =>
    redis.eval(script.lua, script.numberOfKeys, ...keys, 100, 60_000, 'a', 'h-new', 60_000, 0, 'fp', 60_000, ...seatArgs);
  // Free seats first, then the bad one last: the script must not have written the good ones.
  assert.deepEqual(await claimWith(1, 2, 1, 3, 4, 1), [ResultCode.INVALID_SEAT, '4', '1']);
  assert.deepEqual(await claimWith(1, 2, 1, 3, 1, 2), [ResultCode.DUPLICATE_SEAT, '1', '2']);
  assert.deepEqual(await claimWith(1, 2, 1), [ResultCode.INVALID_ARGUMENT, 'seats']);
  assert.deepEqual(await claimWith(1, 2, 2, 0), [ResultCode.INVALID_SEAT, '2', '0']);
  await assert.rejects(
    gate.claimSeats({
      eventId,
      userId: 'a',
      seats: [
        { row: 1, col: 2 },
        { row: 3, col: 4 },
      ],
      idempotencyKey: 'k',
    }),
    InvalidInputError,
  );
  await assert.rejects(gate.claimBestAvailable({ eventId, userId: 'a', quantity: 0 }), InvalidInputError);
  await assert.rejects(gate.release({ eventId, userId: 'a', holdId: 'bad id!' }), InvalidInputError);

  assert.deepEqual(await dumpAll(keys), before);
});
