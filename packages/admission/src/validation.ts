import { InvalidInputError } from './errors.js';
import { idempotencyKeyPattern, idPattern, limits, textPattern, userIdPattern } from './limits.js';
import type { Seat } from './seats.js';

/** The grid bounds and claim size a seat list is checked against. */
export interface SeatListBounds {
  readonly maxSeatsPerClaim: number;
  readonly maxRows: number;
  readonly maxCols: number;
}

export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !idPattern.test(value)) {
    throw new InvalidInputError(field, `must be 1-${limits.maxIdLength} characters of A-Z, a-z, 0-9, _ or -`);
  }
  return value;
}

export function checkUserId(value: unknown): string {
  if (typeof value !== 'string' || !userIdPattern.test(value)) {
    throw new InvalidInputError('userId', `must be 1-${limits.maxUserIdLength} characters, none of them control characters`);
  }
  return value;
}

export function checkIdempotencyKey(value: unknown): string {
  if (typeof value !== 'string' || !idempotencyKeyPattern.test(value)) {
    throw new InvalidInputError('idempotencyKey', `must be 1-${limits.maxIdempotencyKeyLength} printable ASCII characters`);
  }
  return value;
}

/** Text a person reads (an event name): trimmed non-empty, at most `max` characters, no control characters. */
export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max || !textPattern.test(value)) {
    throw new InvalidInputError(field, `must be 1-${max} characters, none of them control characters`);
  }
  return value;
}

export function checkWhole(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Checks the list's shape only; whether each seat is on the event's grid is checked where the grid is known. */
export function checkSeatList(value: unknown, bounds: SeatListBounds): readonly Seat[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > bounds.maxSeatsPerClaim) {
    throw new InvalidInputError('seats', `must list 1 to ${bounds.maxSeatsPerClaim} seats`);
  }
  const seen = new Set<string>();
  return value.map((seat: unknown, i) => {
    const { row, col } = (seat ?? {}) as Partial<Seat>;
    checkWhole(`seats[${i}].row`, row, 1, bounds.maxRows);
    checkWhole(`seats[${i}].col`, col, 1, bounds.maxCols);
    const label = `${row}:${col}`;
    if (seen.has(label)) throw new InvalidInputError(`seats[${i}]`, `seat ${label} is listed twice`);
    seen.add(label);
    return { row: row as number, col: col as number };
  });
}
