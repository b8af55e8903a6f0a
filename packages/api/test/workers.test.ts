import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { API_SERVER_SCRIPT, startApiChild, type ChildServer } from '../src/child/index.ts';
import { freshRequest, type FreshAnswer } from './support.ts';
import { until } from './http-assertions.ts';

const ADMIN = 'workers-test-token-0123456789';
const servers: ChildServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.kill()));
});

interface LogLine {
  readonly msg?: string;
  readonly pid?: number;
  readonly worker?: number;
  readonly path?: string;
}

function logsOf(server: ChildServer): LogLine[] {
  return server.output.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as LogLine] : []));
}

/** The sum of a counter's samples whose labels include `match`, in Prometheus text. */
function counterSum(text: string, name: string, match: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(match))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

test('WORKERS=2: two processes serve one port, /metrics sums them, a killed worker is replaced while the other answers, SIGTERM drains both', async () => {
  // The address limit is off: every request here comes from 127.0.0.1.
  const server = await startApiChild({ ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info', WORKERS: '2', RATE_LIMIT_IP_PER_SECOND: '0' });
  servers.push(server);
  await until('both workers to listen', async () => logsOf(server).find((line) => line.msg === 'every worker listening'));
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<FreshAnswer> =>
    freshRequest(server.baseUrl, method, path, headers, body);
  const created = await call('POST', '/events', { authorization: `Bearer ${ADMIN}` }, { name: 'two workers', rows: 1, cols: 40 });
  assert.equal(created.status, 201);
  const eventId = created.body.id as string;

  const claims = await Promise.all(
    Array.from({ length: 20 }, (_, i) => call('POST', `/events/${eventId}/bookings`, { 'x-user-id': `buyer-${i}` }, { quantity: 1 })),
  );
  assert.deepEqual(
    claims.map((answer) => answer.status),
    Array(20).fill(201),
  );
  const servingPids = new Set(logsOf(server).flatMap((line) => (line.path?.endsWith('/bookings') ? [line.pid] : [])));
  assert.equal(servingPids.size, 2, 'both workers answered claims');
  for (let scrape = 0; scrape < 4; scrape++) {
    const metrics = await call('GET', '/metrics');
    const granted = counterSum(metrics.body.text as string, 'seatgrid_decisions_total', 'outcome="granted"');
    assert.equal(granted, 20, 'whichever worker answers, the count is both workers’');
  }

  const [victim] = servingPids;
  process.kill(victim as number, 'SIGKILL');
  await until('the primary to notice', async () => logsOf(server).find((line) => line.msg === 'a worker died; starting another'));
  const during = await Promise.all(Array.from({ length: 10 }, () => call('GET', `/events/${eventId}`)));
  assert.deepEqual(
    during.map((answer) => answer.status),
    Array(10).fill(200),
    'the other worker answers every request',
  );
  await until('a third worker to listen', async () => logsOf(server).find((line) => line.msg === 'listening' && line.worker === 3));

  assert.equal(await server.stop('SIGTERM'), 0);
  const messages = logsOf(server).map((line) => line.msg);
  assert.equal(messages.filter((msg) => msg === 'stopped').length, 2, 'both living workers drained');
  assert.ok(messages.includes('every worker stopped'));
});

// node:cluster's round-robin (the default) passes each new connection to a worker as a raw
// handle and keeps it until the worker says it took it; a worker that dies first never says,
// and the connection stays open in the primary, its client waiting. Known, not fixed yet: the
// fixes change how connections reach the workers (see the chaos worker-killed scenario).
test('workers SIGKILLed under load: every request is answered or loses its connection, none is left hanging', {
  todo: "node:cluster's round-robin leaves a connection handed to a dying worker open",
}, async () => {
  const server = await startApiChild({ ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info', WORKERS: '2', RATE_LIMIT_IP_PER_SECOND: '0' });
  servers.push(server);
  await until('both workers to listen', async () => logsOf(server).find((line) => line.msg === 'every worker listening'));
  const created = await freshRequest(
    server.baseUrl,
    'POST',
    '/events',
    { authorization: `Bearer ${ADMIN}` },
    { name: 'kills', rows: 1, cols: 4 },
  );
  const path = `/events/${created.body.id as string}`;

  // Fresh connections all along: a connection being handed to a worker as it dies is the case.
  const outcomes = { answered: 0, failed: 0, hung: 0 };
  const HUNG_MS = 8_000;
  let loading = true;
  const one = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HUNG_MS)));
    const answer = freshRequest(server.baseUrl, 'GET', path).then(
      (res) => (res.status === 200 ? 'answered' : 'failed'),
      () => 'failed' as const,
    );
    outcomes[await Promise.race([answer, hung])]++;
    clearTimeout(timer);
  };
  const load = Promise.all(
    Array.from({ length: 16 }, async () => {
      while (loading) await one();
    }),
  );
  for (let kill = 1; kill <= 3; kill++) {
    const victim = logsOf(server).findLast((line) => line.msg === 'listening')?.pid;
    process.kill(victim as number, 'SIGKILL');
    // Its replacement is worker 2 + kill: the next kill needs two listening workers again.
    await until(`replacement ${kill} to listen`, async () =>
      logsOf(server).find((line) => line.msg === 'listening' && line.worker === 2 + kill),
    );
  }
  loading = false;
  await load;
  assert.equal(outcomes.hung, 0, `requests left hanging: ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.answered > 0);
});

test('a worker that cannot start stops the whole server (exit 1) rather than forking forever', async () => {
  const child = spawn(process.execPath, [API_SERVER_SCRIPT], {
    // Nothing listens on port 9: every worker fails its migration.
    env: { ...process.env, WORKERS: '2', PORT: '0', DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(output, /a worker died before it listened/);
  assert.equal((output.match(/"msg":"supervising workers"/g) ?? []).length, 1, 'no second round of forks');
});
