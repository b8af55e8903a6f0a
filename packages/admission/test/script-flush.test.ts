import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectRedis, newGate, uniqueEventId } from './support.ts';

for (const autoPipelining of [true, false]) {
  test(`calls still succeed after SCRIPT FLUSH (auto-pipelining ${autoPipelining ? 'on' : 'off'})`, async () => {
    const redis = connectRedis({ autoPipelining });
    const gate = newGate({}, redis);
    const eventId = uniqueEventId('flush');
    await gate.loadEvent({ eventId, rows: 4, cols: 4, holds: [] });
    const first = await gate.claimSeats({ eventId, userId: 'a', seats: [{ row: 1, col: 1 }] });
    assert.equal(first.ok, true);

    await connectRedis().script('FLUSH');
    const burst = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        gate.claimSeats({ eventId, userId: `u${i}`, seats: [{ row: 1 + Math.floor((i + 1) / 4), col: 1 + ((i + 1) % 4) }] }),
      ),
    );
    assert.ok(
      burst.every((r) => r.ok),
      'every claim after the flush is decided, not failed',
    );
    assert.equal((await gate.counters(eventId)).available, 0);
  });
}
