import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt, randomUUID } from 'node:crypto';
import type { CreatedEvent } from '../stress/api-client.ts';

/** What a soak request did; the report groups by it. */
export type OperationKind = 'hold' | 'confirm' | 'release' | 'book' | 'book-best' | 'cancel' | 'seat-map' | 'sold-out';

/** ok: 2xx. refused: a business answer (409 taken or sold out, 410 expired, 402 declined). error: 5xx or no answer. unexpected: any other 4xx. */
export type RequestOutcome = 'ok' | 'refused' | 'error' | 'unexpected';

interface Window {
  requests: number;
  byOutcome: Record<RequestOutcome, number>;
  /** Latencies in ms of every request in the window. */
  latenciesMs: number[];
  /** Sessions skipped because maxInFlight were already running. */
  skippedSessions: number;
}

export type WindowStats = Readonly<Window>;

export interface MixedLoadTarget {
  readonly baseUrl: string;
  /** Events with free seats: holds, bookings and seat maps. */
  readonly events: readonly CreatedEvent[];
  /** An event sold out before the soak: its claims are answered from the sold-out cache. */
  readonly soldOutEventId: string;
}

const REQUEST_TIMEOUT_MS = 10_000;
const REFUSALS = new Set([402, 409, 410]);

export function outcomeOfStatus(status: number): RequestOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (REFUSALS.has(status)) return 'refused';
  if (status === 0 || status >= 500) return 'error';
  return 'unexpected';
}

/**
 * A steady mix of buyer sessions, started at a fixed rate (open loop: a slow server gets
 * more sessions in flight, not fewer arrivals, up to maxInFlight). Every seat taken is
 * given back (release, cancel or expiry), so the events never sell out and the mix stays
 * the same for any duration:
 *  35% hold, then confirm + cancel later (40%), release (30%) or walk away (30%, expires)
 *  20% book 1-2 listed seats, cancel later · 10% book 1-3 best-available, cancel later
 *  25% read a seat map · 10% try the sold-out event
 */
export class MixedLoad {
  readonly #target: MixedLoadTarget;
  readonly #sessionsPerSec: number;
  readonly #maxInFlight: number;
  readonly #inFlight = new Set<Promise<void>>();
  #window: Window = emptyWindow();
  readonly #total: Window = emptyWindow();
  #timer: NodeJS.Timeout | undefined;
  #owed = 0;
  #lastTick = 0;
  readonly unexpectedStatuses: Record<string, number> = {};

  constructor(target: MixedLoadTarget, sessionsPerSec: number, maxInFlight: number) {
    this.#target = target;
    this.#sessionsPerSec = sessionsPerSec;
    this.#maxInFlight = maxInFlight;
  }

  start(): void {
    this.#lastTick = performance.now();
    this.#timer = setInterval(() => this.#tick(), 10);
  }

  /** Stops starting sessions and waits for the running ones (their pending cancels included). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Every request since start, those after the last window included. */
  get total(): WindowStats {
    return this.#total;
  }

  /** The requests since the last call. */
  takeWindow(): WindowStats {
    const window = this.#window;
    this.#window = emptyWindow();
    return window;
  }

  #tick(): void {
    const now = performance.now();
    this.#owed += ((now - this.#lastTick) / 1_000) * this.#sessionsPerSec;
    this.#lastTick = now;
    for (; this.#owed >= 1; this.#owed--) {
      if (this.#inFlight.size >= this.#maxInFlight) {
        this.#window.skippedSessions++;
        this.#total.skippedSessions++;
        continue;
      }
      const session = this.#session(`soak-${randomUUID()}`).finally(() => this.#inFlight.delete(session));
      this.#inFlight.add(session);
    }
  }

  async #session(userId: string): Promise<void> {
    const { events, soldOutEventId } = this.#target;
    const event = events[randomInt(events.length)] as CreatedEvent;
    const roll = randomInt(100);
    if (roll < 35) {
      const hold = await this.#call('hold', 'POST', `/events/${event.eventId}/holds`, userId, { quantity: 1 + randomInt(2) });
      const holdId = (hold.json as { holdId?: string } | undefined)?.holdId;
      if (hold.status !== 201 || holdId === undefined) return;
      const next = randomInt(10);
      if (next < 4) {
        await sleep(50 + randomInt(500));
        const confirmed = await this.#call('confirm', 'POST', `/holds/${holdId}/confirm`, userId);
        if (confirmed.status >= 200 && confirmed.status < 300) await this.#cancelLater(holdId, userId);
      } else if (next < 7) {
        await sleep(100 + randomInt(900));
        await this.#call('release', 'DELETE', `/holds/${holdId}`, userId);
      }
      return;
    }
    if (roll < 55) {
      const seats = Array.from({ length: 1 + randomInt(2) }, () => ({ row: 1 + randomInt(event.rows), col: 1 + randomInt(event.cols) }));
      const distinct = [...new Map(seats.map((s) => [`${s.row}:${s.col}`, s])).values()];
      const booked = await this.#call('book', 'POST', `/events/${event.eventId}/bookings`, userId, { seats: distinct });
      await this.#cancelIfBooked(booked, userId);
      return;
    }
    if (roll < 65) {
      const booked = await this.#call('book-best', 'POST', `/events/${event.eventId}/bookings`, userId, { quantity: 1 + randomInt(3) });
      await this.#cancelIfBooked(booked, userId);
      return;
    }
    if (roll < 90) {
      await this.#call('seat-map', 'GET', `/events/${event.eventId}/seats`);
      return;
    }
    await this.#call('sold-out', 'POST', `/events/${soldOutEventId}/bookings`, userId, { quantity: 1 });
  }

  async #cancelIfBooked(answer: { status: number; json: unknown }, userId: string): Promise<void> {
    const bookingId = (answer.json as { bookingId?: string } | undefined)?.bookingId;
    if (answer.status === 201 && bookingId !== undefined) await this.#cancelLater(bookingId, userId);
  }

  async #cancelLater(bookingId: string, userId: string): Promise<void> {
    await sleep(500 + randomInt(4_500));
    await this.#call('cancel', 'DELETE', `/bookings/${bookingId}`, userId);
  }

  async #call(
    kind: OperationKind,
    method: string,
    path: string,
    userId?: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = {};
    if (userId !== undefined) headers['x-user-id'] = userId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    let status = 0;
    let json: unknown;
    try {
      const res = await fetch(`${this.#target.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      json = res.status === 204 ? undefined : await res.json().catch(() => undefined);
    } catch {
      status = 0;
    }
    const outcome = outcomeOfStatus(status);
    const ms = performance.now() - started;
    for (const window of [this.#window, this.#total]) {
      window.requests++;
      window.byOutcome[outcome]++;
      window.latenciesMs.push(ms);
    }
    if (outcome === 'unexpected' || outcome === 'error') {
      const key = `${kind} ${status}`;
      this.unexpectedStatuses[key] = (this.unexpectedStatuses[key] ?? 0) + 1;
    }
    return { status, json };
  }
}

function emptyWindow(): Window {
  return { requests: 0, byOutcome: { ok: 0, refused: 0, error: 0, unexpected: 0 }, latenciesMs: [], skippedSessions: 0 };
}
