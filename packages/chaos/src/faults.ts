import { gateScripts } from '@seatgrid/admission/gate';
import { waitFor } from '@seatgrid/api/child';
import { breakerGauge, redisOnlySeats } from './probes.ts';
import type { Fault, Heal } from './run-scenario.ts';
import { postgresSlowUnderWorkers, redisFailover, workerKilled } from './scale-faults.ts';
import { EXPIRY_GRACE_MS } from './settle.ts';

/**
 * The fault scenarios, one entry each. A fault is injected mid-burst and
 * resolves with its heal; everything else (burst, settle, audit) is run-scenario.ts.
 */

const nothingToHeal: Heal = async () => {};

/** Runs `action` every `ms` until the returned heal is called (which waits for a run in progress). */
function repeatEvery(ms: number, action: () => Promise<unknown>): Heal {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    running = action().catch(() => undefined);
  };
  tick();
  const timer = setInterval(tick, ms);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

const claimScriptShas = new Set([gateScripts['claim-seats'].sha, gateScripts['claim-best'].sha]);

/** An EVALSHA of one of the claim scripts (the gate sends EVAL only after a NOSCRIPT). */
function isClaimCommand(words: readonly string[]): boolean {
  return words[0]?.toUpperCase() === 'EVALSHA' && claimScriptShas.has(words[1] ?? '');
}

/** The control: the same burst with no fault, for comparing what the faults cost. */
export const noFault: Fault = {
  name: 'none',
  summary: 'no fault: the burst alone',
  async inject() {
    return nothingToHeal;
  },
};

export const redisKilled: Fault = {
  name: 'redis-killed',
  summary: 'SIGKILL the Redis server; it stays down, then restarts from its append-only file (up to 1 s stale)',
  async inject({ harness }) {
    await harness.redis.kill();
    return () => harness.redis.restart();
  },
};

export const redisRestartedEmpty: Fault = {
  name: 'redis-restarted-empty',
  summary: 'Redis restarts at once with no data: every event must be re-hydrated from PostgreSQL',
  async inject({ harness }) {
    await harness.redis.restartEmpty();
    return nothingToHeal;
  },
};

export const scriptFlush: Fault = {
  name: 'script-flush',
  summary: 'SCRIPT FLUSH every 200 ms: EVALSHA answers NOSCRIPT and the client falls back to EVAL',
  async inject({ harness }) {
    return repeatEvery(200, () => harness.redis.scriptFlush());
  },
};

export const flushAll: Fault = {
  name: 'flushall',
  summary: 'FLUSHALL mid-burst: the seat maps vanish with winners still being written',
  async inject({ harness }) {
    await harness.redis.flushAll();
    return nothingToHeal;
  },
};

export const redisLatency: Fault = {
  name: 'redis-latency',
  summary: '2 s of latency on every Redis connection, the breaker timing out at 300 ms',
  async inject({ harness }) {
    for (const node of harness.nodes) harness.redisProxy(node.index).setLatency(2_000);
    return async () => harness.healNetwork();
  },
};

export const replyCut: Fault = {
  name: 'reply-cut',
  summary: 'claim replies cut after 5 bytes (the script ran, the reply is lost; ioredis resends the command)',
  async inject({ harness, notes }) {
    const proxy = harness.redisProxy(0);
    notes.cuts = 0;
    let armed = true;
    const arm = (): void => {
      if (!armed) return;
      void proxy.cutReply({ afterBytes: 5, command: isClaimCommand }).then(() => {
        notes.cuts = Number(notes.cuts) + 1;
        // Not every claim: a few, spaced, so each is one lost reply and not a dead link.
        setTimeout(arm, 100);
      });
    };
    arm();
    return async () => {
      armed = false;
      proxy.heal();
    };
  },
  async check(_context, { records }) {
    const cuts = Number(_context.notes.cuts);
    const found = cuts === 0 ? ['no claim reply was cut: the fault never happened'] : [];
    // The bug this guards: the resent claim answered 400 ("holdId rejected") though it had won.
    const refused = records.filter((r) => r.problem === 'invalid-input').length;
    if (refused > 0) found.push(`${refused} claims answered invalid-input after a lost reply`);
    return found;
  },
};

export const postgresConnectionsKilled: Fault = {
  name: 'pg-connections-killed',
  summary: "pg_terminate_backend on the API's PostgreSQL connections every 300 ms",
  async inject({ harness, notes }) {
    notes.terminated = 0;
    return repeatEvery(300, async () => {
      notes.terminated = Number(notes.terminated) + (await harness.terminateBackends());
    });
  },
  async check({ notes }) {
    return Number(notes.terminated) === 0 ? ['no PostgreSQL backend was terminated: the fault never happened'] : [];
  },
};

export const postgresSlow: Fault = {
  name: 'pg-slow',
  summary: '300 ms of latency on every PostgreSQL connection',
  async inject({ harness }) {
    for (const node of harness.nodes) node.pgProxy.setLatency(300);
    return async () => harness.healNetwork();
  },
};

export const apiKilledMidWrite: Fault = {
  name: 'api-killed-mid-write',
  summary: 'SIGKILL the API while Redis winners wait on a slow PostgreSQL; restart it: the reconciler frees their seats',
  // Bookings never expire in Redis, so only the reconciler can free what the dead process won.
  workload: { bookShare: 1, bestShare: 0, idempotentShare: 0.5 },
  async inject(context) {
    const { harness, notes } = context;
    // A second a round trip: a group-commit transaction takes several, so wins wait long.
    harness.node(0).pgProxy.setLatency(1_000);
    // Wins pile up in Redis behind the slow writes: wait until some are in flight, then kill at
    // once. (Measured before the kill: with two APIs, the other one's reconciler may free the
    // dead one's seats within its interval.)
    let ahead = 0;
    await waitFor(
      'Redis winners ahead of PostgreSQL',
      async () => {
        ahead = (await redisOnlySeats(context)) ?? 0;
        return ahead > 0;
      },
      5_000,
      20,
    );
    await context.killApi(0);
    notes.redisOnlyAtKill = ahead;
    return async () => {
      harness.node(0).pgProxy.heal();
      await context.restartApi(0);
    };
  },
  async check({ notes }) {
    return Number(notes.redisOnlyAtKill) > 0 ? [] : ['no seat was won in Redis but unwritten when the API died: the window was missed'];
  },
};

export const oneBreakerOpen: Fault = {
  name: 'one-breaker-open',
  summary: "two APIs; one's Redis link gets 2 s of latency, its breaker opens and it sells from PostgreSQL while the other uses the gate",
  instances: 2,
  async inject({ harness, event, notes }) {
    const sick = harness.node(1);
    harness.redisProxy(sick.index).setLatency(2_000);
    notes.breakerOpened = false;
    // The breaker opens on a share of failures over its rolling window, so a quiet API with a
    // healthy history may take long: seat-map reads (through the breaker, read-only) add them.
    const seatMap = `${sick.api.baseUrl}/events/${event.eventId}/seats`;
    await waitFor(
      'the breaker of API 1 to open',
      async () => {
        await Promise.all(
          Array.from({ length: 5 }, () =>
            fetch(seatMap, { signal: AbortSignal.timeout(5_000) }).then(
              (r) => r.arrayBuffer(),
              () => undefined,
            ),
          ),
        );
        return (await breakerGauge(sick.api.baseUrl)) === 2;
      },
      10_000,
      0,
    )
      .then(() => (notes.breakerOpened = true))
      .catch(() => undefined);
    notes.otherBreaker = (await breakerGauge(harness.node(0).api.baseUrl)) ?? -1;
    return async () => harness.redisProxy(sick.index).heal();
  },
  async check({ notes }) {
    const found: string[] = [];
    if (notes.breakerOpened !== true) found.push("API 1's breaker never opened");
    if (notes.otherBreaker !== 0) found.push(`API 0's breaker was ${notes.otherBreaker}, not closed`);
    return found;
  },
};

export const expiryRacesConfirm: Fault = {
  name: 'expiry-vs-confirm',
  summary: 'holders confirm around the moment their expired hold is reaped, while others claim the same few seats',
  // Redis frees an expired hold EXPIRY_GRACE_MS after PostgreSQL's expiry: a late confirm races the
  // next buyer there. A small grid, so every freed seat is fought over at once.
  grid: { rows: 4, cols: 10 },
  workload: {
    bookShare: 0,
    bestShare: 0,
    confirmShare: 0.9,
    releaseShare: 0,
    confirmTiming: 'at-expiry',
    expiryOffsetMs: EXPIRY_GRACE_MS,
    expiryJitterMs: 500,
  },
  async inject() {
    return nothingToHeal;
  },
  async check({ notes }, { records }) {
    const confirms = records.filter((r) => r.kind === 'confirm');
    const holds = new Map(
      records.filter((r) => r.kind === 'hold' && r.expiresAt !== undefined).map((r) => [r.holdId, r.expiresAt as number]),
    );
    // After the reap (expiry + grace) the seats are up for grabs in Redis: the real race.
    const afterReap = confirms.filter((r) => r.sentAt > (holds.get(r.holdId) ?? Infinity) + EXPIRY_GRACE_MS);
    notes.confirmed = confirms.filter((r) => r.outcome === 200).length;
    notes.expired = confirms.filter((r) => r.outcome === 410).length;
    notes.afterReap = afterReap.length;
    notes.afterReapConfirmed = afterReap.filter((r) => r.outcome === 200).length;
    return confirms.length === 0 ? ['no confirm was sent'] : [];
  },
};

export const evictingRedis: Fault = {
  name: 'evicting-redis',
  summary: 'Redis on allkeys-lru: the API warns at start-up and is not ready; then memory pressure evicts keys mid-burst',
  knownIssues: [
    {
      // Not a bug to fix: the risk this scenario shows, and why the API warns and reports not ready.
      reason: 'an evicting Redis forgets parts of seat maps, so the gate refuses seats PostgreSQL has free until the reconciler repairs it',
      // From the eviction until the reconciler's next passes after the heal.
      covers: (record, fault) => record.outcome === 409 && record.sentAt >= fault.from && record.sentAt <= fault.to + 3_000,
    },
  ],
  async prepare(context) {
    const { harness, notes } = context;
    await harness.redis.setMemoryPolicy('allkeys-lru');
    const linesBefore = harness.node(0).api.output.length;
    await context.killApi(0);
    await context.restartApi(0);
    const startup = harness.node(0).api.output.slice(linesBefore).join('\n');
    notes.warned = /maxmemory-policy is allkeys-lru/.test(startup);
    const res = await fetch(`${harness.node(0).api.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { redisEvictionSafe?: boolean; redisEvictionPolicy?: string };
    notes.readyStatus = res.status;
    notes.readyPolicy = body.redisEvictionPolicy ?? '?';
    notes.readySafe = body.redisEvictionSafe ?? true;
  },
  async inject({ harness, notes }) {
    const admin = harness.redis.admin;
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? 0);
    // A little headroom, then filler: Redis must evict to take the next writes.
    await admin.config('SET', 'maxmemory', String(used + 256 * 1024));
    for (let i = 0; i < 64; i++) await admin.set(`chaos:filler:${i}`, 'x'.repeat(16 * 1024)).catch(() => undefined);
    notes.evicted = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1] ?? 0);
    return async () => {
      await harness.redis.setMemoryPolicy('noeviction', 0);
      notes.evicted = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1] ?? 0);
    };
  },
  async after(context) {
    // What an operator does next: a safe policy, and a restart so readiness reads it again.
    await context.restartApi(0);
  },
  async check({ notes }) {
    const found: string[] = [];
    if (notes.warned !== true) found.push('the API did not warn about the evicting policy at start-up');
    if (notes.readyStatus !== 503 || notes.readySafe !== false || notes.readyPolicy !== 'allkeys-lru') {
      found.push(`/readyz answered ${notes.readyStatus} (policy ${notes.readyPolicy}, safe ${notes.readySafe}), not 503 unsafe`);
    }
    return found;
  },
};

/** Every fault scenario, in a fixed order: a seed's schedule draws from this list. */
export const faults: readonly Fault[] = [
  redisKilled,
  redisRestartedEmpty,
  scriptFlush,
  flushAll,
  redisLatency,
  replyCut,
  postgresConnectionsKilled,
  postgresSlow,
  apiKilledMidWrite,
  oneBreakerOpen,
  expiryRacesConfirm,
  evictingRedis,
  workerKilled,
  redisFailover,
  postgresSlowUnderWorkers,
];

export function faultNamed(name: string): Fault {
  const fault = [noFault, ...faults].find((f) => f.name === name);
  if (fault === undefined) throw new Error(`no fault named ${name}; known: ${faults.map((f) => f.name).join(', ')}`);
  return fault;
}
