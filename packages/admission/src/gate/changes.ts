/**
 * The change stream's records, as read back. Every call that changes an event's seats appends
 * one record (stream entry id "<version>-0") in the same script; every load appends a reset.
 */
export type SeatChange =
  | {
      readonly kind: 'seats';
      /** The event's version after this change. */
      readonly version: number;
      /** Seats by their new state; seat indices are 0-based, row-major. */
      readonly seats: readonly { readonly state: '.' | 'H' | 'S'; readonly indices: readonly number[] }[];
    }
  | {
      /** The event was (re)loaded: a reader starts again from a snapshot. */
      readonly kind: 'reset';
      readonly version: number;
    };

export interface ChangeBatch {
  readonly changes: readonly SeatChange[];
  /** The records follow on from the version asked for, with no gap. */
  readonly continuous: boolean;
  /** The newest version the stream has (0: none). */
  readonly latest: number;
}

type StreamEntry = [id: string, fields: string[]];

function versionOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** One stream entry as a change. */
export function parseChange([id, fields]: StreamEntry): SeatChange {
  const version = versionOf(id);
  if (fields[0] !== 'c') return { kind: 'reset', version };
  const seats = (fields[1] ?? '')
    .split(';')
    .filter((part) => part !== '')
    .map((part) => ({
      state: part[0] as '.' | 'H' | 'S',
      indices: part.slice(1).split(',').map(Number),
    }));
  return { kind: 'seats', version, seats };
}

export function changeBatch(afterVersion: number, entries: StreamEntry[], last: StreamEntry | undefined): ChangeBatch {
  const changes = entries.map(parseChange);
  const latest = last === undefined ? 0 : versionOf(last[0]);
  const first = changes[0];
  // Continuous: the next record is exactly one version on (a reset is never continuous), or
  // nothing is newer and the version asked for is the latest.
  const continuous = first === undefined ? afterVersion === latest : first.kind === 'seats' && first.version === afterVersion + 1;
  return { changes, continuous, latest };
}
