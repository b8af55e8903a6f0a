// The buyer's page in a real browser: Debian's Chromium (scripts/browser-up.sh installs it)
// driven by playwright-core, against the real API as a child process on real Redis and
// PostgreSQL. Two browser contexts (two buyers, each with its own storage and so its own demo
// identity) watch one event. Every wait polls the page with a deadline; on a failure each
// page's screenshot is kept under packages/api/test-results/ and its path printed.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type ChildServer, startApiChild } from '../src/child/index.ts';
import { ADMIN_TOKEN } from './harness.ts';

/** The little of the DOM the functions run inside the page touch (this package compiles without the DOM library). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): { readonly length: number };
};

const CHROMIUM = '/usr/bin/chromium';
const RESULTS_DIR = fileURLToPath(new URL('../test-results/page-browser/', import.meta.url));
/** How soon a watcher must see another buyer's hold (the task's bound; the bench measures the real figure). */
const SEEN_WITHIN_MS = 1_000;
/** Any other state the page must reach. */
const DEADLINE_MS = 15_000;

let api: ChildServer;
let persistent: BrowserContext;
let userDataDir = '';
const pages: { name: string; page: Page; errors: string[] }[] = [];

before(async () => {
  api = await startApiChild({
    ADMIN_TOKEN,
    BOOKING_STRATEGY: 'admission',
    LOG_LEVEL: 'warn',
    PG_POOL_SIZE: '4',
    RATE_LIMIT_PER_SECOND: '0',
    RATE_LIMIT_IP_PER_SECOND: '0',
  });
  // A fresh profile every run: nothing carried over from another run or another test.
  userDataDir = await mkdtemp(join(tmpdir(), 'seatgrid-chromium-'));
  persistent = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await persistent?.close();
  await api?.stop();
  if (userDataDir !== '') await rm(userDataDir, { recursive: true, force: true });
});

/** A buyer: a browser context of its own (its own localStorage, so its own user id). */
async function buyer(name: string): Promise<Page> {
  const browser = persistent.browser();
  assert.ok(browser !== null, 'the persistent context has a browser');
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
  pages.push({ name, page, errors });
  return page;
}

/** Runs a test body; on failure keeps a screenshot of every open page and prints where. */
async function withScreenshots(label: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    assert.deepEqual(
      pages.flatMap((p) => p.errors),
      [],
      'no script error on any page',
    );
  } catch (error) {
    await mkdir(RESULTS_DIR, { recursive: true });
    const stamp = new Date().toISOString().replaceAll(':', '-');
    for (const { name, page } of pages) {
      if (page.isClosed()) continue;
      const path = join(RESULTS_DIR, `${stamp}-${label}-${name}.png`);
      await page.screenshot({ path, fullPage: true }).then(
        () => console.log(`screenshot of ${name}: ${path}`),
        () => {},
      );
    }
    console.log(`API output:\n${api.tail(40)}`);
    throw error;
  }
}

async function createEvent(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${api.baseUrl}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { id: string }).id;
}

/** The page's map summary (what it exposes for tests and screen readers alike). */
function summary(page: Page): Promise<Record<string, string>> {
  return page.locator('#map-summary').evaluate((element) => ({ ...(element as unknown as PageElement).dataset }) as Record<string, string>);
}

/** Waits until the map summary shows these counts. */
async function untilCounts(page: Page, counts: Record<string, string>, timeout = DEADLINE_MS): Promise<void> {
  await page
    .waitForFunction(
      (want) => {
        const data = document.getElementById('map-summary')?.dataset ?? {};
        return Object.entries(want).every(([key, value]) => data[key] === value);
      },
      counts,
      { timeout, polling: 20 },
    )
    .catch(async (error: unknown) => {
      throw new Error(`${JSON.stringify(counts)} not reached within ${timeout} ms (at ${JSON.stringify(await summary(page))}): ${error}`);
    });
}

async function untilLive(page: Page): Promise<void> {
  await page.waitForSelector('#connection[data-state="live"]', { timeout: DEADLINE_MS });
}

describe('the buyer page in Chromium', () => {
  test('two buyers watch one event: a hold shows on the other page within 1 s; a reload keeps the hold and its countdown; confirm sells', async () => {
    const eventId = await createEvent({ name: 'Browser gig', rows: 8, cols: 10, holdTtlSeconds: 300 });
    const watcher = await buyer('watcher');
    const holder = await buyer('holder');
    await withScreenshots('hold-reload-confirm', async () => {
      // The watcher picks the event from the list; the holder comes by its link.
      await watcher.goto(`${api.baseUrl}/`);
      await watcher.waitForSelector('body[data-ready="true"]', { timeout: DEADLINE_MS });
      // The list comes a page at a time (the test database holds other tests' events too).
      const picker = watcher.getByLabel('Choose an event', { exact: true });
      const deadline = Date.now() + DEADLINE_MS;
      while ((await picker.locator(`option[value="${eventId}"]`).count()) === 0) {
        assert.ok(Date.now() < deadline && (await watcher.locator('#more-events').isVisible()), 'the event is in the list');
        const options = await picker.locator('option').count();
        await watcher.getByRole('button', { name: 'Load more events' }).click();
        await watcher.waitForFunction((before) => document.querySelectorAll('#event-select option').length > before, options, {
          timeout: DEADLINE_MS,
        });
      }
      await picker.selectOption(eventId);
      await holder.goto(`${api.baseUrl}/?event=${eventId}`);
      for (const page of [watcher, holder]) {
        await untilLive(page);
        await untilCounts(page, { free: '80', held: '0', sold: '0' });
      }
      assert.notEqual(await watcher.locator('#user-id').textContent(), await holder.locator('#user-id').textContent());

      // The holder picks two seats with the keyboard alone: row 1 seats 3 and 4.
      const map = holder.getByRole('application', { name: /Seat map of Browser gig/ });
      await map.focus();
      for (const key of ['ArrowRight', 'ArrowRight', 'Space', 'ArrowRight', 'Enter']) await holder.keyboard.press(key);
      assert.equal(await holder.locator('#selection').textContent(), 'Selected: row 1 seat 3, row 1 seat 4.');
      assert.equal(await holder.locator('#seat-at-cursor').textContent(), 'Row 1, seat 4: free, selected');

      const granted = holder.waitForResponse((r) => r.url().endsWith(`/events/${eventId}/holds`) && r.request().method() === 'POST');
      await holder.getByRole('button', { name: 'Hold selected seats' }).click();
      const response = await granted;
      assert.equal(response.status(), 201);
      const committed = Date.now();
      await untilCounts(watcher, { held: '2', free: '78' }, SEEN_WITHIN_MS - (Date.now() - committed));
      console.log(`the watcher saw the hold ${Date.now() - committed} ms after its 201 reached the holder's page`);
      await untilCounts(holder, { held: '2', mine: '2' });

      // The hold and its countdown survive a reload: read back from the API by its stored id.
      await holder.waitForSelector('#hold-panel:not([hidden])', { timeout: DEADLINE_MS });
      const holdId = await holder.locator('#hold-id').textContent();
      const expiresAt = await holder.locator('#countdown').getAttribute('data-expires-at');
      assert.ok(holdId && expiresAt);
      await holder.reload();
      await holder.waitForSelector('#hold-panel:not([hidden])', { timeout: DEADLINE_MS });
      assert.equal(await holder.locator('#hold-id').textContent(), holdId);
      assert.equal(await holder.locator('#countdown').getAttribute('data-expires-at'), expiresAt);
      assert.equal(await holder.locator('#hold-seats').textContent(), 'row 1 seat 3, row 1 seat 4');
      await holder.waitForFunction(
        (end) => {
          const text = document.getElementById('countdown')?.textContent ?? '';
          const match = /^(\d+):(\d\d)$/.exec(text);
          const left = match === null ? -1 : Number(match[1]) * 60 + Number(match[2]);
          // Counting down from the hold's own expiry, not from a fresh TTL.
          return left > 0 && left <= Math.ceil((Date.parse(end) - Date.now()) / 1000) + 1;
        },
        expiresAt,
        { timeout: DEADLINE_MS, polling: 50 },
      );
      await untilLive(holder);
      await untilCounts(holder, { held: '2', mine: '2' });

      await holder.getByRole('button', { name: 'Confirm and pay' }).click();
      for (const page of [watcher, holder]) await untilCounts(page, { sold: '2', held: '0', free: '78' });
      await holder.waitForSelector('#booking-panel:not([hidden])', { timeout: DEADLINE_MS });
      assert.match((await holder.locator('#booking-text').textContent()) ?? '', /row 1 seat 3, row 1 seat 4\. Paid and confirmed\./);
      assert.equal(await holder.locator('#hold-panel').isHidden(), true);
    });
  });

  test('best seats by number, released again; the other page follows both', async () => {
    const eventId = await createEvent({ name: 'Best seats', rows: 5, cols: 6 });
    const watcher = await buyer('best-watcher');
    const holder = await buyer('best-holder');
    await withScreenshots('best-release', async () => {
      for (const page of [watcher, holder]) {
        await page.goto(`${api.baseUrl}/?event=${eventId}`);
        await untilLive(page);
        await untilCounts(page, { free: '30' });
      }
      await holder.getByLabel('Best seats, how many').fill('3');
      await holder.getByRole('button', { name: 'Hold the best seats' }).click();
      await untilCounts(watcher, { held: '3', free: '27' });
      await untilCounts(holder, { mine: '3' });
      await holder.getByRole('button', { name: 'Release' }).click();
      for (const page of [watcher, holder]) await untilCounts(page, { held: '0', free: '30', mine: '0' });
      assert.match((await holder.locator('#message').textContent()) ?? '', /Released/);
    });
  });

  test('the page reconnects by itself when the API restarts, and goes on showing changes', async () => {
    const eventId = await createEvent({ name: 'Restart', rows: 2, cols: 5 });
    const watcher = await buyer('restart-watcher');
    await withScreenshots('reconnect', async () => {
      await watcher.goto(`${api.baseUrl}/?event=${eventId}`);
      await untilLive(watcher);
      await untilCounts(watcher, { free: '10' });
      // Killed outright and started again on the same port: EventSource retries, with Last-Event-ID.
      await api.restart();
      const bought = await fetch(`${api.baseUrl}/events/${eventId}/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': 'after-restart' },
        body: JSON.stringify({ quantity: 3 }),
      });
      assert.equal(bought.status, 201);
      await untilCounts(watcher, { sold: '3', free: '7' });
      await untilLive(watcher);
    });
  });

  test('a stream refused with 503 (streams full): the page polls, and goes live within seconds once one is free', async () => {
    const eventId = await createEvent({ name: 'Full house', rows: 2, cols: 5 });
    // A second API on the same stores that serves one stream at most, taken here first.
    const small = await startApiChild({ ADMIN_TOKEN, BOOKING_STRATEGY: 'admission', LOG_LEVEL: 'warn', SSE_MAX_CLIENTS: '1' });
    const taken = new AbortController();
    try {
      const first = await fetch(`${small.baseUrl}/events/${eventId}/seats/stream`, { signal: taken.signal });
      assert.equal(first.status, 200);
      const watcher = await buyer('full-house-watcher');
      await withScreenshots('streams-full', async () => {
        await watcher.goto(`${small.baseUrl}/?event=${eventId}`);
        await watcher.waitForSelector('#connection[data-state="polling"]', { timeout: DEADLINE_MS });
        await untilCounts(watcher, { free: '10' });
        taken.abort();
        // A fixed 30 s wait before trying the stream again would miss this deadline.
        const freed = Date.now();
        await untilLive(watcher);
        console.log(`live ${Date.now() - freed} ms after the stream was freed`);
      });
    } finally {
      taken.abort();
      await small.stop();
    }
  });

  test('a 1,000 × 1,000 map: one pixel a seat from the snapshot, and a sale repaints its seats', async () => {
    const eventId = await createEvent({ name: 'Arena', rows: 1_000, cols: 1_000 });
    const watcher = await buyer('arena-watcher');
    await withScreenshots('arena', async () => {
      const started = Date.now();
      await watcher.goto(`${api.baseUrl}/?event=${eventId}`);
      await untilCounts(watcher, { free: '1000000', held: '0', sold: '0' }, 60_000);
      console.log(`the 1,000 × 1,000 map was drawn ${Date.now() - started} ms after the page was asked for`);
      const canvas = await watcher.locator('#seat-map').evaluate((element) => {
        const c = element as unknown as { width: number; height: number; className: string };
        return { width: c.width, height: c.height, pixels: c.className.includes('pixels') };
      });
      assert.deepEqual(canvas, { width: 1_000, height: 1_000, pixels: true });
      // Row 500, seats 1-3 (0-based pixels (0..2, 499)).
      const bought = await fetch(`${api.baseUrl}/events/${eventId}/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': 'arena-buyer' },
        body: JSON.stringify({ seats: [1, 2, 3].map((col) => ({ row: 500, col })) }),
      });
      assert.equal(bought.status, 201);
      await untilCounts(watcher, { sold: '3', free: '999997' });
      const pixel = (x: number, y: number) =>
        watcher.locator('#seat-map').evaluate(
          (element, [px, py]) => {
            const c = element as unknown as {
              getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
            };
            return [...Array.from(c.getContext('2d').getImageData(px as number, py as number, 1, 1).data).slice(0, 3)];
          },
          [x, y],
        );
      // Repainted by the next frame: poll until the sold colour shows, then check its neighbours kept theirs.
      await watcher.waitForFunction(
        () => {
          const c = document.getElementById('seat-map') as unknown as {
            getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
          };
          return c.getContext('2d').getImageData(2, 499, 1, 1).data[0] === 58;
        },
        null,
        { timeout: DEADLINE_MS },
      );
      for (const x of [0, 1, 2]) assert.deepEqual(await pixel(x, 499), [58, 63, 69], `seat (500, ${x + 1}) drawn sold`);
      assert.deepEqual(await pixel(3, 499), [215, 239, 224], 'the seat beside it still free');
      assert.deepEqual(await pixel(0, 498), [215, 239, 224], 'the row before still free');
    });
  });

  test('sold out: the waitlist button asks the API and shows its answer', async () => {
    const eventId = await createEvent({ name: 'Tiny', rows: 1, cols: 2 });
    const late = await buyer('late');
    await withScreenshots('waitlist', async () => {
      // Someone else buys both seats.
      const bought = await fetch(`${api.baseUrl}/events/${eventId}/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': 'early-bird' },
        body: JSON.stringify({ quantity: 2 }),
      });
      assert.equal(bought.status, 201);
      await late.goto(`${api.baseUrl}/?event=${eventId}`);
      await untilCounts(late, { sold: '2', free: '0' });
      await late.waitForSelector('#waitlist-panel:not([hidden])', { timeout: DEADLINE_MS });
      // Whether this server has the waitlist route decides the answer the page must show.
      const probe = await fetch(`${api.baseUrl}/events/${eventId}/waitlist`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': 'probe' },
        body: JSON.stringify({ quantity: 1 }),
      });
      const routeMissing = probe.status === 404 && ((await probe.json()) as { type?: string }).type?.endsWith('/not-found') === true;
      await late.getByLabel('Best seats, how many').fill('1');
      await late.getByRole('button', { name: 'Join the waitlist' }).click();
      await late.waitForFunction(() => (document.getElementById('waitlist-answer')?.textContent ?? '') !== '', null, {
        timeout: DEADLINE_MS,
      });
      const answer = (await late.locator('#waitlist-answer').textContent()) ?? '';
      if (routeMissing) assert.equal(answer, 'The waitlist is not available on this server.');
      else assert.match(answer, /on the waitlist for 1 seat: number \d+ in line/);
    });
  });
});
