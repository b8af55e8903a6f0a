/**
 * The best-available rule of lua/includes/find-seats.lua, for the PostgreSQL strategies: the
 * same preferences, tie-breaks and fallback, so every strategy picks the same seats from the
 * same free set. In order of preference, front rows first (row 1 is the front):
 * 1. A block of adjacent seats in one row that strands no single free seat: in the front-most
 *    row with a run of exactly the size asked for or one at least two longer, the leftmost
 *    exact run, else the left end of the leftmost longer one.
 * 2. An adjacent block that strands one seat: the front-most, leftmost run one longer.
 * 3. When splitting is allowed: whole runs, longest first (front rows first among equals),
 *    each while it fits in what is left; then what is left from a run chosen as in 1 and 2.
 */

export interface BestSeats {
  /** Seat indexes (row-major, 0-based) in the order they are taken. */
  readonly seats: readonly number[];
  /** Which step chose them: 1 (an adjacent block stranding no seat), 2 (one stranding a seat), 3 (a split). */
  readonly kind: 'tidy' | 'stranding' | 'split';
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

interface FreeRun {
  readonly first: number;
  readonly length: number;
  readonly rowStart: number;
}

function freeRuns(free: FreeMask, rows: number, cols: number): FreeRun[] {
  const runs: FreeRun[] = [];
  eachFreeRun(free, rows, cols, (rowStart, col, length) => {
    runs.push({ first: rowStart + col, length, rowStart });
    return false;
  });
  return runs;
}

/** Steps 1 and 2 among `runs` (in row-major order): the run whose left end starts the block. */
function adjacentRun(runs: readonly FreeRun[], quantity: number): FreeRun | undefined {
  const tidy = runs.find((run) => run.length === quantity || run.length >= quantity + 2);
  if (tidy !== undefined) {
    const inRow = runs.filter((run) => run.rowStart === tidy.rowStart);
    return inRow.find((run) => run.length === quantity) ?? inRow.find((run) => run.length >= quantity + 2);
  }
  return runs.find((run) => run.length === quantity + 1);
}

/** Step 3: whole runs while they fit, longest first; the rest from a run as in steps 1 and 2. */
function splitSeats(runs: readonly FreeRun[], quantity: number): number[] | undefined {
  const seats: number[] = [];
  const used = new Set<FreeRun>();
  let left = quantity;
  for (const run of [...runs].sort((a, b) => b.length - a.length || a.first - b.first)) {
    if (run.length > left) continue;
    for (let i = 0; i < run.length; i++) seats.push(run.first + i);
    used.add(run);
    left -= run.length;
    if (left === 0) return seats;
  }
  const last = adjacentRun(
    runs.filter((run) => !used.has(run)),
    left,
  );
  if (last === undefined) return undefined;
  return [...seats, ...blockFrom(last.first, left)];
}

/** The best `quantity` free seats, or undefined (no adjacent block and no split allowed, or too few). */
export function findBestSeats(free: FreeMask, rows: number, cols: number, quantity: number, allowSplit: boolean): BestSeats | undefined {
  const runs = freeRuns(free, rows, cols);
  const block = adjacentRun(runs, quantity);
  if (block !== undefined) {
    const kind = block.length === quantity + 1 ? 'stranding' : 'tidy';
    return { seats: blockFrom(block.first, quantity), kind };
  }
  if (!allowSplit) return undefined;
  const split = splitSeats(runs, quantity);
  return split === undefined ? undefined : { seats: split, kind: 'split' };
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
