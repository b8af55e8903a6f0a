import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClaimResult } from '@seatgrid/admission';
import { admissionGrid, connectRedis } from './support.ts';

test('three processes find a new event unloaded at once: one load wins, and every buyer is served until the seats run out', async () => {
  // Separate grids on their own Redis clients stand for separate processes.
  const grids = await Promise.all([0, 1, 2].map(() => admissionGrid({ redis: connectRedis(), sweeper: false, reconciler: false })));
  for (let round = 0; round < 10; round++) {
    const event = await grids[0]?.createEvent({ name: `first load ${round}`, rows: 1, cols: 30, holdTtlMs: 60_000 });
    assert.ok(event);
    // Nobody has loaded it into Redis: each process's first claim loads it.
    const results: ClaimResult[] = await Promise.all(
      Array.from({ length: 33 }, (_, i) =>
        grids[i % 3]?.claimBestAvailable({ eventId: event.eventId, userId: `buyer-${i}`, quantity: 1, mode: 'book' }),
      ).map((claim) => claim as Promise<ClaimResult>),
    );
    const granted = results.filter((result) => result.ok);
    const refusals = results.flatMap((result) => (result.ok ? [] : [result.reason]));
    assert.equal(granted.length, 30, `round ${round}: refused ${refusals.join(', ')}`);
    assert.deepEqual(refusals, ['sold-out', 'sold-out', 'sold-out']);
    const audit = await grids[1]?.audit(event.eventId);
    assert.deepEqual([audit?.oversold, audit?.seatsSold], [0, 30]);
  }
});
