import { seatMapRows, type SeatMap } from '@seatgrid/admission';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type SseConnection, sseMessage } from './sse-connection.ts';

export interface SeatStreamSettings {
  /** Open streams at most (SSE_MAX_CLIENTS). */
  readonly maxClients: number;
  /** A heartbeat on every stream this often (SSE_HEARTBEAT_MS). */
  readonly heartbeatMs: number;
  /** Unsent bytes a client may have beyond its last snapshot (SSE_MAX_BUFFER_BYTES). */
  readonly maxBufferBytes: number;
}

/** A seat map as a stream message, serialized once for every client that gets it. */
export interface Snapshot {
  readonly version: number;
  /** The map's load generation: 0 when it came from PostgreSQL (the admission strategy's fallback). */
  readonly generation: number;
  readonly message: string;
}

/**
 * A stream is written to at most this often: a change after a quiet spell goes out at once,
 * changes that follow within this time go out together. Under a flash sale that makes one
 * write carry many changes (each write to a socket costs the process more than its bytes).
 */
const WRITE_INTERVAL_MS = 25;

/** The metric, shared by every app on one registry (tests build several). */
function gauge(registry: Registry): Gauge {
  const name = 'seatgrid_sse_clients';
  return (
    (registry.getSingleMetric(name) as Gauge | undefined) ??
    new Gauge({
      name,
      help: 'Seat streams (Server-Sent Events) open now, those still reading their first snapshot included',
      registers: [registry],
    })
  );
}

function dropCounter(registry: Registry): Counter {
  const name = 'seatgrid_sse_dropped_total';
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help: 'Seat streams dropped because their client fell too far behind', registers: [registry] })
  );
}

/**
 * The seat streams this process serves: the cap on how many are open, their gauge, one
 * heartbeat timer for all, snapshots shared between the clients that need one at the same
 * time (a reload sends every watcher of the event for a new one at once), and closing them all
 * at shutdown.
 */
export class SeatStreams {
  readonly settings: SeatStreamSettings;
  readonly #clients: Gauge;
  readonly #dropped: Counter;
  readonly #open = new Set<SseConnection>();
  /** Slots taken: streams open and streams reading their first snapshot. */
  #taken = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  /** Snapshot reads under way, by event. */
  readonly #reading = new Map<string, Promise<Snapshot>>();
  /** Streams with messages waiting, and the one timer that writes them. */
  readonly #waiting = new Set<SseConnection>();
  #flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #lastFlush = 0;

  constructor(settings: SeatStreamSettings, registry: Registry) {
    this.settings = settings;
    this.#clients = gauge(registry);
    this.#dropped = dropCounter(registry);
  }

  /** Takes a slot for a new stream; false when SSE_MAX_CLIENTS are taken. */
  reserve(): boolean {
    if (this.#taken >= this.settings.maxClients) return false;
    this.#taken++;
    this.#clients.inc();
    return true;
  }

  /** Gives a slot back (the stream closed, or never opened). */
  release(): void {
    this.#taken--;
    this.#clients.dec();
  }

  /** A stream is open: it gets heartbeats until it closes. */
  add(connection: SseConnection): void {
    this.#open.add(connection);
    this.#heartbeat ??= setInterval(() => this.#beat(), this.settings.heartbeatMs).unref();
  }

  remove(connection: SseConnection): void {
    this.#open.delete(connection);
    if (this.#open.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  /** A stream has messages to write: at the next flush of every waiting stream, paced by WRITE_INTERVAL_MS. */
  readonly requestFlush = (connection: SseConnection): void => {
    this.#waiting.add(connection);
    if (this.#flushTimer !== undefined) return;
    const wait = this.#lastFlush + WRITE_INTERVAL_MS - performance.now();
    this.#flushTimer = wait <= 0 ? setImmediate(() => this.#flushAll()) : setTimeout(() => this.#flushAll(), wait);
  };

  #flushAll(): void {
    this.#flushTimer = undefined;
    this.#lastFlush = performance.now();
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const connection of waiting) connection.flush();
  }

  /** Counts a client dropped for being too slow. */
  dropped(): void {
    this.#dropped.inc();
  }

  /**
   * The event's map as a snapshot message at `minVersion` or later: a read under way is shared
   * when what it finds will do, otherwise a new one starts (and is shared in turn).
   */
  async snapshot(eventId: string, read: () => Promise<SeatMap>, minVersion = 0): Promise<Snapshot> {
    const under = this.#reading.get(eventId);
    if (under !== undefined) {
      const shared = await under;
      if (shared.version >= minVersion) return shared;
    }
    let reading = this.#reading.get(eventId);
    if (reading === undefined || reading === under) {
      reading = read().then(snapshotOf);
      this.#reading.set(eventId, reading);
      const mine = reading;
      const forget = () => {
        if (this.#reading.get(eventId) === mine) this.#reading.delete(eventId);
      };
      mine.then(forget, forget);
    }
    return reading;
  }

  /** Ends every open stream (shutdown: the server can then close). */
  closeAll(): void {
    for (const connection of [...this.#open]) connection.end();
  }

  #beat(): void {
    for (const connection of [...this.#open]) connection.heartbeat();
  }
}

function snapshotOf(map: SeatMap): Snapshot {
  const data = JSON.stringify({ version: map.version, rows: map.rows, cols: map.cols, available: map.available, grid: seatMapRows(map) });
  return { version: map.version, generation: map.generation, message: sseMessage(map.version, 'snapshot', data) };
}
