import type { Percentiles } from './stats.ts';

/** What the live-map scenario measures of the API's seat streams (SSE) beside the usual run figures. */
export interface StreamFigures {
  /** SSE clients watching the event through the measured flash sale. */
  readonly clients: number;
  /** Time to open them all, each with its snapshot (ms). */
  readonly connectMs: number;
  /** Winners (201 answers) timed. */
  readonly claimsTimed: number;
  /**
   * From a claim's 201 answer to the last client seeing its seats taken (ms). Negative when
   * every client saw the seats before the buyer heard back: the change is recorded by the gate's
   * script, before the PostgreSQL commit the 201 waits for.
   */
  readonly commitToLastClientMs: Percentiles;
  /** The same, to the first client. */
  readonly commitToFirstClientMs: Percentiles;
  /** The fan-out: from the first client seeing a sale to the last (ms). */
  readonly firstToLastClientMs: Percentiles;
  /** Winners whose seats some client (not dropped) never saw taken. */
  readonly missed: number;
  /** Clients the server dropped (too slow) or whose stream ended early. */
  readonly dropped: number;
  /** Clients still short of the final version at the deadline, not dropped. */
  readonly behind: number;
  /** Clients (not dropped) whose map differs from the API's at the end. */
  readonly mismatched: number;
  /** Seat-change messages delivered, over every client. */
  readonly messages: number;
  /** Snapshots delivered, over every client (one each at connect; more after a reload). */
  readonly snapshots: number;
  /** The API's CPU a request in the same flash sale on its own event with no stream open, then with the clients watching. */
  readonly apiCpuUsPerRequestWithout: number | null;
  readonly apiCpuUsPerRequestWith: number | null;
  /** The streams' extra CPU over the messages they delivered: µs a client a change. */
  readonly apiCpuUsPerClientChange: number | null;
  /** Requests of the run without streams (its own event, the same load). */
  readonly baselineRequests: number;
}

/** The invariants of the stream: a client that kept up ends with the API's map and saw every sale. */
export function streamViolations(figures: StreamFigures): string[] {
  const found: string[] = [];
  if (figures.mismatched > 0) found.push(`${figures.mismatched} stream clients' maps differ from the API's`);
  if (figures.behind > 0) found.push(`${figures.behind} stream clients never caught up`);
  if (figures.missed > 0) found.push(`${figures.missed} sales unseen by a stream client`);
  return found;
}
