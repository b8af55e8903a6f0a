// CORS_ORIGINS: listed origins get CORS headers (preflights answered 204, the headers a client
// reads exposed); unlisted origins, and every origin when the list is empty, get none at all.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { startApi, type RunningApi } from './harness.ts';
import { user } from './http-assertions.ts';

const LISTED = 'https://tickets.example';
const ALSO_LISTED = 'http://127.0.0.1:5173';
const UNLISTED = 'https://evil.example';
const REQUEST_HEADERS = [
  'content-type',
  'authorization',
  'x-user-id',
  'idempotency-key',
  'admission-token',
  'last-event-id',
  'if-none-match',
];
const EXPOSED = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'x-request-id', 'etag', 'location'];

const list = (value: string | null) => (value ?? '').split(',').map((item) => item.trim().toLowerCase());
const corsHeaders = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

function preflight(api: RunningApi, origin: string, method: string, headers: string): Promise<Response> {
  return fetch(`${api.baseUrl}/events/gig-1/holds`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

describe('CORS with CORS_ORIGINS set', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission', { CORS_ORIGINS: `${LISTED}, ${ALSO_LISTED}` });
  });

  test("a listed origin's preflight: 204 with the methods and every request header the API reads", async () => {
    for (const origin of [LISTED, ALSO_LISTED]) {
      const response = await preflight(api, origin, 'POST', 'content-type, x-user-id, idempotency-key');
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), origin);
      assert.deepEqual(list(response.headers.get('access-control-allow-methods')).sort(), ['delete', 'get', 'head', 'post']);
      assert.deepEqual(list(response.headers.get('access-control-allow-headers')).sort(), [...REQUEST_HEADERS].sort());
      assert.ok(Number(response.headers.get('access-control-max-age')) > 0);
      assert.ok(list(response.headers.get('vary')).includes('origin'));
      assert.equal(response.headers.get('access-control-allow-credentials'), null, 'no credentials: callers name themselves in headers');
      assert.equal(await response.text(), '');
    }
  });

  test("a listed origin's request: its origin allowed and the headers a client reads exposed, on answers and problems alike", async () => {
    const event = await api.createEvent({ name: 'CORS', rows: 1, cols: 2 });
    const granted = await api.request('POST', `/events/${event.id}/holds`, {
      body: { quantity: 1 },
      headers: { origin: LISTED, ...user('alice') },
    });
    assert.equal(granted.status, 201);
    assert.equal(granted.headers.get('access-control-allow-origin'), LISTED);
    assert.deepEqual(list(granted.headers.get('access-control-expose-headers')).sort(), [...EXPOSED].sort());
    assert.ok(list(granted.headers.get('vary')).includes('origin'));

    const problem = await api.request('GET', '/events/no-such-event', { headers: { origin: LISTED } });
    assert.equal(problem.status, 404);
    assert.equal(problem.headers.get('access-control-allow-origin'), LISTED, 'a browser may read the problem too');

    const seats = await api.request('GET', `/events/${event.id}/seats`, { headers: { origin: ALSO_LISTED } });
    assert.equal(seats.headers.get('access-control-allow-origin'), ALSO_LISTED);
    assert.ok(list(seats.headers.get('access-control-expose-headers')).includes('etag'));
  });

  test('an unlisted origin gets no CORS header at all, on a preflight or a request', async () => {
    const refused = await preflight(api, UNLISTED, 'POST', 'content-type, x-user-id');
    assert.deepEqual(corsHeaders(refused), []);
    await refused.body?.cancel();
    const request = await api.request('GET', '/healthz', { headers: { origin: UNLISTED } });
    assert.equal(request.status, 200);
    assert.deepEqual(corsHeaders(request), []);
    // A prefix or a variant of a listed origin is another origin.
    for (const origin of [`${LISTED}.evil.example`, 'http://tickets.example', `${LISTED}:443`, 'null']) {
      const response = await api.request('GET', '/healthz', { headers: { origin } });
      assert.deepEqual(corsHeaders(response), [], origin);
    }
  });

  test('a request without Origin (not from a browser) is served as ever, without CORS headers', async () => {
    const response = await api.request('GET', '/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(corsHeaders(response), []);
  });
});

describe('CORS without CORS_ORIGINS (the default)', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission');
  });

  test('no origin gets CORS headers', async () => {
    const refused = await preflight(api, LISTED, 'POST', 'content-type');
    assert.deepEqual(corsHeaders(refused), []);
    await refused.body?.cancel();
    const response = await api.request('GET', '/healthz', { headers: { origin: LISTED } });
    assert.deepEqual(corsHeaders(response), []);
  });
});

describe('CORS_ORIGINS is checked at start', () => {
  test('each entry must be an origin as browsers send it; blanks are ignored', () => {
    assert.deepEqual(loadConfig({ CORS_ORIGINS: ` ${LISTED} ,, ${ALSO_LISTED} ` }).corsOrigins, [LISTED, ALSO_LISTED]);
    assert.deepEqual(loadConfig({}).corsOrigins, []);
    for (const bad of [`${LISTED}/`, `${LISTED}/path`, 'tickets.example', '*', 'https://TICKETS.example']) {
      assert.throws(() => loadConfig({ CORS_ORIGINS: bad }), /CORS_ORIGINS/, bad);
    }
  });
});
