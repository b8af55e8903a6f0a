import { setTimeout as sleep } from 'node:timers/promises';
// POST /holds/:holdId/extend on the real app, PostgreSQL and Redis: one hold time on from now,
// never past twice the hold time after the hold was made (409 extension-limit at the cap), never
// after expiry (410), for the owner only (404 to anyone else), not for a booking; an offer of
// the waitlist extends by its offer time and shows it on its entry.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { z } from 'zod';
import { holdExtensionResponse } from '../src/schemas.ts';
import { startApi, type RunningApi } from './harness.ts';
import { book, expectJson, expectProblem, hold, until, user } from './http-assertions.ts';
import { openTestStore } from './support.ts';

type Extension = z.infer<typeof holdExtensionResponse>;

describe('POST /holds/:holdId/extend', () => {
  let api: RunningApi;
  const store = openTestStore();
  before(async () => {
    api = await startApi('admission', { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' });
  });

  const extend = (holdId: string, who: Record<string, string>) => api.request('POST', `/holds/${holdId}/extend`, { headers: who });

  test('extends one hold time on from now, up to twice the hold time after it was made; then 409 extension-limit', async () => {
    const event = await api.createEvent({ name: 'Extend', rows: 1, cols: 2, holdTtlSeconds: 2 });
    const who = user('keeper');
    const granted = await hold(api, event.id, who, { quantity: 1 });
    const made = (await store.grid.findHold(granted.holdId))?.createdAt;
    assert.ok(made !== undefined);
    const cap = made.getTime() + 2 * 2_000;
    let last = Date.parse(granted.expiresAt);
    // Extending as time passes: each answer is later than the last, and never past the cap.
    const atCap = await until(
      'the cap',
      async () => {
        const response = await extend(granted.holdId, who);
        if (response.status === 409) return expectProblem(response, 'extension-limit');
        const extended = await expectJson<Extension>(response, 200);
        assert.ok(holdExtensionResponse.strict().safeParse(extended).success);
        assert.equal(extended.holdId, granted.holdId);
        const expiresAt = Date.parse(extended.expiresAt);
        assert.ok(expiresAt > last, 'an extension moves the expiry on');
        assert.ok(expiresAt <= cap, `never past the cap: ${extended.expiresAt}`);
        last = expiresAt;
        await sleep(100);
        return undefined;
      },
      10_000,
    );
    assert.match(atCap.detail ?? '', /twice/);
    assert.equal(last, cap, 'the last extension reached the cap exactly');
    // Still held until then, and confirmable.
    assert.equal(
      (await expectJson<{ bookingId: string }>(await api.request('POST', `/holds/${granted.holdId}/confirm`, { headers: who }), 200))
        .bookingId,
      granted.holdId,
    );
    await expectProblem(await extend(granted.holdId, who), 'wrong-state');
  });

  test('after expiry: 410 hold-expired', async () => {
    const event = await api.createEvent({ name: 'Lapse', rows: 1, cols: 1, holdTtlSeconds: 1 });
    const who = user('late');
    const granted = await hold(api, event.id, who, { quantity: 1 });
    await until('the hold expired', async () => {
      const response = await extend(granted.holdId, who);
      if (response.status === 410) return expectProblem(response, 'hold-expired');
      // Until then it extends (up to its cap of 2 s): wait for the expiry past the cap.
      assert.ok(response.status === 200 || response.status === 409, `status ${response.status}`);
      await response.body?.cancel();
      return undefined;
    });
  });

  test('strangers, unknown ids and bookings', async () => {
    const event = await api.createEvent({ name: 'Mine', rows: 1, cols: 2 });
    const [owner, stranger] = [user('owner'), user('stranger')];
    const granted = await hold(api, event.id, owner, { quantity: 1 });
    await expectProblem(await extend(granted.holdId, stranger), 'hold-not-found');
    await expectProblem(await extend('no-such-hold', owner), 'hold-not-found');
    await expectProblem(await extend('bad id!', owner), 'invalid-input');
    const booking = await book(api, event.id, owner, { quantity: 1 });
    await expectProblem(await extend(booking.bookingId, owner), 'wrong-state');
    // The stranger's attempt changed nothing: the owner extends it.
    assert.equal((await expectJson<Extension>(await extend(granted.holdId, owner), 200)).holdId, granted.holdId);
  });

  test('a waitlist offer extends by the offer time, and its entry shows the new expiry', async () => {
    const event = await api.createEvent({ name: 'Offer', rows: 1, cols: 1, waitlistOfferSeconds: 30 });
    const buyer = user('buyer');
    const booking = await book(api, event.id, buyer, { quantity: 1 });
    const waiter = user('waiter');
    const entry = await expectJson<{ entryId: string }>(
      await api.request('POST', `/events/${event.id}/waitlist`, { body: { quantity: 1 }, headers: waiter }),
      201,
    );
    assert.equal((await api.request('DELETE', `/bookings/${booking.bookingId}`, { headers: buyer })).status, 204);
    const offered = await until('the offer', async () => {
      const read = await expectJson<{ status: string; holdId?: string; offerExpiresAt?: string }>(
        await api.request('GET', `/waitlist/${entry.entryId}`, { headers: waiter }),
        200,
      );
      return read.status === 'offered' ? read : undefined;
    });
    const extended = await expectJson<Extension>(await extend(offered.holdId as string, waiter), 200);
    assert.ok(Date.parse(extended.expiresAt) > Date.parse(offered.offerExpiresAt as string));
    const made = (await store.grid.findHold(offered.holdId as string))?.createdAt.getTime() ?? 0;
    assert.ok(Date.parse(extended.expiresAt) <= made + 2 * 30_000);
    const read = await expectJson<{ offerExpiresAt?: string }>(
      await api.request('GET', `/waitlist/${entry.entryId}`, { headers: waiter }),
      200,
    );
    assert.equal(read.offerExpiresAt, extended.expiresAt);
  });
});
