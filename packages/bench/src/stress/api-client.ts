/** The few API calls the bench makes outside the load: create an event, read the seat map, scrape metrics. */
export interface CreatedEvent {
  readonly eventId: string;
  readonly rows: number;
  readonly cols: number;
}

/** What POST /events takes. */
export interface EventBody {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly holdTtlSeconds?: number;
  readonly maxSeatsPerUser?: number;
  readonly waitlistOfferSeconds?: number;
  readonly waitingRoom?: { readonly admitPerSecond: number; readonly admissionTtlSeconds: number };
}

export async function createEventOverHttp(baseUrl: string, adminToken: string, body: EventBody): Promise<CreatedEvent> {
  const res = await fetch(`${baseUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { id?: string };
  if (res.status !== 201 || typeof json.id !== 'string') {
    throw new Error(`POST /events answered ${res.status}: ${JSON.stringify(json)}`);
  }
  return { eventId: json.id, rows: body.rows, cols: body.cols };
}

/** The API's seat map, row strings joined: Redis's map for the admission strategy, PostgreSQL's otherwise. */
export async function seatGrid(baseUrl: string, eventId: string): Promise<string> {
  const res = await fetch(`${baseUrl}/events/${eventId}/seats`);
  const json = (await res.json()) as { grid?: string[] | string };
  if (!res.ok || json.grid === undefined) throw new Error(`GET seats answered ${res.status}: ${JSON.stringify(json)}`);
  return Array.isArray(json.grid) ? json.grid.join('') : json.grid.replace(/\s/g, '');
}

/** Sums a Prometheus counter over its labels from GET /metrics. */
export async function scrapeCounters(baseUrl: string, names: readonly string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const totals: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = line.split(/[{ ]/, 1)[0] ?? '';
    if (name in totals) totals[name] = (totals[name] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return totals;
}

/** Sequential POST used for set-up (e.g. selling an event out before the storm). */
export async function postJson(baseUrl: string, path: string, userId: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': userId },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

/** Sells every seat of a rows x cols event, one row a request, and checks the map is full. */
export async function sellOut(baseUrl: string, eventId: string, rows: number, cols: number): Promise<void> {
  for (let row = 0; row < rows; row++) {
    const { status, json } = await postJson(baseUrl, `/events/${eventId}/bookings`, `sellout-${row}`, { quantity: cols });
    if (status !== 201) throw new Error(`selling out failed: ${status} ${JSON.stringify(json)}`);
  }
  const grid = await seatGrid(baseUrl, eventId);
  if (grid.includes('.')) throw new Error(`event ${eventId} is not sold out after selling every row`);
}
