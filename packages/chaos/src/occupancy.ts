/**
 * Who could have held which seat when: the timeline a 409 is checked against. Intervals come
 * from PostgreSQL's holds (the truth) and from "ghosts": claims that may have won in Redis
 * without reaching PostgreSQL (their reply lost, their process killed, the breaker timed
 * them out), which hold seats in Redis until compensation or the reconciler frees them.
 */
export interface SeatInterval {
  readonly seats: readonly number[];
  readonly from: number;
  /** Infinity: still held (a confirmed booking). */
  readonly until: number;
  readonly source: 'postgres' | 'ghost';
}

/** A ghost whose seats are unknown (a best-available claim that got no answer): only its count. */
export interface CountInterval {
  readonly count: number;
  readonly from: number;
  readonly until: number;
}

export class Occupancy {
  readonly #bySeat = new Map<number, SeatInterval[]>();
  readonly #unknown: readonly CountInterval[];
  /** Occupied seats (known seats, each counted once, plus unknown ghosts' counts) from times[i] on. */
  readonly #times: number[] = [];
  readonly #occupied: number[] = [];

  constructor(intervals: readonly SeatInterval[], unknown: readonly CountInterval[]) {
    this.#unknown = unknown;
    for (const interval of intervals) {
      for (const seat of interval.seats) {
        const list = this.#bySeat.get(seat) ?? [];
        list.push(interval);
        this.#bySeat.set(seat, list);
      }
    }
    // Sweep the boundaries in time order; a seat counts while at least one interval holds it.
    const steps: { at: number; seat?: number; count: number }[] = [];
    for (const interval of intervals) {
      for (const seat of new Set(interval.seats)) {
        steps.push({ at: interval.from, seat, count: 1 });
        if (interval.until !== Infinity) steps.push({ at: interval.until, seat, count: -1 });
      }
    }
    for (const ghost of unknown) {
      steps.push({ at: ghost.from, count: ghost.count });
      steps.push({ at: ghost.until, count: -ghost.count });
    }
    steps.sort((a, b) => a.at - b.at);
    const holders = new Map<number, number>();
    let occupied = 0;
    for (const step of steps) {
      if (step.seat === undefined) {
        occupied += step.count;
      } else {
        const before = holders.get(step.seat) ?? 0;
        holders.set(step.seat, before + step.count);
        if (before === 0 && step.count > 0) occupied++;
        if (before === 1 && step.count < 0) occupied--;
      }
      if (this.#times.at(-1) === step.at) this.#occupied[this.#occupied.length - 1] = occupied;
      else {
        this.#times.push(step.at);
        this.#occupied.push(occupied);
      }
    }
  }

  /** What held `seat` at some moment of [from, to]: PostgreSQL's truth first, else a ghost. */
  seatHolder(seat: number, from: number, to: number): SeatInterval['source'] | undefined {
    const overlapping = (this.#bySeat.get(seat) ?? []).filter((i) => i.from <= to && i.until >= from);
    if (overlapping.some((i) => i.source === 'postgres')) return 'postgres';
    return overlapping.length > 0 ? 'ghost' : undefined;
  }

  /** A ghost of unknown seats overlapped [from, to]. */
  unknownGhostWithin(from: number, to: number): boolean {
    return this.#unknown.some((ghost) => ghost.from <= to && ghost.until >= from);
  }

  /** The most seats occupied at any moment of [from, to]. */
  maxOccupied(from: number, to: number): number {
    // The step in force at `from`, then every step that starts inside the window.
    let low = 0;
    let high = this.#times.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.#times[mid] as number) <= from) low = mid + 1;
      else high = mid;
    }
    let max = low > 0 ? (this.#occupied[low - 1] as number) : 0;
    for (let i = low; i < this.#times.length && (this.#times[i] as number) <= to; i++) max = Math.max(max, this.#occupied[i] as number);
    return max;
  }
}
