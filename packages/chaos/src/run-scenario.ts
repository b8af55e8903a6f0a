import { setTimeout as sleep } from 'node:timers/promises';
import type { EventInfo } from '@seatgrid/admission';
import { auditScenario, type ScenarioAudit, type Window } from './audit.ts';
import { runBurst, type RequestRecord } from './burst.ts';
import { requestStats, sentWithin, type RequestStats } from './fault-stats.ts';
import type { ChaosHarness, HarnessShape } from './harness.ts';
import { seededRandom } from './seeded-random.ts';
import { setAsideKnownIssues, violations, type KnownIssue } from './verdict.ts';
import { planBuyers, type Workload } from './workload.ts';

/** What a fault can do and remember while its scenario runs. */
export interface FaultContext {
  readonly harness: ChaosHarness;
  readonly event: EventInfo;
  /** Facts the fault observed, for its check and the report. */
  readonly notes: Record<string, number | string | boolean>;
  /** Kills / restarts an API instance, keeping the down window for the audit. */
  killApi(index: number): Promise<void>;
  restartApi(index: number): Promise<void>;
  /** Connections to API `index` may be lost over `window` (one of its workers killed on purpose): the audit allows that then. */
  expectLostConnections(index: number, window: Window): void;
}

/** Undoes a fault. */
export type Heal = () => Promise<void>;

/** One fault: injected mid-burst, healed, then checked beyond the common audit if it needs to be. */
export interface Fault {
  readonly name: string;
  readonly summary: string;
  /** API instances it needs (default 1). */
  readonly instances?: number;
  /** A harness of its own shape (workers, a Redis Cluster); none: the standard one. */
  readonly harness?: HarnessShape;
  /** How the burst differs for this fault (e.g. bookings only), and the grid if it needs its own. */
  readonly workload?: Partial<Workload>;
  readonly grid?: { readonly rows: number; readonly cols: number };
  /** Failures this fault is known to cause, reported apart (see KnownIssue). */
  readonly knownIssues?: readonly KnownIssue[];
  /** Set up before the burst starts. */
  prepare?(context: FaultContext): Promise<void>;
  /** Injects the fault; resolves with how to heal it. */
  inject(context: FaultContext): Promise<Heal>;
  /** Restores what outlives the scenario, after the audit (e.g. restarts an API to re-read its config). */
  after?(context: FaultContext): Promise<void>;
  /** Fault-specific findings after the audit (empty: none). */
  check?(context: FaultContext, result: { records: readonly RequestRecord[]; audit: ScenarioAudit }): Promise<string[]>;
}

export interface ScenarioPlan {
  readonly fault: Fault;
  readonly workload: Workload;
  /** Seeds the buyers' plans. */
  readonly seed: number;
  readonly grid: { readonly rows: number; readonly cols: number };
  readonly holdTtlSeconds: number;
  /** When the fault is injected after the burst starts, and for how long. */
  readonly faultAtMs: number;
  readonly faultForMs: number;
}

export interface ScenarioResult {
  readonly fault: string;
  readonly seed: number;
  readonly eventId: string;
  readonly records: readonly RequestRecord[];
  readonly window: Window;
  /** Requests sent while the fault was on, and all of them. */
  readonly during: RequestStats;
  readonly overall: RequestStats;
  /** The audit, less what known issues account for (listed in `tolerated`). */
  readonly audit: ScenarioAudit;
  readonly tolerated: readonly string[];
  readonly notes: Readonly<Record<string, number | string | boolean>>;
  /** Broken invariants and failed fault checks; empty when the scenario passed. */
  readonly violations: readonly string[];
  readonly durationMs: number;
}

/** A wait that belongs to the schedule (when to inject, how long the fault lasts), not a wait for state. */
function pause(ms: number): Promise<void> {
  return sleep(Math.max(0, ms));
}

/** Concurrent burst, the fault injected mid-burst, heal, settle, audit. */
export async function runScenario(harness: ChaosHarness, plan: ScenarioPlan): Promise<ScenarioResult> {
  const started = Date.now();
  // A clean network whatever the last scenario left: one that threw mid-fault never healed.
  harness.healNetwork();
  const event = await harness.createEvent({ ...plan.grid, holdTtlSeconds: plan.holdTtlSeconds, name: plan.fault.name });
  const apiDown: (Window & { api: number })[] = [];
  const downSince = new Map<number, number>();
  const context: FaultContext = {
    harness,
    event,
    notes: {},
    killApi: async (index) => {
      downSince.set(index, Date.now());
      await harness.node(index).api.kill();
    },
    restartApi: async (index) => {
      const from = downSince.get(index) ?? Date.now();
      await harness.node(index).api.restart();
      apiDown.push({ api: index, from, to: Date.now() });
      downSince.delete(index);
    },
    expectLostConnections: (index, window) => {
      apiDown.push({ api: index, ...window });
    },
  };
  await harness.waitHealthy(event.eventId);
  await plan.fault.prepare?.(context);

  const plans = planBuyers(plan.workload, seededRandom(plan.seed), plan.grid);
  const runId = `${harness.runId}-${event.eventId.slice(0, 8)}`;
  const burstStarted = Date.now();
  const burst = runBurst({ eventId: event.eventId, plans, workload: plan.workload, apis: harness.baseUrls, runId });
  await pause(burstStarted + plan.faultAtMs - Date.now());
  const injectedAt = Date.now();
  const heal = await plan.fault.inject(context);
  await pause(injectedAt + plan.faultForMs - Date.now());
  await heal();
  const window = { from: injectedAt, to: Date.now() };
  const records = await burst;

  const fullAudit = await auditScenario({
    store: harness.store,
    gate: harness.gate,
    event,
    records,
    fault: window,
    apiDown,
    reconcileIntervalMs: harness.settings.reconcileIntervalMs,
    requestTimeoutMs: plan.workload.requestTimeoutMs,
    touch: async () => {
      await Promise.all(
        harness.baseUrls.map((base) =>
          fetch(`${base}/events/${event.eventId}/seats`, { signal: AbortSignal.timeout(2_000) }).then(
            (res) => res.arrayBuffer(),
            () => undefined,
          ),
        ),
      );
    },
  });
  const { audit, tolerated } = setAsideKnownIssues(fullAudit, plan.fault.knownIssues ?? [], window, context.notes);
  const found = [...violations(audit, window), ...((await plan.fault.check?.(context, { records, audit })) ?? [])];
  await plan.fault.after?.(context);
  return {
    fault: plan.fault.name,
    seed: plan.seed,
    eventId: event.eventId,
    records,
    window,
    during: requestStats(sentWithin(records, window)),
    overall: requestStats(records),
    audit,
    tolerated,
    notes: context.notes,
    violations: found,
    durationMs: Date.now() - started,
  };
}
