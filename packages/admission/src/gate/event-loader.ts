import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import { limits } from '../limits.js';
import type { EventSnapshot, SnapshotEntry, SnapshotHold } from '../results.js';
import { seatArgs } from '../seats.js';
import { checkId, checkSeatList, checkUserId, checkWhole } from '../validation.js';
import type { GateSettings } from './gate-settings.js';
import { eventKeys, stagingKeys } from './keys.js';
import { okOrThrow } from './replies.js';
import type { RunScript } from './script-runner.js';
import { checkEntryId } from './waitlist-ids.js';

export type LoadMode = 'create' | 'fill' | 'replace';

/** How long a waitlist offer is held when the snapshot does not say. */
const DEFAULT_OFFER_MS = 5 * 60_000;

/** Waitlist entries per load step. */
const ENTRIES_PER_CHUNK = 1_000;

/**
 * Loads a whole event into Redis in bounded steps: begin (an empty staged grid), chunks of
 * at most loadChunkSeats seats, commit (an atomic swap). Claims keep seeing the old state,
 * or NOT_LOADED, until the commit: never a half-loaded event.
 */
export async function loadEvent(run: RunScript, settings: GateSettings, snapshot: EventSnapshot, mode: LoadMode): Promise<number> {
  const eventId = checkId('eventId', snapshot.eventId);
  const rows = checkWhole('rows', snapshot.rows, 1, limits.maxRows);
  const cols = checkWhole('cols', snapshot.cols, 1, limits.maxCols);
  const maxSeatsPerUser = checkWhole('maxSeatsPerUser', snapshot.maxSeatsPerUser ?? 0, 0, rows * cols);
  const chunks = chunkHolds(snapshot.holds, settings);
  const entryChunks = chunkEntries(snapshot.waitlist ?? []);
  const offerMs = checkWhole('waitlistOfferMs', snapshot.waitlistOfferMs ?? DEFAULT_OFFER_MS, 1_000, limits.maxHoldTtlMs);

  const staging = stagingKeys(settings.keyPrefix, eventId);
  const live = eventKeys(settings.keyPrefix, eventId);
  const token = randomUUID();
  okOrThrow(
    await run(
      'load-begin',
      [...staging, live[0] as string],
      [
        token,
        mode,
        rows,
        cols,
        maxSeatsPerUser,
        limits.maxRows,
        limits.maxCols,
        settings.stagingTtlMs,
        settings.streamMaxLen,
        offerMs,
        settings.expiryGraceMs,
      ],
    ),
    eventId,
  );
  for (const chunk of chunks) {
    okOrThrow(await run('load-chunk', staging, [token, settings.stagingTtlMs, ...chunk]), eventId);
  }
  for (const chunk of entryChunks) {
    okOrThrow(await run('load-waitlist', staging, [token, settings.stagingTtlMs, ...chunk]), eventId);
  }
  const reply = okOrThrow(await run('load-commit', [...staging, ...live], [token, mode]), eventId);
  return Number(reply[1]);
}

function holdArgs(hold: SnapshotHold, i: number, settings: GateSettings): (string | number)[] {
  const holdId = checkId(`holds[${i}].holdId`, hold.holdId);
  const userId = checkUserId(hold.userId);
  const seats = checkSeatList(hold.seats, { ...limits, maxSeatsPerClaim: limits.maxRows * limits.maxCols });
  if (hold.status !== 'held' && hold.status !== 'sold') {
    throw new InvalidInputError(`holds[${i}].status`, "must be 'held' or 'sold'");
  }
  let expiresAt = 0;
  if (hold.status === 'held') {
    if (!(hold.expiresAt instanceof Date) || Number.isNaN(hold.expiresAt.getTime())) {
      throw new InvalidInputError(`holds[${i}].expiresAt`, 'a held hold needs a valid expiry date');
    }
    expiresAt = hold.expiresAt.getTime();
  }
  const deadline = expiresAt + settings.expiryGraceMs;
  const status = hold.status === 'held' ? 'H' : 'S';
  return [holdId, userId, status, expiresAt, deadline, seats.length, ...seatArgs(seats)];
}

/**
 * Splits the holds into script arguments of at most loadChunkSeats seats on at most
 * loadChunkRows rows (a hold never splits): each step's running time stays bounded.
 */
function chunkHolds(holds: readonly SnapshotHold[], settings: GateSettings): (string | number)[][] {
  const chunks: (string | number)[][] = [];
  let current: (string | number)[] = [];
  let seatsInChunk = 0;
  let rowsInChunk = new Set<number>();
  holds.forEach((hold, i) => {
    const args = holdArgs(hold, i, settings);
    const rows = new Set([...rowsInChunk, ...hold.seats.map((seat) => seat.row)]);
    if (seatsInChunk > 0 && (seatsInChunk + hold.seats.length > settings.loadChunkSeats || rows.size > settings.loadChunkRows)) {
      chunks.push(current);
      current = [];
      seatsInChunk = 0;
      rowsInChunk = new Set(hold.seats.map((seat) => seat.row));
    } else {
      rowsInChunk = rows;
    }
    // Not push(...args): one hold may have a million seats, too many arguments for one call.
    for (const arg of args) current.push(arg);
    seatsInChunk += hold.seats.length;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function entryArgs(entry: SnapshotEntry, i: number): (string | number)[] {
  const offered = entry.status === 'offered';
  if (offered && (entry.holdId === undefined || !(entry.offerExpiresAt instanceof Date))) {
    throw new InvalidInputError(`waitlist[${i}]`, 'an offered entry needs its holdId and offerExpiresAt');
  }
  return [
    checkEntryId(entry.entryId),
    checkUserId(entry.userId),
    offered ? 'O' : 'W',
    checkWhole(`waitlist[${i}].quantity`, entry.quantity, 1, limits.maxSeatsPerClaim),
    checkWhole(`waitlist[${i}].seq`, entry.seq, 1, Number.MAX_SAFE_INTEGER),
    entry.offers,
    entry.skips,
    offered ? checkId(`waitlist[${i}].holdId`, entry.holdId) : '',
    offered ? (entry.offerExpiresAt?.getTime() ?? 0) : 0,
  ];
}

/** The entries, in arrival order, as script arguments of ENTRIES_PER_CHUNK entries a step. */
function chunkEntries(entries: readonly SnapshotEntry[]): (string | number)[][] {
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  const chunks: (string | number)[][] = [];
  for (let i = 0; i < ordered.length; i += ENTRIES_PER_CHUNK) {
    chunks.push(ordered.slice(i, i + ENTRIES_PER_CHUNK).flatMap((entry, j) => entryArgs(entry, i + j)));
  }
  return chunks;
}
