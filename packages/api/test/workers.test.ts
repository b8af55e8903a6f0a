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

/** The value of an unlabelled gauge in Prometheus text; NaN when absent. */
function gaugeValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

test('WORKERS=2: two processes serve one port, /metrics sums them, a killed worker is replaced while the other answers, SIGTERM drains both', async () => {
  // The address limit is off: every request here comes from 127.0.0.1.
  const server = await startApiChild({ ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info', WORKERS: '2', RATE_LIMIT_IP_PER_SECOND: '0' });
  servers.push(server);
  await until('both workers to listen', async () => logsOf(server).find((line) => line.msg === 'every worker listening'));
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<FreshAnswer> =>
    freshRequest(server.baseUrl, method, path, headers, body);
  const created = await call('POST', '/events', { authorization: `Bearer ${ADMIN}` }, { name: 'two workers', rows: 5, cols: 40 });
  assert.equal(created.status, 201);
  const eventId = created.body.id as string;

  // Connections go to whichever worker is free to take one: claim in rounds until both served.
  // A worker's request line reaches our pipe after its answer reaches us: wait for each round's.
  const bookingPids = async (count: number) =>
    new Set(
      (
        await until(`${count} claims to be logged`, async () => {
          const lines = logsOf(server).filter((line) => line.path?.endsWith('/bookings'));
          return lines.length >= count ? lines : undefined;
        })
      ).map((line) => line.pid),
    );
  let granted = 0;
  let servingPids = new Set<number | undefined>();
  for (let round = 0; round < 10 && servingPids.size < 2; round++) {
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call('POST', `/events/${eventId}/bookings`, { 'x-user-id': `buyer-${round}-${i}` }, { quantity: 1 }),
      ),
    );
    assert.deepEqual(
      claims.map((answer) => answer.status),
      Array(10).fill(201),
    );
    granted += claims.length;
    servingPids = await bookingPids(granted);
  }
  assert.equal(servingPids.size, 2, 'both workers answered claims');
  for (let scrape = 0; scrape < 4; scrape++) {
    const metrics = await call('GET', '/metrics');
    const counted = counterSum(metrics.body.text as string, 'seatgrid_decisions_total', 'outcome="granted"');
    assert.equal(counted, granted, 'whichever worker answers, the count is both workers’');
    assert.equal(gaugeValue(metrics.body.text as string, 'seatgrid_api_processes'), 2, 'both workers count themselves as serving');
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
  const replaced = await call('GET', '/metrics');
  assert.equal(
    gaugeValue(replaced.body.text as string, 'seatgrid_api_processes'),
    2,
    'the dead worker no longer counts, its replacement does',
  );

  assert.equal(await server.stop('SIGTERM'), 0);
  const messages = logsOf(server).map((line) => line.msg);
  assert.equal(messages.filter((msg) => msg === 'stopped').length, 2, 'both living workers drained');
  assert.ok(messages.includes('every worker stopped'));
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
