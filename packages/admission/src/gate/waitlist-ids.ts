import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import { idPattern } from '../limits.js';

/** Entry ids leave room for an offer's hold id: "<entryId>-<offer number>" is an id too. */
const ENTRY_ID = /^[A-Za-z0-9_-]{1,56}$/;

/** The pseudo hold that keeps the seats gathering for the waitlist's head (lua/includes/waitlist.lua). */
export const POOL_HOLD = '\0pool';

export function newEntryId(): string {
  return randomUUID();
}

export function checkEntryId(value: unknown): string {
  if (typeof value !== 'string' || !ENTRY_ID.test(value) || !idPattern.test(`${value}-1`)) {
    throw new InvalidInputError('entryId', 'must be 1-56 characters of A-Z, a-z, 0-9, _ or -');
  }
  return value;
}
