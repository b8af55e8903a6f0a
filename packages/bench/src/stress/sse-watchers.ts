import { setTimeout as sleep } from 'node:timers/promises';
// A worker thread of SSE clients for the live-map scenario: N connections to one event's
// GET /events/:eventId/seats/stream, each keeping its own copy of the map (snapshot, then
// changes). Off the main thread so the load generator and the clients do not delay each other's
// timings. Times are process.hrtime (one monotonic clock for every thread), in ns.
import { request, type IncomingMessage } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface WatchersInput {
  readonly url: string;
  readonly clients: number;
  readonly capacity: number;
}

/** From the main thread: stop reading once every client has reached `version`, then compare maps. */
export interface FinishMessage {
  readonly type: 'finish';
  readonly version: number;
  /** The map the API answers (GET seats, rows joined). */
  readonly states: string;
  readonly deadlineMs: number;
}

export type WatchersMessage =
  | { readonly type: 'ready'; readonly connectMs: number }
  | { readonly type: 'failed'; readonly error: string }
  | {
      readonly type: 'result';
      /** Per seat index: when the last client saw it taken (hrtime ns as a string; '' if none did) and by how many. */
      readonly lastSeenNs: readonly string[];
      readonly firstSeenNs: readonly string[];
      readonly seenBy: readonly number[];
      /** Clients whose stream ended before the finish (dropped or failed). */
      readonly ended: number;
      /** Clients (not ended) whose map differs from the API's at the end. */
      readonly mismatched: number;
      /** Clients (not ended) that had not reached the final version by the deadline. */
      readonly behind: number;
      /** Seat-change messages received, over every client. */
      readonly messages: number;
      readonly snapshots: number;
    };

const CODES: Record<string, number> = { '.': 0, H: 1, S: 2 };
const STATE_CHARS = '.HS';

class Watcher {
  version = -1;
  states: Uint8Array;
  /** Seat indices this client has seen taken (first time each). */
  readonly seen: Uint8Array;
  ended = false;
  messages = 0;
  snapshots = 0;
  #buffer = '';
  #response: IncomingMessage | undefined;
  readonly #onSeen: (index: number, at: bigint) => void;

  constructor(capacity: number, onSeen: (index: number, at: bigint) => void) {
    this.states = new Uint8Array(capacity);
    this.seen = new Uint8Array(capacity);
    this.#onSeen = onSeen;
  }

  open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        this.#response = res;
        res.setEncoding('utf8');
        let first = true;
        res.on('data', (chunk: string) => {
          this.#read(chunk);
          if (first && this.version >= 0) {
            first = false;
            resolve();
          }
        });
        res.on('close', () => {
          this.ended = true;
          if (first) reject(new Error('the stream ended before its snapshot'));
        });
      });
      req.on('error', (error) => {
        this.ended = true;
        reject(error);
      });
      req.end();
    });
  }

  close(): void {
    this.#response?.destroy();
  }

  statesText(): string {
    let text = '';
    for (const state of this.states) text += STATE_CHARS[state];
    return text;
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    let end = this.#buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      end = this.#buffer.indexOf('\n\n');
      let event = '';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (event === 'snapshot') this.#snapshot(JSON.parse(data) as { version: number; grid: string[] });
      else if (event === 'seats') this.#change(JSON.parse(data) as { version: number; seats: { state: string; indices: number[] }[] });
    }
  }

  #snapshot(snapshot: { version: number; grid: string[] }): void {
    this.snapshots++;
    this.version = snapshot.version;
    const text = snapshot.grid.join('');
    for (let i = 0; i < text.length && i < this.states.length; i++) this.states[i] = CODES[text[i] ?? '.'] ?? 0;
  }

  #change(change: { version: number; seats: { state: string; indices: number[] }[] }): void {
    const at = process.hrtime.bigint();
    this.messages++;
    this.version = change.version;
    for (const { state, indices } of change.seats) {
      const code = CODES[state] ?? 0;
      for (const index of indices) {
        this.states[index] = code;
        if (code !== 0 && this.seen[index] === 0) {
          this.seen[index] = 1;
          this.#onSeen(index, at);
        }
      }
    }
  }
}

async function main(input: WatchersInput): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('sse-watchers runs as a worker thread');
  const lastSeen = new Array<bigint>(input.capacity).fill(0n);
  const firstSeen = new Array<bigint>(input.capacity).fill(0n);
  const seenBy = new Array<number>(input.capacity).fill(0);
  const onSeen = (index: number, at: bigint) => {
    if (at > (lastSeen[index] ?? 0n)) lastSeen[index] = at;
    if (firstSeen[index] === 0n || at < (firstSeen[index] ?? 0n)) firstSeen[index] = at;
    seenBy[index] = (seenBy[index] ?? 0) + 1;
  };
  const watchers = Array.from({ length: input.clients }, () => new Watcher(input.capacity, onSeen));
  const started = performance.now();
  try {
    // A few at a time: every connection starts with a snapshot read.
    for (let i = 0; i < watchers.length; i += 50) await Promise.all(watchers.slice(i, i + 50).map((w) => w.open(input.url)));
  } catch (error) {
    port.postMessage({ type: 'failed', error: error instanceof Error ? error.message : String(error) } satisfies WatchersMessage);
    for (const watcher of watchers) watcher.close();
    return;
  }
  port.postMessage({ type: 'ready', connectMs: performance.now() - started } satisfies WatchersMessage);

  port.once('message', async (finish: FinishMessage) => {
    const deadline = Date.now() + finish.deadlineMs;
    while (Date.now() < deadline && watchers.some((w) => !w.ended && w.version < finish.version)) {
      await sleep(20);
    }
    const ended = watchers.filter((w) => w.ended).length;
    const live = watchers.filter((w) => !w.ended);
    const behind = live.filter((w) => w.version < finish.version).length;
    const mismatched = live.filter((w) => w.statesText() !== finish.states).length;
    for (const watcher of watchers) watcher.close();
    port.postMessage({
      type: 'result',
      lastSeenNs: lastSeen.map((t) => (t === 0n ? '' : t.toString())),
      firstSeenNs: firstSeen.map((t) => (t === 0n ? '' : t.toString())),
      seenBy,
      ended,
      mismatched,
      behind,
      messages: watchers.reduce((sum, w) => sum + w.messages, 0),
      snapshots: watchers.reduce((sum, w) => sum + w.snapshots, 0),
    } satisfies WatchersMessage);
  });
}

void main(workerData as WatchersInput);
