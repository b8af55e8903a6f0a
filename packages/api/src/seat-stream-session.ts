import type { AdmissionSeatGrid, ChangeSubscription, SeatChange } from '@seatgrid/admission';
import type { SeatStreams, Snapshot } from './seat-streams.ts';
import { type SseConnection, sseMessage } from './sse-connection.ts';

/** Snapshot reads one resync may make before it gives up (the client then reconnects). */
const RESYNC_ATTEMPTS = 5;

/** Every client that gets one change gets the same object: its message is built once. */
const changeMessages = new WeakMap<SeatChange, string>();

function changeMessage(change: SeatChange & { kind: 'seats' }): string {
  let message = changeMessages.get(change);
  if (message === undefined) {
    message = sseMessage(change.version, 'seats', JSON.stringify({ version: change.version, seats: change.seats }));
    changeMessages.set(change, message);
  }
  return message;
}

/** Where a stream starts: a snapshot already sent, or a version the client has (Last-Event-ID). */
export type StreamStart = { readonly snapshot: Snapshot } | { readonly afterVersion: number };

/**
 * Feeds one open stream: every change of the event after where it starts, in order, each with
 * `id:` its version. A 'reset' (the event was reloaded, or the changes since the client's
 * version are gone) sends a fresh snapshot; changes that arrive meanwhile wait, and those the
 * snapshot already shows are skipped. Returns the subscription, for closing when the client goes.
 */
export function feedStream(
  grid: AdmissionSeatGrid,
  eventId: string,
  connection: SseConnection,
  streams: SeatStreams,
  start: StreamStart,
): ChangeSubscription {
  /** Changes held while a fresh snapshot is read, and their bytes. */
  let held: (SeatChange & { kind: 'seats' })[] | undefined;
  let heldBytes = 0;
  /** The version a fresh snapshot must reach: that of the latest reset. */
  let resetTo = 0;

  const send = (change: SeatChange & { kind: 'seats' }) => connection.send(changeMessage(change));

  const resync = async (): Promise<void> => {
    held = [];
    heldBytes = 0;
    try {
      for (let attempt = 0; attempt < RESYNC_ATTEMPTS; attempt++) {
        const target = resetTo;
        const snapshot = await streams.snapshot(eventId, () => grid.seatMap(eventId), target);
        if (connection.closed) return;
        // From PostgreSQL (Redis is sick): its versions are not the stream's; the client reconnects later.
        if (snapshot.generation === 0) break;
        // A reset that came in while reading may need a newer map still.
        if (snapshot.version < resetTo) continue;
        if (!connection.sendSnapshot(snapshot.message)) return;
        subscription.skipTo(snapshot.version);
        const waiting = held;
        held = undefined;
        for (const change of waiting) if (change.version > snapshot.version && !send(change)) return;
        return;
      }
      connection.end();
    } catch {
      // Redis and PostgreSQL both failed the read: the client reconnects, with Last-Event-ID.
      connection.end();
    }
  };

  const listener = (change: SeatChange) => {
    if (connection.closed) return;
    if (change.kind === 'reset') {
      resetTo = Math.max(resetTo, change.version);
      if (held === undefined) void resync();
      return;
    }
    if (held === undefined) {
      send(change);
      return;
    }
    // Held changes count against the client's allowance like unsent bytes do.
    held.push(change);
    heldBytes += changeMessage(change).length;
    if (connection.exceeds(heldBytes)) connection.drop();
  };

  const afterVersion = 'snapshot' in start ? start.snapshot.version : start.afterVersion;
  const subscription = grid.watchSeats(eventId, afterVersion, listener);
  return subscription;
}
