// The API as the page calls it: same origin, JSON in and out, the caller named by X-User-Id
// (the API's demo identity mode). A problem answer (RFC 9457) becomes an ApiProblem.

const USER_KEY = 'seatgrid.userId';

/** The demo identity: a random user id, kept in this browser so a reload is the same user. */
export function userId() {
  let id = localStorage.getItem(USER_KEY);
  if (id === null || !/^guest-[0-9a-f]{12}$/.test(id)) {
    id = `guest-${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
    localStorage.setItem(USER_KEY, id);
  }
  return id;
}

export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    /** The problem's name: the last part of its type URI ('seats-taken', 'not-found', …). */
    this.type = typeof problem.type === 'string' ? problem.type.split('/').pop() : 'unknown';
    this.problem = problem;
  }
}

/** One request; resolves with the JSON body (undefined for 204), rejects with an ApiProblem. */
export async function call(method, path, body, extraHeaders = {}) {
  const headers = { 'x-user-id': userId(), ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiProblem(0, { title: 'The server cannot be reached; try again in a moment.' });
  }
  if (response.status === 204) return undefined;
  const type = response.headers.get('content-type') ?? '';
  const parsed = type.includes('json') ? await response.json().catch(() => ({})) : {};
  if (!response.ok) throw new ApiProblem(response.status, parsed);
  return parsed;
}

/** The seat map, revalidated with its ETag: undefined when it has not changed (304). */
export async function seatMapIfChanged(eventId, etag) {
  const headers = etag === undefined ? {} : { 'if-none-match': etag };
  const response = await fetch(`/events/${encodeURIComponent(eventId)}/seats`, { headers, cache: 'no-store' });
  if (response.status === 304) return undefined;
  if (!response.ok) throw new ApiProblem(response.status, await response.json().catch(() => ({})));
  return { map: await response.json(), etag: response.headers.get('etag') ?? undefined };
}

/** A seat as the API names it, from its 0-based row-major index. */
export function seatOf(index, cols) {
  return { row: Math.floor(index / cols) + 1, col: (index % cols) + 1 };
}

export function indexOf(seat, cols) {
  return (seat.row - 1) * cols + (seat.col - 1);
}

export function describeSeats(seats) {
  return seats.map((s) => `row ${s.row} seat ${s.col}`).join(', ');
}
