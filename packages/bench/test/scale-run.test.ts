import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStoreView } from '@seatgrid/admission/testing';
import { sql } from 'kysely';
import { connectCluster, redisClusterNodes } from '../src/scale/redis-cluster-nodes.ts';
import type { ScaleResults } from '../src/scale/scale-results.ts';
import { scaleSizes } from '../src/scale/scale-sizes.ts';

const SCALE_MAIN = fileURLToPath(new URL('../src/scale/main.ts', import.meta.url));

test('scale --quick: the API at 1 and 2 processes on the cluster and two shards audits clean, events on both shards, nothing left behind', async () => {
  const out = await mkdtemp(join(tmpdir(), 'scale-run-'));
  try {
    const child = spawn(process.execPath, [SCALE_MAIN, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(child, 'close');
    assert.equal(code, 0, output.slice(-3_000));

    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as ScaleResults;
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /## Throughput at 1 vs more processes/);
    const sizes = scaleSizes(true);
    assert.deepEqual(
      results.apiRuns.map((run) => run.workers),
      [1, 2],
    );
    assert.deepEqual(
      results.bareExpress.map((b) => b.workers),
      [1, 2],
    );
    assert.deepEqual(results.failures, []);
    const eventsPerRun = sizes.flashEvents + sizes.stormEvents + sizes.twoPhaseEvents;
    for (const run of results.apiRuns) {
      assert.equal(run.audits.length, eventsPerRun);
      assert.deepEqual(
        run.audits.flatMap((a) => a.violations),
        [],
      );
      assert.ok(run.audits.every((a) => a.audit.redisMatchesPg === true && a.shard >= 0));
      assert.equal(
        run.eventsPerShard.reduce((a, b) => a + b, 0),
        eventsPerRun,
      );
      // A sold-out event refuses everyone, on every process.
      assert.deepEqual(Object.keys(run.loads['sold-out-storm'].byStatus), ['409']);
      assert.ok(run.loads['flash-sale'].requests > 0 && run.loads['two-phase holds'].requests > 0);
      assert.ok(run.audits.filter((a) => a.workload === 'sold-out-storm').every((a) => a.audit.seatsSold === a.capacity));
    }
    const perShard = [0, 1].map((shard) => results.apiRuns.reduce((sum, run) => sum + (run.eventsPerShard[shard] ?? 0), 0));
    assert.ok(
      perShard.every((n) => n > 0),
      `events on both shards (${perShard.join(' + ')})`,
    );

    // The shard databases are gone, and so are the events' keys in the cluster.
    for (const masked of results.environment.shards) {
      const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid');
      url.pathname = new URL(masked).pathname;
      const view = openStoreView(url.toString());
      try {
        await assert.rejects(sql`select 1`.execute(view.db), /does not exist/);
      } finally {
        await view.close();
      }
    }
    const cluster = await connectCluster(redisClusterNodes());
    try {
      const eventIds = results.apiRuns.flatMap((run) => run.audits.map((a) => a.eventId));
      for (const eventId of eventIds) {
        for (const node of cluster.nodes('master')) {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', `*{ev:${eventId}}*`, 'COUNT', 1_000);
            assert.deepEqual(keys, [], `no key of ${eventId} left`);
            cursor = next;
          } while (cursor !== '0');
        }
      }
    } finally {
      cluster.disconnect();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
