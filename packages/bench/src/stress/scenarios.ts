import { randomInt } from 'node:crypto';
import type { ComparisonStrategyName } from '@seatgrid/admission/testing';

/** What one scenario asks of the API; the sizes are chosen per mode (full or --quick). */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly rows: number;
  readonly cols: number;
  /** Requests in the main phase: one buyer (a fresh user id) each. */
  readonly buyers: number;
  readonly connections: number;
  readonly endpoint: 'bookings' | 'holds';
  /** The claim body of one buyer. */
  readonly body: (rows: number, cols: number) => unknown;
  /** Sell the whole event before the load (sold-out storm). */
  readonly sellOutFirst?: boolean;
  /** Two-phase: share of holders that go on to confirm; the rest never do. */
  readonly confirmShare?: number;
  readonly holdTtlSeconds?: number;
  readonly paymentSuccessRate?: number;
  /**
   * Seats a correct strategy must sell when every buyer is served: demand exceeds supply in
   * one burst, so an unsold seat is a false conflict (goodput). Unset where it does not apply.
   */
  readonly mustSell?: number;
  /** Cap of each load phase when the run's default does not fit. */
  readonly timeLimitSec?: number;
  /** Set when the sizes are scaled down from the issue's; said in the report. */
  readonly scaledFrom?: string;
  /** SSE clients watching the event's seat stream through the load (the live-map scenario). */
  readonly streams?: number;
  /** The strategies it runs on, when not every one (seat streams need the admission strategy). */
  readonly strategies?: readonly ComparisonStrategyName[];
  /**
   * Buyers who go through several steps instead of one request (driven-run.ts): the waitlist
   * churn or the waiting room; both live in the gate, so they run on the admission strategy.
   */
  readonly driver?: 'waitlist-churn' | 'waiting-room';
  readonly churn?: ChurnSettings;
  readonly room?: RoomSettings;
}

export interface ChurnSettings {
  readonly waiters: number;
  readonly churnSec: number;
  readonly cancelsPerSecond: number;
  /** Loops of buyers who never joined the waitlist, claiming all along. */
  readonly strangers: number;
  readonly offerSeconds: number;
}

export interface RoomSettings {
  readonly admitPerSecond: number;
  readonly admissionTtlSeconds: number;
  readonly maxSeatsPerUser: number;
}

/** The strategies that must keep every invariant (naive exists to show what they prevent). */
export const CORRECT_STRATEGIES: readonly ComparisonStrategyName[] = ['admission', 'optimistic', 'pessimistic'];

export interface ScenarioSizes {
  readonly quick: boolean;
}

/** 1 or 2 distinct random seats. */
export function randomSeats(rows: number, cols: number): { seats: { row: number; col: number }[] } {
  const first = { row: 1 + randomInt(rows), col: 1 + randomInt(cols) };
  if (randomInt(2) === 0 || rows * cols < 2) return { seats: [first] };
  let second = first;
  while (second.row === first.row && second.col === first.col) second = { row: 1 + randomInt(rows), col: 1 + randomInt(cols) };
  return { seats: [first, second] };
}

/**
 * The scenarios. Connections stay at 100+ on the contended ones: with fewer
 * requests in flight the naive strategy rarely races and its oversell would go unseen.
 */
export function scenarios({ quick }: ScenarioSizes): Scenario[] {
  const q = <T>(full: T, small: T): T => (quick ? small : full);
  const all: Scenario[] = [
    {
      name: 'flash-sale',
      description: '10,000 buyers -> 100 seats (10x10), 1-2 random specific seats each',
      rows: 10,
      cols: 10,
      buyers: q(10_000, 1_500),
      connections: 100,
      endpoint: 'bookings',
      body: randomSeats,
      // The last free seat is found only by a buyer who picks it alone (1 in 200): the
      // quick run's 1,500 buyers may not include one, 10,000 always do.
      ...(quick ? { scaledFrom: '10,000 buyers' } : { mustSell: 100 }),
    },
    {
      name: 'hot-seat',
      description: 'every buyer wants the same 2 seats (row 1, cols 1-2) of 10x10',
      ...(quick ? { scaledFrom: '3,000 buyers' } : {}),
      rows: 10,
      cols: 10,
      buyers: q(3_000, 600),
      connections: 100,
      endpoint: 'bookings',
      body: () => ({
        seats: [
          { row: 1, col: 1 },
          { row: 1, col: 2 },
        ],
      }),
      mustSell: 2,
    },
    {
      name: 'best-available',
      description: '5,000 buyers ask {quantity: 2} on 50x40 (2,000 seats)',
      rows: 50,
      cols: 40,
      buyers: q(5_000, 600),
      connections: 100,
      endpoint: 'bookings',
      body: () => ({ quantity: 2 }),
      mustSell: Math.min(2_000, 2 * q(5_000, 600)),
      ...(quick ? { scaledFrom: '5,000 buyers' } : {}),
    },
    {
      name: 'sold-out-storm',
      description: '20,000 requests to an event already sold out (10x10)',
      rows: 10,
      cols: 10,
      buyers: q(20_000, 2_000),
      connections: 100,
      endpoint: 'bookings',
      body: () => ({ quantity: 1 }),
      sellOutFirst: true,
      ...(quick ? { scaledFrom: '20,000 requests' } : {}),
    },
    {
      name: 'seed-003',
      description: '1,000 buyers -> 10 seats (1x10), 1-2 random seats each',
      rows: 1,
      cols: 10,
      buyers: q(1_000, 300),
      connections: 100,
      endpoint: 'bookings',
      body: randomSeats,
      mustSell: 10,
      ...(quick ? { scaledFrom: '1,000 buyers' } : {}),
    },
    {
      name: 'seed-004',
      description: '300 buyers -> 299 seats (13x23), {quantity: 1} each',
      rows: 13,
      cols: 23,
      buyers: 300,
      connections: 150,
      endpoint: 'bookings',
      body: () => ({ quantity: 1 }),
      mustSell: 299,
    },
    {
      name: 'two-phase',
      description: 'holds on 20x10, then 70% of holders confirm (payment succeeds 80%), 30% never do; 3 s holds',
      rows: 20,
      cols: 10,
      buyers: q(2_000, 400),
      connections: 100,
      endpoint: 'holds',
      body: randomSeats,
      confirmShare: 0.7,
      holdTtlSeconds: 3,
      paymentSuccessRate: 0.8,
      ...(quick ? { scaledFrom: '2,000 holders' } : {}),
    },
    {
      name: 'big-venue',
      description: q('60,000 buyers -> 50,000 seats (200x250), 1-2 random seats each', '1,500 buyers -> 1,250 seats (50x25)'),
      rows: q(200, 50),
      cols: q(250, 25),
      buyers: q(60_000, 1_500),
      connections: 100,
      endpoint: 'bookings',
      body: randomSeats,
      // Winners dominate: the PostgreSQL write path sets the pace, so it gets longer.
      timeLimitSec: q(30, 8),
      ...(quick ? { scaledFrom: '60,000 buyers -> 50,000 seats' } : {}),
    },
    {
      name: 'live-map',
      description: q(
        '500 SSE clients watch a flash sale: 5,000 buyers -> 500 seats (20x25), 1-2 random seats each',
        '100 SSE clients watch a flash sale: 1,500 buyers -> 200 seats (10x20), 1-2 random seats each',
      ),
      rows: q(20, 10),
      cols: q(25, 20),
      buyers: q(5_000, 1_500),
      connections: 100,
      endpoint: 'bookings',
      body: randomSeats,
      streams: q(500, 100),
      strategies: ['admission'],
      ...(quick ? { scaledFrom: '500 clients, 5,000 buyers -> 500 seats' } : {}),
    },
    {
      name: 'waitlist-churn',
      description: q(
        '1,000 waiters for a sold-out 10x10; 20 s of cancels, expiring holds and offers (2 s), declines; strangers claiming throughout',
        '200 waiters for a sold-out 5x10; 5 s of cancels, expiring holds and offers (2 s), declines; strangers claiming throughout',
      ),
      rows: q(10, 5),
      cols: 10,
      buyers: q(1_000, 200),
      connections: 128,
      endpoint: 'holds',
      body: () => ({ quantity: 1 }),
      holdTtlSeconds: 3,
      driver: 'waitlist-churn',
      strategies: ['admission'],
      churn: { waiters: q(1_000, 200), churnSec: q(20, 5), cancelsPerSecond: q(10, 6), strangers: q(8, 4), offerSeconds: 2 },
      timeLimitSec: q(40, 20),
      ...(quick ? { scaledFrom: '1,000 waiters' } : {}),
    },
    {
      name: 'waiting-room',
      description: q(
        '3,000 buyers queue for 500 seats (20x25, 2 a buyer) behind a waiting room of 25 admissions/s',
        '600 buyers queue for 100 seats (10x10, 2 a buyer) behind a waiting room of 20 admissions/s',
      ),
      rows: q(20, 10),
      cols: q(25, 10),
      buyers: q(3_000, 600),
      connections: 128,
      endpoint: 'bookings',
      body: () => ({ quantity: 1 }),
      driver: 'waiting-room',
      strategies: ['admission'],
      room: { admitPerSecond: q(25, 20), admissionTtlSeconds: 10, maxSeatsPerUser: 2 },
      timeLimitSec: q(40, 20),
      ...(quick ? { scaledFrom: '3,000 buyers -> 500 seats' } : {}),
    },
  ];
  // The quick run (CI's, bounded in time) runs every scenario on admission; naive once, on the
  // flash sale, so the audit is seen to catch an oversell; and pessimistic, which owes goodput
  // too, on best-available, where conflicts cost the PostgreSQL strategies most. The PostgreSQL
  // strategies' other work under concurrency is the library's and the API's tests'.
  if (!quick) return all;
  const quickStrategies = (name: string): readonly ComparisonStrategyName[] =>
    name === 'flash-sale' ? ['admission', 'naive'] : name === 'best-available' ? ['admission', 'pessimistic'] : ['admission'];
  return all.map((s) => (s.strategies !== undefined ? s : { ...s, strategies: quickStrategies(s.name) }));
}
