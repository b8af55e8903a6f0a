// '@seatgrid/api/child', the API as a child process that the bench and the chaos runs drive:
// it is up when start() resolves, SIGKILL leaves nothing listening, a restart comes back on
// the same port, its output is kept across restarts, Node flags reach the process, and a
// server that cannot start fails start() with its own words.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startApiChild, type ChildServer } from '../src/child/index.ts';

/** A PostgreSQL strategy and no rate limits: the child needs nothing of Redis. */
const ENV = {
  BOOKING_STRATEGY: 'pessimistic',
  ADMIN_TOKEN: 'child-test-admin-token-0123456789',
  RATE_LIMIT_PER_SECOND: '0',
  RATE_LIMIT_IP_PER_SECOND: '0',
  LOG_LEVEL: 'info',
  PG_POOL_SIZE: '2',
};

const children: ChildServer[] = [];
after(async () => {
  await Promise.all(children.map((child) => child.kill()));
});

async function start(env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<ChildServer> {
  const child = await startApiChild({ ...ENV, ...env }, { nodeArgs });
  children.push(child);
  return child;
}

const listening = (child: ChildServer) => child.output.filter((line) => line.includes('"msg":"listening"')).length;

test('SIGKILL, then a restart on the same port; SIGTERM stops it with exit code 0; the output spans both runs', async () => {
  const api = await start();
  assert.equal(api.baseUrl, `http://127.0.0.1:${api.port}`);
  assert.equal((await fetch(`${api.baseUrl}/readyz`)).status, 200, 'ready when start() resolves');
  const firstPid = api.pid;
  assert.equal(typeof firstPid, 'number');
  assert.equal(listening(api), 1);

  assert.equal(await api.kill(), null, 'killed by a signal: no exit code');
  assert.equal(api.running, false);
  assert.equal(api.pid, undefined);
  await assert.rejects(fetch(`${api.baseUrl}/healthz`), 'nothing listens after SIGKILL');

  await api.restart();
  assert.equal(api.starts, 2);
  assert.notEqual(api.pid, firstPid);
  assert.equal((await fetch(`${api.baseUrl}/readyz`)).status, 200, 'back on the same port');
  assert.equal(listening(api), 2, 'the first run’s lines are still there');

  const exited = api.exited;
  assert.equal(await api.stop('SIGTERM'), 0, 'a drained shutdown');
  assert.equal(await exited, 0);
  assert.equal(await api.stop(), 0, 'stopping a stopped child answers its exit code again');
  assert.ok(api.output.some((line) => line.includes('"msg":"stopped"')));
});

test('Node flags reach the child: --cpu-prof writes a profile when it stops', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'seatgrid-child-prof-'));
  try {
    const api = await start({ LOG_LEVEL: 'warn' }, ['--cpu-prof', '--cpu-prof-dir', dir]);
    assert.equal(await api.stop(), 0);
    const files = await readdir(dir);
    assert.equal(files.filter((file) => file.endsWith('.cpuprofile')).length, 1, files.join(', '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a server that cannot start: start() rejects with its own words, and nothing is left running', async () => {
  await assert.rejects(startApiChild({ ...ENV, BOOKING_STRATEGY: 'yolo' }), (error: Error) => {
    assert.match(error.message, /server\.ts exited with 1/);
    assert.match(error.message, /BOOKING_STRATEGY/, 'the tail of its output is in the error');
    return true;
  });
});
