/**
 * The one table of script result codes. Every Lua script returns `{ code, ... }`; the
 * loader injects this table into each script as `Code`, so Lua and TypeScript cannot
 * drift apart. `kind` says how the engine surfaces the code:
 * - `ok`: success;
 * - `refusal`: a business outcome, returned as a typed result (never thrown);
 * - `error`: bad input or a state the caller must act on, thrown as an AdmissionError.
 */
export const ResultCode = Object.freeze({
  OK: 0,
  NOT_LOADED: 1,
  SOLD_OUT: 2,
  SEATS_TAKEN: 3,
  NOT_ENOUGH_SEATS: 4,
  NO_ADJACENT_BLOCK: 5,
  USER_LIMIT: 6,
  IDEMPOTENCY_MISMATCH: 7,
  HOLD_NOT_FOUND: 8,
  HOLD_EXPIRED: 9,
  WRONG_STATE: 10,
  INVALID_SEAT: 11,
  DUPLICATE_SEAT: 12,
  INVALID_ARGUMENT: 13,
  EVENT_EXISTS: 14,
  LOAD_MISMATCH: 15,
  ALREADY_WAITING: 16,
  ENTRY_NOT_FOUND: 17,
  ENTRY_CLOSED: 18,
  NO_WAITING_ROOM: 19,
  TICKET_NOT_FOUND: 20,
  ADMISSION_REQUIRED: 21,
} as const);

export type ResultCodeName = keyof typeof ResultCode;
export type ResultCodeValue = (typeof ResultCode)[ResultCodeName];

const namesByValue = new Map<number, ResultCodeName>(Object.entries(ResultCode).map(([name, value]) => [value, name as ResultCodeName]));

/** The name of a numeric code, or undefined for a number no script returns. */
export function resultCodeName(value: number): ResultCodeName | undefined {
  return namesByValue.get(value);
}

/** The Lua source that defines `Code` inside every script. */
export function luaCodeTable(): string {
  const fields = Object.entries(ResultCode).map(([name, value]) => `${name} = ${value}`);
  return `local Code = { ${fields.join(', ')} }\n`;
}
