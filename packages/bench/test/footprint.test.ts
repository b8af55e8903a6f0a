import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { growth, total } from '../src/footprint/storage-footprint.ts';

const FOOTPRINT_MAIN = fileURLToPath(new URL('../src/footprint/main.ts', import.meta.url));

interface Stage {
  readonly stage: string;
  readonly units: number;
  readonly redis: Record<string, number>;
  readonly postgres: Record<string, number>;
}

test('growth and total: part by part, a part new in the later reading counts from 0', () => {
  assert.deepEqual(growth({ seats: 100, runs: 10 }, { seats: 150, runs: 10, holds: 40 }), { seats: 50, runs: 0, holds: 40 });
  assert.equal(total({ a: 1, b: 2.5 }), 3.5);
});

test('footprint on a small event: bytes in both stores at each stage, one stream record a change', async () => {
  const out = await mkdtemp(join(tmpdir(), 'footprint-'));
  try {
    await promisify(execFile)(process.execPath, [FOOTPRINT_MAIN, '--rows', '10', '--cols', '20', '--claims', '50', '--out', out]);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      stages: Stage[];
      stream: { bytes: number; entries: number };
    };
    assert.deepEqual(
      results.stages.map((s) => s.units),
      [200, 50, 50],
    );
    const [empty, booked, held] = results.stages as [Stage, Stage, Stage];
    assert.ok((empty.redis.seats ?? 0) > 0 && (empty.postgres.seats ?? 0) > 0, 'an empty event has its seats in both stores');
    assert.ok((booked.redis.holds ?? 0) > 0 && (booked.postgres.bookings ?? 0) > 0, 'bookings are recorded in both');
    assert.ok((held.redis.expiry ?? 0) > 0 && (held.postgres.holds ?? 0) > 0, 'holds have an expiry in Redis and a row in PostgreSQL');
    assert.equal(booked.redis.expiry ?? 0, 0, 'a booking never expires');
    // The load's record, then one a claim.
    assert.equal(results.stream.entries, 1 + 50 + 50);
    assert.ok(results.stream.bytes > 0);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
