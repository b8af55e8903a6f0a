// AUTH_JWT_SECRET: the caller is the verified `sub` of an HS256 JWT and X-User-Id is ignored.
// Every bad token gets the same 401 and claims nothing; the admin token still creates events.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { ADMIN_TOKEN, startApi, type RunningApi } from './harness.ts';
import { expectJson, expectProblem, hold, seat, seatMap, userRoutes } from './http-assertions.ts';
import {
  forgedToken,
  JWT_AUDIENCE,
  JWT_ENV,
  JWT_ISSUER,
  JWT_SECRET,
  nowSeconds,
  signToken,
  tokenUser,
  unsignedToken,
} from './jwt-tokens.ts';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('JWT identity (AUTH_JWT_SECRET set)', () => {
  let api: RunningApi;

  before(async () => {
    api = await startApi('admission', JWT_ENV);
  });

  test('a valid token: the caller is its sub, whatever X-User-Id says', async () => {
    const event = await api.createEvent({ name: 'Jwt identity', rows: 1, cols: 4, maxSeatsPerUser: 1 });
    const alice = await tokenUser('alice');
    const mallory = await tokenUser('mallory');
    const held = await hold(api, event.id, { ...alice.headers, 'x-user-id': mallory.id }, { seats: [seat(1, 1)] });
    // Alice under another X-User-Id is still Alice: her one-seat limit is used up.
    const again = await api.request('POST', `/events/${event.id}/holds`, {
      body: { quantity: 1 },
      headers: { ...alice.headers, 'x-user-id': 'someone-new' },
    });
    assert.equal((await expectProblem(again, 'user-limit')).limit, 1);
    // Mallory naming Alice in X-User-Id gets nothing of Alice's.
    const spoof = { ...mallory.headers, 'x-user-id': alice.id };
    await expectProblem(await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: spoof }), 'hold-not-found');
    await expectProblem(await api.request('DELETE', `/holds/${held.holdId}`, { headers: spoof }), 'hold-not-found');
    assert.deepEqual((await seatMap(api, event.id)).grid, ['H...']);
    // Without a token, X-User-Id alone is no identity.
    await expectProblem(
      await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: { 'x-user-id': alice.id } }),
      'unauthenticated',
    );
    const confirmed = await expectJson<{ status: string }>(
      await api.request('POST', `/holds/${held.holdId}/confirm`, { headers: alice.headers }),
      200,
    );
    assert.equal(confirmed.status, 'confirmed');
    assert.deepEqual((await seatMap(api, event.id)).grid, ['S...']);
  });

  test('every bad token is the same 401 unauthenticated, with WWW-Authenticate, and changes nothing', async () => {
    const event = await api.createEvent({ name: 'Jwt refused', rows: 1, cols: 3 });
    const owner = await tokenUser('owner');
    const held = await hold(api, event.id, owner.headers, { seats: [seat(1, 1)] });
    const sub = owner.id;
    const now = nowSeconds();
    const refused: [string, Record<string, string>][] = [
      ['no Authorization', {}],
      ['X-User-Id only', { 'x-user-id': sub }],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['not a JWT', bearer('not-a-jwt')],
      ['lower-case scheme', { authorization: `bearer ${await signToken(sub)}` }],
      ['Basic scheme', { authorization: `Basic ${Buffer.from(`${sub}:x`).toString('base64')}` }],
      ['the admin token', bearer(ADMIN_TOKEN)],
      ['forged signature', bearer(await forgedToken(sub))],
      ['signed with another secret', bearer(await signToken(sub, { secret: `${JWT_SECRET}-but-not-quite` }))],
      ['alg: none', bearer(unsignedToken(sub))],
      ['alg: HS512 with the right secret', bearer(await signToken(sub, { alg: 'HS512' }))],
      ['expired', bearer(await signToken(sub, { claims: { iat: now - 7_200, exp: now - 3_600 } }))],
      ['not yet valid (nbf)', bearer(await signToken(sub, { claims: { nbf: now + 3_600 } }))],
      ['wrong audience', bearer(await signToken(sub, { claims: { aud: 'another-api' } }))],
      ['wrong issuer', bearer(await signToken(sub, { claims: { iss: 'https://evil.test' } }))],
      ['no exp', bearer(await signToken(sub, { claims: { exp: undefined } }))],
      ['no sub', bearer(await signToken(undefined))],
      ['a number for sub', bearer(await signToken(42))],
      ['sub of 129 characters', bearer(await signToken('u'.repeat(129)))],
      ['sub with a control character', bearer(await signToken('a\u0001b'))],
    ];
    for (const [label, headers] of refused) {
      for (const [method, path, body] of userRoutes(event.id, held.holdId)) {
        const response = await api.request(method, path, { ...(body === undefined ? {} : { body }), headers });
        const challenge = response.headers.get('www-authenticate');
        const problem = await expectProblem(response, 'unauthenticated');
        // RFC 6750 §3.1: an error code only when a bearer token was sent.
        const tokenSent = /^Bearer \S/.test(headers.authorization ?? '');
        assert.equal(challenge, tokenSent ? 'Bearer error="invalid_token"' : 'Bearer', `${label}: ${method} ${path}`);
        // One answer for every failure: nothing tells a forgery from an expiry.
        assert.equal(problem.detail, 'send Authorization: Bearer <a valid, unexpired JWT>', label);
      }
    }
    assert.deepEqual((await seatMap(api, event.id)).grid, ['H..']);
    assert.equal((await api.request('DELETE', `/holds/${held.holdId}`, { headers: owner.headers })).status, 204);
  });

  test('the admin token still creates events; a user JWT does not', async () => {
    const created = await api.request('POST', '/events', {
      body: { name: 'Admin with JWT on', rows: 1, cols: 1 },
      headers: bearer(ADMIN_TOKEN),
    });
    assert.equal(created.status, 201);
    await created.body?.cancel();
    const user = await tokenUser('would-be-admin');
    const refused = await api.request('POST', '/events', { body: { name: 'Not admin', rows: 1, cols: 1 }, headers: user.headers });
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
    await expectProblem(refused, 'unauthorized');
  });

  test('issuer and audience are optional: without them any iss and aud pass, exp still counts', async () => {
    const plain = await startApi('admission', { AUTH_JWT_SECRET: JWT_SECRET });
    const event = await plain.createEvent({ name: 'Jwt plain', rows: 1, cols: 2 });
    const token = await signToken('plain-user', { claims: { iss: undefined, aud: undefined } });
    await hold(plain, event.id, bearer(token), { seats: [seat(1, 1)] });
    const other = await signToken('other-user', { claims: { iss: 'anyone', aud: 'anything' } });
    await hold(plain, event.id, bearer(other), { seats: [seat(1, 2)] });
    const expired = await signToken('late-user', { claims: { exp: nowSeconds() - 60 } });
    await expectProblem(
      await plain.request('POST', `/events/${event.id}/holds`, { body: { quantity: 1 }, headers: bearer(expired) }),
      'unauthenticated',
    );
  });
});

describe('without AUTH_JWT_SECRET', () => {
  test('X-User-Id is the caller and a JWT is no identity', async () => {
    const api = await startApi('admission');
    const event = await api.createEvent({ name: 'No jwt', rows: 1, cols: 2 });
    const token = await signToken('jwt-user');
    const p = await expectProblem(
      await api.request('POST', `/events/${event.id}/holds`, { body: { quantity: 1 }, headers: bearer(token) }),
      'invalid-input',
    );
    assert.equal(p.field, 'X-User-Id');
    await hold(api, event.id, { ...bearer(token), 'x-user-id': 'header-user' }, { quantity: 1 });
  });
});

test('configuration: a short secret, issuer or audience without a secret, or the admin token reused, are refused', () => {
  const base = { ADMIN_TOKEN };
  assert.throws(
    () => loadConfig({ ...base, AUTH_JWT_SECRET: 'x'.repeat(31) }),
    /AUTH_JWT_SECRET: AUTH_JWT_SECRET must be at least 32 characters/,
  );
  assert.throws(() => loadConfig({ ...base, AUTH_JWT_ISSUER: JWT_ISSUER }), /AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE need AUTH_JWT_SECRET/);
  assert.throws(() => loadConfig({ ...base, AUTH_JWT_AUDIENCE: JWT_AUDIENCE }), /need AUTH_JWT_SECRET/);
  const reused = 'r'.repeat(40);
  assert.throws(() => loadConfig({ ADMIN_TOKEN: reused, AUTH_JWT_SECRET: reused }), /AUTH_JWT_SECRET must differ from ADMIN_TOKEN/);
  const config = loadConfig({ ...base, ...JWT_ENV });
  assert.deepEqual([config.jwtSecret, config.jwtIssuer, config.jwtAudience], [JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE]);
  assert.equal(loadConfig(base).jwtSecret, undefined);
});
