import { InvalidInputError } from './errors.js';
import type { Seat } from './seats.js';
import type { AdmissionSettings } from './settings.js';

/** Ids become part of key names: a closed alphabet keeps them from breaking the hash tag. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const PRINTABLE = /^[\x21-\x7e]{1,255}$/;
const MAX_USER_ID_LENGTH = 128;

export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new InvalidInputError(field, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
  }
  return value;
}

/** Any text without control characters (the scripts use one as a separator). */
const USER_ID_PATTERN = new RegExp(`^[^\\x00-\\x1f\\x7f]{1,${MAX_USER_ID_LENGTH}}$`, 'u');

export function checkUserId(value: unknown): string {
  if (typeof value !== 'string' || !USER_ID_PATTERN.test(value)) {
    throw new InvalidInputError('userId', `must be 1-${MAX_USER_ID_LENGTH} characters, none of them control characters`);
  }
  return value;
}

export function checkIdempotencyKey(value: unknown): string {
  if (typeof value !== 'string' || !PRINTABLE.test(value)) {
    throw new InvalidInputError('idempotencyKey', 'must be 1-255 printable ASCII characters');
  }
  return value;
}

export function checkWhole(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Checks the list's shape only; whether each seat is on the grid is the script's call. */
export function checkSeatList(value: unknown, settings: AdmissionSettings): readonly Seat[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > settings.maxSeatsPerClaim) {
    throw new InvalidInputError('seats', `must list 1 to ${settings.maxSeatsPerClaim} seats`);
  }
  const seen = new Set<string>();
  return value.map((seat: unknown, i) => {
    const { row, col } = (seat ?? {}) as Partial<Seat>;
    checkWhole(`seats[${i}].row`, row, 1, settings.maxRows);
    checkWhole(`seats[${i}].col`, col, 1, settings.maxCols);
    const label = `${row}:${col}`;
    if (seen.has(label)) throw new InvalidInputError(`seats[${i}]`, `seat ${label} is listed twice`);
    seen.add(label);
    return { row: row as number, col: col as number };
  });
}
