// GET /events/:eventId/seats/stream: the live seat map as Server-Sent Events, against the
// real API on real Redis and PostgreSQL. A second SeatGrid on the same servers reloads events
// (what another process, or the reconciler, does) to make the stream reset.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createSeatGrid } from '@seatgrid/admission';
import { startApiChild } from '../src/child/index.ts';
import { ADMIN_TOKEN, startApi, testConfig, type RunningApi } from './harness.ts';
import { expectJson, expectProblem, hold, seat, seatMap, until, user } from './http-assertions.ts';
import { dataOf, openStream, type SseMessage, type SseStream } from './sse-client.ts';

interface SnapshotData {
  version: number;
  rows: number;
  cols: number;
  available: number;
  grid: string[];
}
interface SeatsData {
  version: number;
  seats: { state: '.' | 'H' | 'S'; indices: number[] }[];
}

const config = testConfig();
/** Another process's SeatGrid on the same Redis and PostgreSQL: it reloads events. */
const other = createSeatGrid({
  strategy: 'admission',
  database: { connectionString: config.databaseUrl, max: 2 },
  redis: config.redisUrl,
  metrics: false,
  sweeper: false,
  reconciler: false,
});
const streams: SseStream[] = [];
after(async () => {
  for (const stream of streams) stream.close();
  await other.close();
});

async function stream(api: RunningApi, eventId: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const opened = await openStream(`${api.baseUrl}/events/${eventId}/seats/stream`, headers);
  streams.push(opened);
  return opened;
}

/** A metric's value from GET /metrics (0 when it has no sample yet). */
async function metric(api: RunningApi, name: string): Promise<number> {
  const text = await (await api.request('GET', '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

function assertSnapshot(message: SseMessage): SnapshotData {
  assert.equal(message.event, 'snapshot', JSON.stringify(message));
  const data = dataOf<SnapshotData>(message);
  assert.equal(message.id, String(data.version));
  return data;
}

function assertSeats(message: SseMessage): SeatsData {
  assert.equal(message.event, 'seats', JSON.stringify(message));
  const data = dataOf<SeatsData>(message);
  assert.equal(message.id, String(data.version));
  return data;
}

describe('the seat stream on the admission strategy', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission', { SSE_HEARTBEAT_MS: '100', RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' });
  });

  test('a snapshot first, then every change in order, each with id: the version after it', async () => {
    const event = await api.createEvent({ name: 'Stream', rows: 4, cols: 5 });
    const live = await stream(api, event.id);
    assert.equal(live.status, 200);
    assert.match(live.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(live.headers.get('cache-control'), 'no-cache');
    const first = assertSnapshot(await live.next());
    assert.deepEqual([first.rows, first.cols, first.available], [4, 5, 20]);
    assert.deepEqual(first.grid, ['.....', '.....', '.....', '.....']);

    const alice = user('alice');
    const held = await hold(api, event.id, alice, { seats: [seat(1, 1), seat(2, 3)] });
    const heldChange = assertSeats(await live.next());
    assert.ok(heldChange.version > first.version);
    assert.deepEqual(heldChange.seats, [{ state: 'H', indices: [0, 7] }]);

    await expectJson(await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice }), 200);
    const sold = assertSeats(await live.next());
    assert.ok(sold.version > heldChange.version);
    assert.deepEqual(sold.seats, [{ state: 'S', indices: [0, 7] }]);

    const bob = user('bob');
    const bobs = await hold(api, event.id, bob, { seats: [seat(4, 5)] });
    assert.equal(await api.request('DELETE', `/holds/${bobs.holdId}`, { headers: bob }).then((r) => r.status), 204);
    const bobHeld = assertSeats(await live.next());
    const bobFreed = assertSeats(await live.next());
    assert.deepEqual(bobHeld.seats, [{ state: 'H', indices: [19] }]);
    assert.deepEqual(bobFreed.seats, [{ state: '.', indices: [19] }]);
    assert.ok(bobFreed.version > bobHeld.version && bobHeld.version > sold.version);
    // The stream and the map agree on where the event is.
    assert.equal((await seatMap(api, event.id)).version, bobFreed.version);
  });

  test('Last-Event-ID resumes after that version, with no snapshot; an unknown or future one gets a snapshot', async () => {
    const event = await api.createEvent({ name: 'Resume', rows: 3, cols: 3 });
    const first = await stream(api, event.id);
    const start = assertSnapshot(await first.next());
    const alice = user('alice');
    await hold(api, event.id, alice, { seats: [seat(1, 1)] });
    await hold(api, event.id, alice, { seats: [seat(3, 3)] });
    const one = assertSeats(await first.next());
    const two = assertSeats(await first.next());
    first.close();

    const resumed = await stream(api, event.id, { 'last-event-id': String(start.version) });
    assert.equal(resumed.status, 200);
    assert.deepEqual(assertSeats(await resumed.next()), one);
    assert.deepEqual(assertSeats(await resumed.next()), two);
    await hold(api, event.id, alice, { seats: [seat(2, 2)] });
    assert.deepEqual(assertSeats(await resumed.next()).seats, [{ state: 'H', indices: [4] }]);

    for (const lastEventId of ['not-a-version', String(two.version + 1_000)]) {
      const fresh = await stream(api, event.id, { 'last-event-id': lastEventId });
      const snapshot = assertSnapshot(await fresh.next());
      assert.deepEqual(snapshot.grid, ['H..', '.H.', '..H'], lastEventId);
    }
  });

  test('a reload of the event sends a fresh snapshot, and the changes after it follow', async () => {
    const event = await api.createEvent({ name: 'Reload', rows: 2, cols: 4 });
    const live = await stream(api, event.id);
    const start = assertSnapshot(await live.next());
    await hold(api, event.id, user('alice'), { seats: [seat(1, 2)] });
    const held = assertSeats(await live.next());

    await other.hydrate(event.id);
    const reloaded = assertSnapshot(await live.next());
    assert.ok(reloaded.version > held.version && held.version > start.version);
    assert.deepEqual(reloaded.grid, ['.H..', '....']);

    await hold(api, event.id, user('bob'), { seats: [seat(2, 4)] });
    const after = assertSeats(await live.next());
    assert.ok(after.version > reloaded.version);
    assert.deepEqual(after.seats, [{ state: 'H', indices: [7] }]);
  });

  test('heartbeats: a comment line every SSE_HEARTBEAT_MS', async () => {
    const event = await api.createEvent({ name: 'Heartbeat', rows: 1, cols: 1 });
    const live = await stream(api, event.id);
    assertSnapshot(await live.next());
    await until('three heartbeats', async () => (live.comments.filter((c) => c === 'heartbeat').length >= 3 ? true : undefined), 10_000);
    assert.equal(live.messages.length, 1, 'heartbeats are comments, not messages');
  });

  test('an unknown event is 404, a malformed id 400, and neither keeps a slot', async () => {
    const before = await metric(api, 'seatgrid_sse_clients');
    await expectProblem(await api.request('GET', '/events/no-such-event/seats/stream'), 'event-not-found');
    await expectProblem(await api.request('GET', '/events/bad!id/seats/stream'), 'invalid-input');
    assert.equal(await metric(api, 'seatgrid_sse_clients'), before);
  });
});

describe('SSE_MAX_CLIENTS and seatgrid_sse_clients', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission', { SSE_MAX_CLIENTS: '2' });
  });

  test('past the cap: 503 too-many-streams with Retry-After; a client that goes frees its slot', async () => {
    const event = await api.createEvent({ name: 'Cap', rows: 2, cols: 2 });
    assert.equal(await metric(api, 'seatgrid_sse_clients'), 0);
    const a = await stream(api, event.id);
    const b = await stream(api, event.id);
    assertSnapshot(await a.next());
    assertSnapshot(await b.next());
    assert.equal(await metric(api, 'seatgrid_sse_clients'), 2);

    const refused = await api.request('GET', `/events/${event.id}/seats/stream`);
    assert.equal(refused.headers.get('retry-after'), '5');
    await expectProblem(refused, 'too-many-streams');

    a.close();
    await until('the slot back', async () => ((await metric(api, 'seatgrid_sse_clients')) === 1 ? true : undefined));
    const c = await stream(api, event.id);
    assert.equal(c.status, 200);
    assertSnapshot(await c.next());
    b.close();
    c.close();
    await until('every slot back', async () => ((await metric(api, 'seatgrid_sse_clients')) === 0 ? true : undefined));
  });
});

describe('a client that does not read', () => {
  let api: RunningApi;
  before(async () => {
    // A 1 MB map read racing a 1M-seat reload can pass the default 250 ms breaker timeout on a
    // loaded machine: the snapshot would then come from PostgreSQL and the stream end, not drop.
    api = await startApi('admission', { SSE_MAX_BUFFER_BYTES: '65536', BREAKER_TIMEOUT_MS: '30000' });
  });

  test('is dropped once its unsent bytes pass the limit (beyond its last snapshot), never buffered without bound', async () => {
    // A 1,000 × 1,000 event: each snapshot is about 1 MB, and each reload sends one.
    const event = await api.createEvent({ name: 'Slow', rows: 1_000, cols: 1_000 });
    const port = Number(new URL(api.baseUrl).port);
    const sockets: Socket[] = [];
    /** A stream whose client never reads: paused, never resumed, the kernel's buffers fill, then the server's. */
    const openUnread = async () => {
      const socket = connect(port, '127.0.0.1');
      socket.pause();
      socket.on('error', () => {});
      sockets.push(socket);
      socket.write(`GET /events/${event.id}/seats/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      await until('the stream open', async () => ((await metric(api, 'seatgrid_sse_clients')) === 1 ? true : undefined));
    };
    await openUnread();
    let reloads = 0;
    let ended = 0;
    await until(
      'the slow client dropped',
      async () => {
        // Read before the drop count: a drop between the two reads is then still seen as one.
        const open = await metric(api, 'seatgrid_sse_clients');
        if ((await metric(api, 'seatgrid_sse_dropped_total')) === 1) return true;
        if (open === 0) {
          // A resync that cannot read a current snapshot (reloads back to back on a loaded
          // machine) ends the stream, and EventSource reconnects: so does this client, unread.
          ended++;
          assert.ok(ended < 3, `${ended} streams ended without a drop, after ${reloads} reloads`);
          await openUnread();
          return undefined;
        }
        assert.ok(reloads < 40, `still connected after ${reloads} reloads`);
        await other.hydrate(event.id);
        reloads++;
        return undefined;
      },
      120_000,
    );
    await until('its slot back', async () => ((await metric(api, 'seatgrid_sse_clients')) === 0 ? true : undefined));
    for (const socket of sockets) socket.destroy();
    assert.ok(reloads >= 1, 'one snapshot alone is within the allowance');
    console.log(`dropped after ${reloads} reloads (${ended} streams ended without a drop before)`);
  });
});

describe('on a PostgreSQL strategy', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('pessimistic');
  });

  test('the stream answers 501 stream-needs-admission; the map is there to poll', async () => {
    const event = await api.createEvent({ name: 'No stream', rows: 1, cols: 2 });
    const body = await expectProblem(await api.request('GET', `/events/${event.id}/seats/stream`), 'stream-needs-admission');
    assert.match(body.detail ?? '', /BOOKING_STRATEGY=admission/);
    assert.equal((await seatMap(api, event.id)).grid.join(''), '..');
  });
});

describe('the server process', () => {
  test('SIGTERM ends the open streams, so the server drains and exits 0; the clients see the end', async () => {
    const server = await startApiChild({ ADMIN_TOKEN, LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '60000' });
    try {
      const created = await fetch(`${server.baseUrl}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ name: 'Shutdown', rows: 1, cols: 3 }),
      });
      const { id } = (await created.json()) as { id: string };
      const open = await Promise.all([1, 2, 3].map(() => openStream(`${server.baseUrl}/events/${id}/seats/stream`)));
      for (const live of open) assertSnapshot(await live.next());
      // Held up by its streams, it would still be draining when SIGKILL comes (exit code null).
      assert.equal(await server.stop('SIGTERM', 10_000), 0);
      await Promise.all(open.map((live) => live.ended));
    } finally {
      await server.kill();
    }
  });
});
