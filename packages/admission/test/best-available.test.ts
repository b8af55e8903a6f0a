import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seatMapRows, type ClaimResult, type Seat } from '@seatgrid/admission/gate';
import { newGate, uniqueEventId } from './support.ts';

const gate = newGate();

/** An event whose rows look like `grid` ('.' free, 'S' sold), e.g. ['..S.', 'SS..']. */
async function craftedEvent(grid: string[]): Promise<string> {
  const eventId = uniqueEventId('best');
  const sold: Seat[] = [];
  for (const [r, line] of grid.entries()) {
    for (const [col, c] of [...line].entries()) if (c === 'S') sold.push({ row: r + 1, col: col + 1 });
  }
  await gate.loadEvent({
    eventId,
    rows: grid.length,
    cols: grid[0]?.length ?? 0,
    holds: sold.length === 0 ? [] : [{ holdId: 'crafted', userId: 'venue', status: 'sold', seats: sold }],
  });
  return eventId;
}

function seatsOf(result: ClaimResult): string[] {
  assert.ok(result.ok, `expected a grant, got ${JSON.stringify(result)}`);
  return result.seats.map((s) => `${s.row}:${s.col}`);
}

test('takes an adjacent block in the front row when one fits', async () => {
  const eventId = await craftedEvent(['......', '......']);
  const result = await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 3 });
  assert.deepEqual(seatsOf(result), ['1:1', '1:2', '1:3']);
});

test('never strands a single seat when another block exists', async () => {
  // Row 1 has a free run of 3: two seats there would strand one. Row 2's run of 2 fits exactly.
  const eventId = await craftedEvent(['S...SS', '..SSSS']);
  const result = await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 2 });
  assert.deepEqual(seatsOf(result), ['2:1', '2:2']);
  assert.deepEqual(seatMapRows(await gate.seatMap(eventId)), ['S...SS', 'HHSSSS']);
});

test('prefers an exact fit over a longer run within a row, and keeps the rest of a run whole', async () => {
  const eventId = await craftedEvent(['.....S..S']);
  const exact = await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 2 });
  assert.deepEqual(seatsOf(exact), ['1:7', '1:8']);
  const leftEnd = await gate.claimBestAvailable({ eventId, userId: 'b', quantity: 2 });
  assert.deepEqual(seatsOf(leftEnd), ['1:1', '1:2'], 'the block starts at the run edge, leaving 3 together');
});

test('strands a seat only when every adjacent choice would', async () => {
  const eventId = await craftedEvent(['...S', 'S...']);
  const result = await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 2 });
  assert.deepEqual(seatsOf(result), ['1:1', '1:2']);
});

test('with no adjacent block, splits over the longest runs first, or refuses when told not to split', async () => {
  const eventId = await craftedEvent(['.S.S..', 'S..S.S']);
  const refused = await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 4, allowSplit: false });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.reason, 'no-adjacent-block');
  const split = await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 4 });
  assert.deepEqual(seatsOf(split), ['1:5', '1:6', '2:2', '2:3']);
  assert.equal(split.ok && split.status, 'held');
});

test('refuses with not-enough-seats, then sold-out', async () => {
  const eventId = await craftedEvent(['S..S']);
  const tooMany = await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 3 });
  assert.deepEqual(tooMany, { ok: false, reason: 'not-enough-seats', available: 2, replayed: false });
  seatsOf(await gate.claimBestAvailable({ eventId, userId: 'a', quantity: 2 }));
  const soldOut = await gate.claimBestAvailable({ eventId, userId: 'b', quantity: 1 });
  assert.equal(!soldOut.ok && soldOut.reason, 'sold-out');
});
