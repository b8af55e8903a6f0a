import { performance } from 'node:perf_hooks';
import { defaultGateSettings } from '@seatgrid/admission/gate';
import { setTimeout as sleep } from 'node:timers/promises';
import { below, type Drive, type Driven } from './driven-run.ts';
import type { RoomSettings, Scenario } from './scenarios.ts';
import { percentiles, type Percentiles } from './stats.ts';

interface Ticket {
  readonly ticket?: string;
  readonly status?: string;
  readonly admissionToken?: string;
  readonly estimatedWaitSeconds?: number;
}

/** One buyer in twenty first tries to claim without queueing: every such claim must be refused. */
const CHEATER_EVERY = 20;

/**
 * waiting-room: a flash sale behind a waiting room. Every buyer queues at once, polls their
 * ticket (sooner the nearer the front), and once admitted claims 1-2 seats with its
 * Admission-Token (1 when only one is left); buyers stop once the event is sold out. Reported:
 * the queue wait (joined to admitted) p50/p99, the admissions' pace against the room's, the claims.
 * Audited: no claim without an admission granted, every seat sold (once every buyer was heard).
 */
export async function driveWaitingRoomSale(drive: Drive, scenario: Scenario): Promise<Driven> {
  const room = scenario.room as RoomSettings;
  const { eventId, log, ctx, tag } = drive;
  const capacity = scenario.rows * scenario.cols;
  const queueWaits: number[] = [];
  const admittedAt: number[] = [];
  const tickets: string[] = [];
  const counts = { cheaters: 0, cheaterGrants: 0, won: 0, seats: 0, notAdmitted: 0, expired: 0, atOnce: 0 };
  let soldOut = false;
  const deadline = performance.now() + (scenario.timeLimitSec ?? ctx.timeLimitSec) * 1_000;
  let stoppedByTimeLimit = false;

  async function buyer(n: number): Promise<void> {
    const who = { 'x-user-id': `fan-${tag}-${n}` };
    if (n % CHEATER_EVERY === 0) {
      counts.cheaters++;
      const cheat = await log.send('no-token', 'POST', `/events/${eventId}/bookings`, who, { quantity: 1 });
      if (cheat.status >= 200 && cheat.status < 300) counts.cheaterGrants++;
    }
    const joined = await log.send('queue', 'POST', `/events/${eventId}/queue`, who);
    let ticket = joined.body as Ticket;
    if (joined.status !== 201 || ticket.ticket === undefined) return;
    tickets.push(ticket.ticket);
    const queuedAt = performance.now();
    while (ticket.status === 'waiting') {
      if (soldOut) {
        counts.notAdmitted++;
        return;
      }
      if (performance.now() > deadline) {
        stoppedByTimeLimit = true;
        return;
      }
      // The front polls often, the back seldom: about twice in its estimated wait.
      await sleep(Math.min(2_000, Math.max(200, (ticket.estimatedWaitSeconds ?? 1) * 500)) * (0.8 + Math.random() * 0.4));
      const read = await log.send('poll', 'GET', `/queue/${ticket.ticket}`, who);
      if (read.status === 200) ticket = read.body as Ticket;
    }
    if (ticket.status !== 'admitted' || ticket.admissionToken === undefined) {
      counts.expired++;
      return;
    }
    const now = performance.now();
    if (joined.body === ticket) counts.atOnce++;
    queueWaits.push(now - queuedAt);
    admittedAt.push(now);
    let quantity = 1 + below(2);
    for (;;) {
      const claim = await log.send(
        'claim',
        'POST',
        `/events/${eventId}/bookings`,
        { ...who, 'admission-token': ticket.admissionToken },
        { quantity },
      );
      if (claim.status === 201) {
        counts.won++;
        counts.seats += quantity;
        return;
      }
      const type = String((claim.body as { type?: string }).type ?? '');
      if (type.endsWith('/not-enough-seats') && quantity > 1) {
        quantity = 1;
        continue;
      }
      if (type.endsWith('/sold-out')) soldOut = true;
      return;
    }
  }

  // Sold out, nobody is admitted any more: the buyers still in line hear it from here and go home.
  let done = false;
  async function monitor(): Promise<void> {
    while (!done && !soldOut) {
      await sleep(250);
      const read = await log.send('event', 'GET', `/events/${eventId}`, {});
      if (read.status === 200 && (read.body as { available?: number }).available === 0) soldOut = true;
    }
  }

  ctx.progress(`${drive.label}: ${scenario.buyers} buyers queue at once (room ${room.admitPerSecond}/s)`);
  const started = performance.now();
  const watching = monitor();
  await Promise.all(Array.from({ length: scenario.buyers }, (_, n) => buyer(n)));
  done = true;
  await watching;
  const runSec = (performance.now() - started) / 1_000;
  const wait = percentiles(queueWaits);
  const pace = admittedAt.length < 2 ? null : (admittedAt.length - 1) / ((Math.max(...admittedAt) - Math.min(...admittedAt)) / 1_000);
  const everyoneHeard = !stoppedByTimeLimit && log.total('all').transportErrors === 0;
  return {
    claimPhases: ['claim'],
    // More buyers than seats, each claiming 1-2 until sold out: a correct gate sells every seat.
    mustSell: everyoneHeard && scenario.buyers >= capacity ? capacity : null,
    settleMs: 500,
    extraKeys: tickets.map((t) => `${defaultGateSettings.keyPrefix}:ticket:${t}`),
    stoppedByTimeLimit,
    verify: async () => ({
      violations: counts.cheaterGrants > 0 ? [`${counts.cheaterGrants} claims without an admission granted`] : [],
      notes: [
        `queue wait (joined to admitted) ${ms(wait, 'p50')} p50, ${ms(wait, 'p99')} p99, max ${wait.max?.toFixed(0) ?? '-'} ms, ` +
          `over ${queueWaits.length} admitted (${counts.atOnce} at once, the room's first second) of ${scenario.buyers} buyers in ${runSec.toFixed(1)} s; ` +
          `${counts.notAdmitted} sold out before their turn, ${counts.expired} admissions expired`,
        `admitted ${pace === null ? '-' : pace.toFixed(1)}/s from first to last admission (room ${room.admitPerSecond}/s, held back while the ` +
          `admitted could take every free seat); claims: ${counts.won} won (${counts.seats} seats); ${counts.cheaters} claims without a token, ${counts.cheaterGrants} granted`,
      ],
    }),
  };
}

function ms(p: Percentiles, key: 'p50' | 'p99'): string {
  return p[key] === null ? '-' : `${(p[key] ?? 0).toFixed(0)} ms`;
}
