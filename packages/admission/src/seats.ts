/** A seat, 1-based: row 1 is the front, col 1 the left. */
export interface Seat {
  readonly row: number;
  readonly col: number;
}

/** Seats as the scripts take them: a flat row, col, row, col... list. */
export function seatArgs(seats: readonly Seat[]): number[] {
  return seats.flatMap((seat) => [seat.row, seat.col]);
}

/** Reads `count` seats (or all the rest) from a flat row, col... reply, from `start`. */
export function seatsFromReply(reply: readonly unknown[], start: number, count = (reply.length - start) / 2): Seat[] {
  const seats: Seat[] = [];
  for (let i = 0; i < count; i++) {
    seats.push({ row: Number(reply[start + 2 * i]), col: Number(reply[start + 2 * i + 1]) });
  }
  return seats;
}

export function seatLabel(seat: Seat): string {
  return `${seat.row}:${seat.col}`;
}
