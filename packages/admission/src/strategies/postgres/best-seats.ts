/**
 * The best-available rule of lua/includes/find-seats.lua, for the PostgreSQL strategies: the
 * same preferences, tie-breaks and fallback, so every strategy picks the same seats from the
 * same free set. In order of preference, front rows first (row 1 is the front):
 * 1. A block of adjacent seats in one row that strands no single free seat: a free run of
 *    exactly the size asked for, else the left end of a run at least two seats longer.
 * 2. An adjacent block that strands one seat.
 * 3. When splitting is allowed: the longest free runs first, front rows first among equals.
 */

export interface BestSeats {
  /** Seat indexes (row-major, 0-based) in the order they are taken. */
  readonly seats: readonly number[];
  readonly adjacent: boolean;
}

/** `free[i]` says whether seat index i (row-major, 0-based) is free. */
export type FreeMask = ArrayLike<boolean>;

function blockFrom(first: number, quantity: number): number[] {
  return Array.from({ length: quantity }, (_, i) => first + i);
}

/** Calls visit(rowStart, firstCol, length) for every free run, row by row; stops when visit returns true. */
function eachFreeRun(free: FreeMask, rows: number, cols: number, visit: (rowStart: number, col: number, length: number) => boolean): void {
  for (let row = 0; row < rows; row++) {
    const rowStart = row * cols;
    let col = 0;
    while (col < cols) {
      if (free[rowStart + col] !== true) {
        col++;
        continue;
      }
      const first = col;
      while (col < cols && free[rowStart + col] === true) col++;
      if (visit(rowStart, first, col - first)) return;
    }
  }
}

function adjacentBlock(free: FreeMask, rows: number, cols: number, quantity: number): number[] | undefined {
  let stranding: number | undefined;
  let clean: number | undefined;
  let cleanRow: number | undefined;
  let exact: number | undefined;
  eachFreeRun(free, rows, cols, (rowStart, col, length) => {
    // An exact fit later in the clean run's own row still wins; one in a row behind it does not.
    if (clean !== undefined && rowStart !== cleanRow) return true;
    const spare = length - quantity;
    if (spare === 0) {
      exact = rowStart + col;
      return true;
    }
    if (spare >= 2 && clean === undefined) {
      clean = rowStart + col;
      cleanRow = rowStart;
    } else if (spare === 1 && stranding === undefined) {
      stranding = rowStart + col;
    }
    return false;
  });
  const first = exact ?? clean ?? stranding;
  return first === undefined ? undefined : blockFrom(first, quantity);
}

function longestRunsFirst(free: FreeMask, rows: number, cols: number, quantity: number): number[] | undefined {
  // Every run is shorter than quantity here (a longer one would have made a block).
  const byLength = new Map<number, number[]>();
  eachFreeRun(free, rows, cols, (rowStart, col, length) => {
    const firsts = byLength.get(length) ?? [];
    firsts.push(rowStart + col);
    byLength.set(length, firsts);
    return false;
  });
  const seats: number[] = [];
  for (let length = quantity - 1; length >= 1; length--) {
    for (const first of byLength.get(length) ?? []) {
      const take = Math.min(length, quantity - seats.length);
      for (let i = 0; i < take; i++) seats.push(first + i);
      if (seats.length === quantity) return seats;
    }
  }
  return undefined;
}

/** The best `quantity` free seats, or undefined (no adjacent block and no split allowed, or too few). */
export function findBestSeats(free: FreeMask, rows: number, cols: number, quantity: number, allowSplit: boolean): BestSeats | undefined {
  const block = adjacentBlock(free, rows, cols, quantity);
  if (block !== undefined) return { seats: block, adjacent: true };
  if (!allowSplit) return undefined;
  const split = longestRunsFirst(free, rows, cols, quantity);
  return split === undefined ? undefined : { seats: split, adjacent: false };
}

/**
 * The seats the last of `ahead + 1` identical claims would get if they were served one after
 * another from `free` (when the seats run out first: the last claim that could be served).
 * Lets concurrent pickers that cannot see each other aim at different seats of the same queue.
 */
export function queuedBestSeats(
  free: FreeMask,
  rows: number,
  cols: number,
  quantity: number,
  allowSplit: boolean,
  ahead: number,
): BestSeats | undefined {
  let best = findBestSeats(free, rows, cols, quantity, allowSplit);
  if (ahead <= 0 || best === undefined) return best;
  const scratch = Array.from({ length: rows * cols }, (_, i) => free[i] === true);
  for (let served = 0; served < ahead; served++) {
    for (const seat of best.seats) scratch[seat] = false;
    const next = findBestSeats(scratch, rows, cols, quantity, allowSplit);
    if (next === undefined) break;
    best = next;
  }
  return best;
}

/** A free mask of a `capacity`-seat grid from the list of free seat indexes. */
export function freeMask(capacity: number, freeIndexes: Iterable<number>): boolean[] {
  const mask = new Array<boolean>(capacity).fill(false);
  for (const index of freeIndexes) mask[index] = true;
  return mask;
}
