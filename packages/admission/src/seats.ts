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

/** 0-based row-major index of a seat on a grid `cols` wide. */
export function seatIndex(seat: Seat, cols: number): number {
  return (seat.row - 1) * cols + (seat.col - 1);
}

export function seatOfIndex(index: number, cols: number): Seat {
  return { row: Math.floor(index / cols) + 1, col: (index % cols) + 1 };
}
