import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import {
  IdempotencyMismatchError,
  EventNotFoundError,
  InvalidInputError,
  seatMapRows,
  type ClaimGranted,
  type ClaimResult,
  type EventInfo,
  type NewEvent,
  type PostgresSeatGrid,
  type Seat,
} from '@seatgrid/admission';
import {
  databaseUrl,
  eventually,
  newGate,
  POOL_SIZE,
  postgresGrid,
  randomSeats,
  seatKey,
  seeded,
  testDatabase,
  uniqueEventId,
} from './support.ts';

interface Subject {
  readonly name: 'naive' | 'pessimistic' | 'optimistic';
  /** Each strategy on its own pool: a burst on one never waits for another's connections. */
  readonly strategy: PostgresSeatGrid;
}

async function subject(name: Subject['name']): Promise<Subject> {
  // The bursts below queue thousands of claims on a few connections: on a loaded machine they
  // wait longer than the library's default 5 s for one. These tests check exclusivity, not waits.
  const database = { connectionString: databaseUrl, max: POOL_SIZE, connectionTimeoutMillis: 120_000 };
  return { name, strategy: await postgresGrid(name, { database }) };
}

const subjects: Subject[] = [await subject('naive'), await subject('pessimistic'), await subject('optimistic')];
const correct = subjects.filter((s) => s.name !== 'naive');
/** The test's own connection, for what it reads in PostgreSQL. */
const db = testDatabase();

async function newEvent(s: Subject, rows: number, cols: number, extra: Partial<NewEvent> = {}): Promise<EventInfo> {
  return s.strategy.createEvent({ eventId: uniqueEventId('pg'), name: 'test event', rows, cols, holdTtlMs: 600_000, ...extra });
}

function auditEvent(s: Subject, eventId: string) {
  return s.strategy.audit(eventId);
}

function grantsOf(results: readonly ClaimResult[]): ClaimGranted[] {
  return results.filter((r): r is ClaimGranted => r.ok);
}

function labels(seats: readonly Seat[]): string[] {
  return seats.map(seatKey);
}

function assertGranted(result: ClaimResult): ClaimGranted {
  assert.ok(result.ok, `expected a grant, got ${JSON.stringify(result)}`);
  return result;
}

/** Waits until the database clock is past the hold's expiry (the clock that decides it). */
async function waitPastExpiry(holdId: string): Promise<void> {
  await eventually(async () => {
    const { rows } = await sql<{ past: boolean }>`select now() > expires_at as past from seatgrid.holds where id = ${holdId}`.execute(db);
    return rows[0]?.past === true;
  }, 10_000);
}

async function holdCount(eventId: string): Promise<number> {
  const row = await db
    .selectFrom('holds')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function bestBurst(s: Subject, buyers: number, rows: number, cols: number) {
  const event = await newEvent(s, rows, cols);
  const results = await Promise.all(
    Array.from({ length: buyers }, (_, i) =>
      s.strategy.claimBestAvailable({ eventId: event.eventId, userId: `buyer-${i}`, quantity: 1, mode: 'book' }),
    ),
  );
  return { event, results, audit: await auditEvent(s, event.eventId) };
}

for (const s of correct) {
  test(`${s.name}: 300 buyers, 299 seats: exactly 299 sold, each once`, async () => {
    const { event, results, audit } = await bestBurst(s, 300, 13, 23);
    const grants = grantsOf(results);
    assert.equal(grants.length, 299);
    assert.equal(new Set(grants.flatMap((g) => labels(g.seats))).size, 299);
    const refusal = results.find((r) => !r.ok);
    assert.ok(refusal !== undefined && (refusal.reason === 'sold-out' || refusal.reason === 'seats-taken'), JSON.stringify(refusal));
    assert.deepEqual(
      {
        oversold: audit.oversold,
        doubleBooked: audit.doubleBooked,
        partial: audit.partial,
        staleRows: audit.staleRows,
        sold: audit.seatsSold,
        holds: audit.activeHolds,
      },
      { oversold: 0, doubleBooked: 0, partial: 0, staleRows: 0, sold: 299, holds: 299 },
    );
    const map = await s.strategy.seatMap(event.eventId);
    assert.equal(map.available, 0);
    assert.equal(map.states, 'S'.repeat(299));
  });

  test(`${s.name}: 2,000 concurrent multi-seat claims on a 10 x 10 event: no seat twice, none partial`, async (t) => {
    const event = await newEvent(s, 10, 10);
    const random = seeded(s.name === 'optimistic' ? 11 : 7);
    const claims = Array.from({ length: 2_000 }, (_, i) => ({
      eventId: event.eventId,
      userId: `u${i}`,
      seats: randomSeats(random, 10, 10, 4),
      mode: i % 3 === 0 ? ('book' as const) : ('hold' as const),
    }));
    const results = await Promise.all(claims.map((claim) => s.strategy.claimSeats(claim)));
    const expected = new Array<string>(100).fill('.');
    let grants = 0;
    results.forEach((result, i) => {
      const claim = claims[i];
      assert.ok(claim !== undefined);
      if (!result.ok) {
        assert.ok(result.reason === 'seats-taken' || result.reason === 'sold-out', JSON.stringify(result));
        return;
      }
      grants++;
      assert.deepEqual(labels(result.seats), labels(claim.seats), 'all the seats asked for, in order');
      for (const seat of result.seats) {
        const index = (seat.row - 1) * 10 + (seat.col - 1);
        assert.equal(expected[index], '.', `seat ${seatKey(seat)} granted twice`);
        expected[index] = result.status === 'sold' ? 'S' : 'H';
      }
    });
    t.diagnostic(`${s.name}: ${grants} grants`);
    const audit = await auditEvent(s, event.eventId);
    assert.deepEqual([audit.oversold, audit.doubleBooked, audit.partial, audit.staleRows], [0, 0, 0, 0]);
    assert.equal(audit.activeHolds, grants);
    assert.equal((await s.strategy.seatMap(event.eventId)).states, expected.join(''));
  });

  test(`${s.name}: releases racing claims on the same rows keep each row's free-seat bits true; all released, a whole row is one block again`, async () => {
    const event = await newEvent(s, 4, 12);
    const random = seeded(s.name === 'optimistic' ? 5 : 3);
    const claimWave = (wave: string) =>
      Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const userId = `${wave}${i}`;
          const result = await s.strategy.claimSeats({
            eventId: event.eventId,
            userId,
            seats: randomSeats(random, 4, 12, 2),
            mode: 'hold',
          });
          return result.ok ? [{ eventId: event.eventId, holdId: result.holdId, userId }] : [];
        }),
      ).then((held) => held.flat());
    const first = await claimWave('a');
    const [, second] = await Promise.all([Promise.all(first.map((ref) => s.strategy.release(ref))), claimWave('b')]);
    const raced = await auditEvent(s, event.eventId);
    assert.deepEqual([raced.oversold, raced.partial, raced.staleRows], [0, 0, 0]);
    assert.equal(raced.activeHolds, second.length);
    await Promise.all(second.map((ref) => s.strategy.release(ref)));
    assert.equal((await auditEvent(s, event.eventId)).staleRows, 0);
    const row = assertGranted(
      await s.strategy.claimBestAvailable({ eventId: event.eventId, userId: 'whole-row', quantity: 12, allowSplit: false, mode: 'hold' }),
    );
    assert.deepEqual(labels(row.seats), labels(Array.from({ length: 12 }, (_, col) => ({ row: 1, col: col + 1 }))));
  });
}

test('naive: the same 300-buyer burst oversells, and the audit sees it', async (t) => {
  const naive = subjects[0];
  assert.equal(naive?.name, 'naive');
  const { results, audit } = await bestBurst(naive, 300, 13, 23);
  t.diagnostic(`naive: ${grantsOf(results).length} "sold" for 299 seats; audit ${JSON.stringify(audit)}`);
  assert.ok(audit.oversold > 0, 'naive oversold nothing: the burst did not race');
  assert.ok(audit.partial > 0, 'the overwritten holds no longer own their seats');
});

for (const s of subjects) {
  const { strategy } = s;

  test(`${s.name}: confirm, release and cancel, and their refusals`, async () => {
    const { eventId } = await newEvent(s, 1, 4);
    const hold = assertGranted(
      await strategy.claimSeats({
        eventId,
        userId: 'owner',
        seats: [
          { row: 1, col: 1 },
          { row: 1, col: 2 },
        ],
      }),
    );
    const booking = assertGranted(await strategy.claimSeats({ eventId, userId: 'owner', seats: [{ row: 1, col: 3 }], mode: 'book' }));
    assert.equal(hold.status, 'held');
    assert.equal(hold.generation, 0);
    assert.ok(hold.expiresAt !== null && hold.expiresAt.getTime() > Date.now() + 500_000);
    assert.deepEqual([booking.status, booking.expiresAt], ['sold', null]);
    const holdRef = { eventId, userId: 'owner', holdId: hold.holdId };
    const bookingRef = { eventId, userId: 'owner', holdId: booking.holdId };

    const notFound = { ok: false, reason: 'hold-not-found' };
    const stranger = { ...holdRef, userId: 'stranger' };
    assert.deepEqual(await strategy.confirm(stranger), notFound);
    assert.deepEqual(await strategy.release(stranger), notFound);
    assert.deepEqual(await strategy.cancel({ ...bookingRef, userId: 'stranger' }), notFound);
    assert.deepEqual(await strategy.confirm({ ...holdRef, holdId: 'no-such-hold' }), notFound);
    assert.deepEqual(await strategy.cancel(holdRef), { ok: false, reason: 'wrong-state', status: 'held' });
    assert.deepEqual(await strategy.release(bookingRef), { ok: false, reason: 'wrong-state', status: 'sold' });

    const seats = [
      { row: 1, col: 1 },
      { row: 1, col: 2 },
    ];
    assert.deepEqual(await strategy.confirm(holdRef), { ok: true, seats, alreadyConfirmed: false });
    assert.deepEqual(await strategy.confirm(holdRef), { ok: true, seats, alreadyConfirmed: true });
    assert.deepEqual(seatMapRows(await strategy.seatMap(eventId)), ['SSS.']);
    assert.deepEqual(await strategy.release(holdRef), { ok: false, reason: 'wrong-state', status: 'sold' });

    assert.deepEqual(await strategy.cancel(holdRef), { ok: true, seats });
    assert.deepEqual(await strategy.cancel(holdRef), notFound);
    const other = assertGranted(await strategy.claimSeats({ eventId, userId: 'owner', seats: [{ row: 1, col: 4 }] }));
    assert.deepEqual(await strategy.release({ ...holdRef, holdId: other.holdId }), { ok: true, seats: [{ row: 1, col: 4 }] });
    assert.deepEqual(await strategy.release({ ...holdRef, holdId: other.holdId }), notFound);
    assert.deepEqual(await strategy.confirm({ ...holdRef, holdId: other.holdId }), notFound);

    const map = await strategy.seatMap(eventId);
    assert.deepEqual(
      { states: map.states, available: map.available, capacity: map.capacity },
      { states: '..S.', available: 3, capacity: 4 },
    );
    const bookings = await db.selectFrom('bookings').select('id').where('event_id', '=', eventId).execute();
    assert.deepEqual(
      bookings.map((b) => b.id),
      [booking.holdId],
      'the cancelled booking is gone, the other stays',
    );
    const audit = await auditEvent(s, eventId);
    assert.deepEqual([audit.oversold, audit.partial, audit.activeHolds, audit.seatsSold, audit.seatsHeld], [0, 0, 1, 1, 0]);
  });

  test(`${s.name}: an expired hold blocks nobody; paying late wins only while its seats are free`, async () => {
    const { eventId } = await newEvent(s, 1, 4, { holdTtlMs: 1_000 });
    const early = assertGranted(
      await strategy.claimSeats({
        eventId,
        userId: 'early',
        seats: [
          { row: 1, col: 1 },
          { row: 1, col: 2 },
        ],
      }),
    );
    const late = assertGranted(await strategy.claimSeats({ eventId, userId: 'late', seats: [{ row: 1, col: 3 }], holdTtlMs: 1_000 }));
    assert.deepEqual(seatMapRows(await strategy.seatMap(eventId)), ['HHH.']);
    await waitPastExpiry(early.holdId);
    await waitPastExpiry(late.holdId);
    assert.deepEqual(await strategy.seatMap(eventId).then((m) => [m.states, m.available]), ['....', 4]);

    // Both claim paths see the expired seats as free.
    const specific = await strategy.claimSeats({ eventId, userId: 'next', seats: [{ row: 1, col: 1 }], holdTtlMs: 600_000 });
    assert.deepEqual(labels(assertGranted(specific).seats), ['1:1']);
    const best = await strategy.claimBestAvailable({ eventId, userId: 'next', quantity: 1, mode: 'book' });
    assert.deepEqual(labels(assertGranted(best).seats), ['1:2']);

    const expired = { ok: false, reason: 'hold-expired' };
    assert.deepEqual(await strategy.confirm({ eventId, userId: 'early', holdId: early.holdId }), expired);
    assert.deepEqual(await strategy.release({ eventId, userId: 'early', holdId: early.holdId }), expired);
    assert.deepEqual(await strategy.confirm({ eventId, userId: 'early', holdId: early.holdId }), expired);
    // Nobody took 1:3 since: the late payment still gets it.
    assert.deepEqual(await strategy.confirm({ eventId, userId: 'late', holdId: late.holdId }), {
      ok: true,
      seats: [{ row: 1, col: 3 }],
      alreadyConfirmed: false,
    });
    assert.deepEqual(seatMapRows(await strategy.seatMap(eventId)), ['HSS.']);
    const audit = await auditEvent(s, eventId);
    assert.deepEqual([audit.oversold, audit.partial, audit.activeHolds, audit.seatsSold, audit.seatsHeld], [0, 0, 3, 2, 1]);
  });

  test(`${s.name}: the per-user limit counts live holds and bookings`, async () => {
    const { eventId } = await newEvent(s, 2, 5, { maxSeatsPerUser: 3 });
    const first = assertGranted(
      await strategy.claimSeats({
        eventId,
        userId: 'fan',
        seats: [
          { row: 1, col: 1 },
          { row: 1, col: 2 },
        ],
      }),
    );
    const refusal = { ok: false, reason: 'user-limit', limit: 3, current: 2, replayed: false };
    assert.deepEqual(await strategy.claimBestAvailable({ eventId, userId: 'fan', quantity: 2 }), refusal);
    assert.deepEqual(
      await strategy.claimSeats({
        eventId,
        userId: 'fan',
        seats: [
          { row: 2, col: 1 },
          { row: 2, col: 2 },
        ],
      }),
      refusal,
    );
    assertGranted(await strategy.claimBestAvailable({ eventId, userId: 'fan', quantity: 1, mode: 'book' }));
    assert.deepEqual(await strategy.claimSeats({ eventId, userId: 'fan', seats: [{ row: 2, col: 5 }] }), { ...refusal, current: 3 });
    assertGranted(await strategy.claimBestAvailable({ eventId, userId: 'someone-else', quantity: 3 }));
    await strategy.release({ eventId, userId: 'fan', holdId: first.holdId });
    assertGranted(
      await strategy.claimSeats({
        eventId,
        userId: 'fan',
        seats: [
          { row: 1, col: 1 },
          { row: 1, col: 2 },
        ],
      }),
    );
  });

  test(`${s.name}: bad input throws InvalidInputError and changes nothing`, async () => {
    const { eventId } = await newEvent(s, 2, 3);
    const usedHoldId = `used-${eventId}`;
    assertGranted(await strategy.claimSeats({ eventId, userId: 'u', seats: [{ row: 1, col: 1 }], holdId: usedHoldId }));
    const before = await strategy.seatMap(eventId);
    const seat = { row: 2, col: 2 };
    const cases: [string, () => Promise<unknown>][] = [
      ['seats', () => strategy.claimSeats({ eventId, userId: 'u', seats: [] })],
      ['seats[1]', () => strategy.claimSeats({ eventId, userId: 'u', seats: [seat, seat] })],
      ['seats[0].row', () => strategy.claimSeats({ eventId, userId: 'u', seats: [{ row: 0, col: 1 }] })],
      ['seats', () => strategy.claimSeats({ eventId, userId: 'u', seats: [seat, { row: 3, col: 1 }] })],
      ['quantity', () => strategy.claimBestAvailable({ eventId, userId: 'u', quantity: 0 })],
      ['quantity', () => strategy.claimBestAvailable({ eventId, userId: 'u', quantity: 101 })],
      ['userId', () => strategy.claimSeats({ eventId, userId: '', seats: [seat] })],
      ['eventId', () => strategy.claimSeats({ eventId: 'not an id', userId: 'u', seats: [seat] })],
      ['mode', () => strategy.claimSeats({ eventId, userId: 'u', seats: [seat], mode: 'rent' as 'hold' })],
      ['holdTtlMs', () => strategy.claimSeats({ eventId, userId: 'u', seats: [seat], holdTtlMs: 0 })],
      ['holdId', () => strategy.claimSeats({ eventId, userId: 'u', seats: [seat], holdId: 'has spaces' })],
      ['holdId', () => strategy.claimSeats({ eventId, userId: 'u', seats: [seat], holdId: usedHoldId })],
      ['holdId', () => strategy.claimBestAvailable({ eventId, userId: 'u', quantity: 1, holdId: usedHoldId })],
      ['idempotencyKey', () => strategy.claimSeats({ eventId, userId: 'u', seats: [seat], idempotencyKey: '' })],
      ['holdId', () => strategy.confirm({ eventId, userId: 'u', holdId: '' })],
      ['eventId', () => strategy.seatMap('')],
    ];
    for (const [field, call] of cases) {
      await assert.rejects(call(), (error: unknown) => error instanceof InvalidInputError && error.field === field, `expected ${field}`);
    }
    // An event the store does not have is not bad input but a missing resource.
    await assert.rejects(strategy.claimBestAvailable({ eventId: uniqueEventId('nowhere'), userId: 'u', quantity: 1 }), EventNotFoundError);
    await assert.rejects(strategy.seatMap(uniqueEventId('nowhere')), EventNotFoundError);
    assert.deepEqual(await strategy.seatMap(eventId), before);
    assert.equal(await holdCount(eventId), 1);
  });

  test(`${s.name}: an idempotency key replays its answer, refuses another request, never claims twice`, async () => {
    const { eventId } = await newEvent(s, 1, 5);
    const key = `k1-${eventId}`;
    const claim = { eventId, userId: 'u', seats: [{ row: 1, col: 1 }], idempotencyKey: key };
    const first = assertGranted(await strategy.claimSeats(claim));
    assert.deepEqual(await strategy.claimSeats(claim), { ...first, replayed: true });
    await assert.rejects(strategy.claimSeats({ ...claim, seats: [{ row: 1, col: 2 }] }), IdempotencyMismatchError);
    await assert.rejects(strategy.claimSeats({ ...claim, mode: 'book' }), IdempotencyMismatchError);

    // A refusal is an answer too: it replays even after the seat came free.
    const blocker = assertGranted(await strategy.claimSeats({ eventId, userId: 'v', seats: [{ row: 1, col: 3 }] }));
    const taken = { eventId, userId: 'u', seats: [{ row: 1, col: 3 }], idempotencyKey: `k2-${eventId}` };
    const refused = await strategy.claimSeats(taken);
    assert.deepEqual(refused, { ok: false, reason: 'seats-taken', takenSeats: [{ row: 1, col: 3 }], replayed: false });
    await strategy.release({ eventId, userId: 'v', holdId: blocker.holdId });
    assert.deepEqual(await strategy.claimSeats(taken), { ...refused, replayed: true });

    const retries = await Promise.all(
      Array.from({ length: 10 }, () => strategy.claimBestAvailable({ eventId, userId: 'w', quantity: 2, idempotencyKey: `k3-${eventId}` })),
    );
    const grants = grantsOf(retries);
    assert.equal(grants.length, 10);
    assert.equal(new Set(grants.map((g) => g.holdId)).size, 1, 'one hold for all the duplicates');
    assert.equal(grants.filter((g) => !g.replayed).length, 1);
    assert.equal(await holdCount(eventId), 3);
    assert.deepEqual((await auditEvent(s, eventId)).oversold, 0);
  });

  test(`${s.name}: best-available refusals: no adjacent block, not enough seats, sold out`, async () => {
    const { eventId } = await newEvent(s, 2, 3);
    assertGranted(
      await strategy.claimSeats({
        eventId,
        userId: 'x',
        seats: [
          { row: 1, col: 2 },
          { row: 2, col: 2 },
        ],
        mode: 'book',
      }),
    );
    const refuse = { eventId, userId: 'y' };
    assert.deepEqual(await strategy.claimBestAvailable({ ...refuse, quantity: 2, allowSplit: false }), {
      ok: false,
      reason: 'no-adjacent-block',
      replayed: false,
    });
    assert.deepEqual(await strategy.claimBestAvailable({ ...refuse, quantity: 5 }), {
      ok: false,
      reason: 'not-enough-seats',
      available: 4,
      replayed: false,
    });
    const split = assertGranted(await strategy.claimBestAvailable({ ...refuse, quantity: 2 }));
    assert.deepEqual(labels(split.seats), ['1:1', '1:3']);
    assertGranted(await strategy.claimSeats({ ...refuse, seats: [{ row: 2, col: 3 }] }));
    assert.deepEqual(
      await strategy.claimSeats({
        ...refuse,
        seats: [
          { row: 1, col: 1 },
          { row: 2, col: 1 },
        ],
      }),
      {
        ok: false,
        reason: 'seats-taken',
        takenSeats: [{ row: 1, col: 1 }],
        replayed: false,
      },
    );
    assertGranted(await strategy.claimBestAvailable({ ...refuse, quantity: 1 }));
    const soldOut = { ok: false, reason: 'sold-out', replayed: false, cached: false };
    assert.deepEqual(await strategy.claimBestAvailable({ ...refuse, quantity: 1 }), soldOut);
    assert.deepEqual(await strategy.claimSeats({ ...refuse, seats: [{ row: 1, col: 1 }] }), soldOut);
  });
}

test('every strategy picks the same best-available seats as the Redis gate', async (t) => {
  const gate = newGate();
  const rows = 6;
  const cols = 9;
  const events = await Promise.all(subjects.map((s) => newEvent(s, rows, cols)));
  const redisEventId = uniqueEventId('pg-vs-redis');
  await gate.loadEvent({ eventId: redisEventId, rows, cols, holds: [] });
  const outcome = (result: ClaimResult): string =>
    result.ok
      ? labels(result.seats).join(' ')
      : result.reason === 'not-enough-seats'
        ? `${result.reason} ${result.available}`
        : result.reason;

  const random = seeded(3);
  const seen = new Map<string, number>();
  for (let step = 0; step < 60; step++) {
    const userId = `u${step}`;
    const specific = random(3) === 0;
    const seats = randomSeats(random, rows, cols, 3);
    const quantity = 1 + random(6);
    const allowSplit = random(4) !== 0;
    const expected = outcome(
      specific
        ? await gate.claimSeats({ eventId: redisEventId, userId, seats, mode: 'book' })
        : await gate.claimBestAvailable({ eventId: redisEventId, userId, quantity, allowSplit, mode: 'book' }),
    );
    const kind = `${specific ? 'seats' : 'best'} ${expected.split(' ')[0]?.includes(':') ? 'granted' : expected.split(' ')[0]}`;
    seen.set(kind, (seen.get(kind) ?? 0) + 1);
    for (const [i, s] of subjects.entries()) {
      const eventId = events[i]?.eventId ?? '';
      const actual = outcome(
        specific
          ? await s.strategy.claimSeats({ eventId, userId, seats, mode: 'book' })
          : await s.strategy.claimBestAvailable({ eventId, userId, quantity, allowSplit, mode: 'book' }),
      );
      assert.equal(actual, expected, `${s.name}, step ${step}`);
    }
  }
  t.diagnostic(JSON.stringify(Object.fromEntries(seen)));
  assert.ok((seen.get('best granted') ?? 0) >= 15, 'enough best-available grants to compare');
  const redisMap = await gate.seatMap(redisEventId);
  for (const [i, s] of subjects.entries()) {
    assert.equal((await s.strategy.seatMap(events[i]?.eventId ?? '')).states, redisMap.states, s.name);
  }
});
