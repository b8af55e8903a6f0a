import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRequest } from '../src/verdict.ts';

test('a finding quotes the problem an answer carried: its type, field and detail', () => {
  const fault = { from: 1_000, to: 2_000 };
  const base = { buyer: 'b1', kind: 'hold', attempt: 1, api: 0, sentAt: 1_063, receivedAt: 1_070 } as const;
  assert.equal(
    describeRequest({ ...base, outcome: 400, problem: 'invalid-input', problemDetail: 'holdId: rejected by the engine' }, fault),
    'hold by b1 at +63 ms: 400 invalid-input (holdId: rejected by the engine)',
  );
  assert.equal(
    describeRequest({ ...base, sentAt: 990, outcome: 409, problem: 'seats-taken', takenSeats: [{ row: 1, col: 2 }] }, fault),
    'hold by b1 at -10 ms: 409 seats-taken 1:2',
  );
});
