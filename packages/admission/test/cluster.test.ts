import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { createGate, eventKeys, idempotencyRecordKey, type Seat } from '@seatgrid/admission/gate';
import { eventually, startPrivateRedis, uniqueEventId } from './support.ts';

/** Redis Cluster's key slot: CRC16 (XMODEM) of the hash tag, or of the key without one, mod 16384. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

test('every key of one event hashes to one cluster slot (CRC16 rule)', () => {
  for (const eventId of ['e1', 'concert-2026', 'A_b-9']) {
    const keys = [...eventKeys('sg', eventId), idempotencyRecordKey('sg', eventId, 'user{with}braces', 'key:with:colons')];
    const slots = new Set(keys.map(keySlot));
    assert.equal(slots.size, 1, `${eventId}: ${keys.join(' ')}`);
  }
  assert.notEqual(keySlot(eventKeys('sg', 'e1')[0] as string), keySlot(eventKeys('sg', 'e2')[0] as string));
});

// A real three-master cluster on spare loopback ports, started and stopped by this file.
const ports: number[] = [];
const dirs: string[] = [];

before(async () => {
  const servers = [];
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'sg-cluster-'));
    dirs.push(dir);
    servers.push(await startPrivateRedis(['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--dir', dir]));
  }
  ports.push(...servers.map((server) => server.port));
  const admins = ports.map((port) => new Redis(port, '127.0.0.1'));
  try {
    const third = Math.floor(16384 / 3);
    const ranges = [
      [0, third - 1],
      [third, 2 * third - 1],
      [2 * third, 16383],
    ];
    await Promise.all(admins.map((admin, i) => admin.call('CLUSTER', 'ADDSLOTSRANGE', ...(ranges[i] as number[]))));
    for (const port of ports.slice(1)) await admins[0]?.call('CLUSTER', 'MEET', '127.0.0.1', port);
    await Promise.all(
      admins.map((admin) => eventually(async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), 15_000)),
    );
  } finally {
    for (const admin of admins) admin.disconnect();
  }
});

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('the gate runs unchanged on a Redis Cluster client, across slots on different nodes', async () => {
  const cluster = new Cluster([{ host: '127.0.0.1', port: ports[0] as number }], { enableAutoPipelining: true });
  try {
    const gate = createGate({ redis: cluster, loadChunkSeats: 3 });
    // Two events on each node: six random ids all land on one node once in 243 runs.
    const third = Math.floor(16384 / 3);
    const nodeOf = (id: string) => Math.min(2, Math.floor(keySlot(eventKeys('sg', id)[0] as string) / third));
    const eventIds: string[] = [];
    while (eventIds.length < 6) {
      const id = uniqueEventId('cluster');
      if (eventIds.filter((other) => nodeOf(other) === nodeOf(id)).length < 2) eventIds.push(id);
    }
    assert.deepEqual(new Set(eventIds.map(nodeOf)), new Set([0, 1, 2]));

    for (const eventId of eventIds) {
      const sold: Seat[] = [
        { row: 1, col: 1 },
        { row: 1, col: 2 },
        { row: 2, col: 1 },
        { row: 2, col: 2 },
      ];
      // Two chunks of at most 3 seats: the staged load and its swap run on the cluster too.
      await gate.loadEvent(
        {
          eventId,
          rows: 4,
          cols: 4,
          holds: [
            { holdId: 'h1', userId: 'x', status: 'sold', seats: sold.slice(0, 2) },
            { holdId: 'h2', userId: 'y', status: 'sold', seats: sold.slice(2) },
          ],
        },
        'create',
      );
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => gate.claimBestAvailable({ eventId, userId: `u${i}`, quantity: 2, idempotencyKey: `k${i}` })),
      );
      assert.equal(claims.filter((c) => c.ok).length, 6);
      const winner = claims.findIndex((c) => c.ok);
      const won = claims[winner];
      assert.ok(won?.ok);
      assert.equal((await gate.confirm({ eventId, userId: `u${winner}`, holdId: won.holdId })).ok, true);
      const map = await gate.seatMap(eventId);
      assert.equal(map.available, 0);
      assert.equal(map.states.replace(/[HS]/g, '').length, 0);
    }
  } finally {
    cluster.disconnect();
  }
});
