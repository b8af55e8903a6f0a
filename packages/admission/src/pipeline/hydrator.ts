import type { Kysely } from 'kysely';
import type { Admission } from '../engine/admission.js';
import { LoadConflictError } from '../errors.js';
import type { AdmissionMetrics } from '../metrics.js';
import type { Database } from '../store/database.js';
import { eventSnapshot, type EventInfo } from '../store/events.js';
import type { GroupCommitter } from './group-commit.js';

export type HydrationReason = 'not-loaded' | 'stale' | 'after-fallback' | 'drift';

/**
 * Rebuilds an event's Redis state from PostgreSQL: fence the event (the gate admits nobody
 * for it), let this process's pending writes for it land, snapshot PostgreSQL, swap the
 * snapshot in. One hydration per event at a time in this process; a concurrent load by
 * another process wins or loses cleanly (LoadConflictError: theirs is as fresh as ours).
 */
export class Hydrator {
  readonly #gate: Admission;
  readonly #db: Kysely<Database>;
  readonly #committer: GroupCommitter;
  readonly #metrics: AdmissionMetrics | undefined;
  readonly #running = new Map<string, Promise<void>>();

  constructor(gate: Admission, db: Kysely<Database>, committer: GroupCommitter, metrics?: AdmissionMetrics) {
    this.#gate = gate;
    this.#db = db;
    this.#committer = committer;
    this.#metrics = metrics;
  }

  hydrate(event: EventInfo, reason: HydrationReason): Promise<void> {
    const running = this.#running.get(event.eventId);
    if (running) return running;
    const hydration = this.#run(event, reason).finally(() => this.#running.delete(event.eventId));
    this.#running.set(event.eventId, hydration);
    return hydration;
  }

  async #run(event: EventInfo, reason: HydrationReason): Promise<void> {
    await this.#gate.fence(event.eventId);
    await this.#committer.drain(event.eventId);
    const snapshot = await eventSnapshot(this.#db, event);
    try {
      await this.#gate.loadEvent(snapshot, 'replace');
    } catch (error) {
      if (!(error instanceof LoadConflictError)) throw error;
    }
    this.#metrics?.hydrations.inc({ reason });
  }
}
