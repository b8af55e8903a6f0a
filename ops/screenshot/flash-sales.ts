/** Waves of flash sales through the API, for the picture: bounded in requests and time. */
const WAVES = 3;
const WAVE_MS = 20_000;
const PAUSE_MS = 6_000;
const REQUESTS_A_WAVE = 3_000;
const WORKERS = 20;
/** 20 workers pausing this long between claims: about 150 claims/s, so a wave lasts its time. */
const THINK_MS = 120;
const ROWS = 10;
const COLS = 10;

async function post(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomSeat = () => ({ row: 1 + Math.floor(Math.random() * ROWS), col: 1 + Math.floor(Math.random() * COLS) });

/**
 * Each wave: a fresh 10x10 event, then buyers (a fresh user id each) until the wave's time or
 * request budget runs out: most book 1-2 random seats, some hold one seat and then confirm or
 * release it. Once sold out, the rest meet the sold-out answer, mostly from the cache.
 */
export async function driveFlashSales(baseUrl: string, adminToken: string, log: (line: string) => void): Promise<void> {
  for (let wave = 1; wave <= WAVES; wave++) {
    const created = await post(
      baseUrl,
      '/events',
      { authorization: `Bearer ${adminToken}` },
      { name: `screenshot wave ${wave}`, rows: ROWS, cols: COLS },
    );
    if (created.status !== 201) throw new Error(`creating the wave's event answered ${created.status}`);
    const eventId = String(created.json.id);
    const deadline = Date.now() + WAVE_MS;
    const statuses = new Map<number, number>();
    let sent = 0;
    const buyer = async (worker: number) => {
      while (Date.now() < deadline && sent < REQUESTS_A_WAVE) {
        const user = { 'x-user-id': `shot-${wave}-${worker}-${sent++}` };
        const seats = Math.random() < 0.5 ? [randomSeat()] : [randomSeat(), randomSeat()];
        const distinct = seats.length === 2 && seats[0]!.row === seats[1]!.row && seats[0]!.col === seats[1]!.col ? [seats[0]!] : seats;
        const holding = Math.random() < 0.3;
        const answer = holding
          ? await post(baseUrl, `/events/${eventId}/holds`, user, { quantity: 1 })
          : await post(baseUrl, `/events/${eventId}/bookings`, user, { seats: distinct });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (holding && answer.status === 201) {
          const holdId = String(answer.json.holdId);
          if (Math.random() < 0.5) await post(baseUrl, `/holds/${holdId}/confirm`, user);
          else await fetch(`${baseUrl}/holds/${holdId}`, { method: 'DELETE', headers: user }).then((r) => r.body?.cancel());
        }
        await sleep(THINK_MS);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => buyer(i)));
    log(`wave ${wave} (event ${eventId}): ${sent} claims, answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    if (wave < WAVES) await sleep(PAUSE_MS);
  }
}
