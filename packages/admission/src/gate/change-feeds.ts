import { setTimeout as sleep } from 'node:timers/promises';
import type { SeatChange } from './changes.js';
import type { Gate } from './gate.js';
import type { RedisClient } from './script-runner.js';

export interface ChangeFeedSettings {
  /** How long one blocking read waits for records. Default 5,000 ms. */
  readonly blockMs: number;
  /** Records one read takes, at most. Default 500. */
  readonly batch: number;
  /** A feed with no subscriber keeps reading this long, for the next one. Default 5,000 ms. */
  readonly lingerMs: number;
  /** After a failed read (Redis down), the next one waits this long. Default 1,000 ms. */
  readonly retryMs: number;
}

export const defaultChangeFeedSettings: Readonly<ChangeFeedSettings> = Object.freeze({
  blockMs: 5_000,
  batch: 500,
  lingerMs: 5_000,
  retryMs: 1_000,
});

/** Gets every change after the version it subscribed at, in order; a 'reset' means: start again from a snapshot. */
export type ChangeListener = (change: SeatChange) => void;

export interface ChangeSubscription {
  /** Changes up to `version` are not wanted (the subscriber took a snapshot at it). */
  skipTo(version: number): void;
  close(): void;
}

interface Subscriber {
  readonly listener: ChangeListener;
  /** The last version it was given. */
  since: number;
  /** Catching up from the stream: the feed's records wait here meanwhile. */
  held: SeatChange[] | undefined;
}

interface Feed {
  readonly eventId: string;
  readonly subscribers: Set<Subscriber>;
  readonly connection: RedisClient;
  lastVersion: number;
  linger: NodeJS.Timeout | undefined;
  stopped: boolean;
}

/**
 * One reader of each watched event's change stream per process, shared by all its
 * subscribers: a change costs one Redis read however many watch it. Each feed blocks on a
 * connection of its own (a blocking read holds its connection) and stops a while after its
 * last subscriber leaves.
 */
export class ChangeFeeds {
  readonly #gate: Gate;
  readonly #openConnection: () => RedisClient;
  readonly #settings: ChangeFeedSettings;
  readonly #feeds = new Map<string, Feed>();

  constructor(gate: Gate, openConnection: () => RedisClient, settings: Partial<ChangeFeedSettings> = {}) {
    this.#gate = gate;
    this.#openConnection = openConnection;
    this.#settings = { ...defaultChangeFeedSettings, ...settings };
  }

  /** Events being read now. */
  get watching(): number {
    return this.#feeds.size;
  }

  /** Calls `listener` with every change of the event after `afterVersion`, in order. */
  subscribe(eventId: string, afterVersion: number, listener: ChangeListener): ChangeSubscription {
    const feed = this.#feeds.get(eventId) ?? this.#start(eventId, afterVersion);
    clearTimeout(feed.linger);
    feed.linger = undefined;
    const subscriber: Subscriber = { listener, since: afterVersion, held: undefined };
    feed.subscribers.add(subscriber);
    if (afterVersion < feed.lastVersion) void this.#catchUp(feed, subscriber);
    return {
      skipTo: (version) => {
        subscriber.since = Math.max(subscriber.since, version);
      },
      close: () => {
        feed.subscribers.delete(subscriber);
        if (feed.subscribers.size === 0 && !feed.stopped) {
          feed.linger = setTimeout(() => this.#stop(feed), this.#settings.lingerMs);
          feed.linger.unref();
        }
      },
    };
  }

  /** Stops every feed and closes their connections. */
  close(): void {
    for (const feed of [...this.#feeds.values()]) this.#stop(feed);
  }

  #start(eventId: string, afterVersion: number): Feed {
    const feed: Feed = {
      eventId,
      subscribers: new Set(),
      connection: this.#openConnection(),
      lastVersion: afterVersion,
      linger: undefined,
      stopped: false,
    };
    this.#feeds.set(eventId, feed);
    void this.#read(feed);
    return feed;
  }

  #stop(feed: Feed): void {
    if (feed.stopped) return;
    feed.stopped = true;
    clearTimeout(feed.linger);
    if (this.#feeds.get(feed.eventId) === feed) this.#feeds.delete(feed.eventId);
    // Ends the blocking read under way too.
    feed.connection.disconnect();
  }

  async #read(feed: Feed): Promise<void> {
    while (!feed.stopped) {
      let changes: SeatChange[];
      try {
        changes = await this.#gate.changes.waitFor(
          feed.connection,
          feed.eventId,
          feed.lastVersion,
          this.#settings.blockMs,
          this.#settings.batch,
        );
      } catch {
        if (feed.stopped) return;
        await sleep(this.#settings.retryMs, undefined, { ref: false });
        continue;
      }
      const first = changes[0];
      // Records that do not follow on (the stream was trimmed past the feed's place): readers start over.
      if (first !== undefined && first.kind === 'seats' && first.version !== feed.lastVersion + 1) {
        this.#deliver(feed, { kind: 'reset', version: first.version - 1 });
      }
      for (const change of changes) {
        feed.lastVersion = change.version;
        this.#deliver(feed, change);
      }
    }
  }

  #deliver(feed: Feed, change: SeatChange): void {
    for (const subscriber of feed.subscribers) {
      if (subscriber.held !== undefined) subscriber.held.push(change);
      else give(subscriber, change);
    }
  }

  /** A subscriber behind the feed reads its gap from the stream, then takes the feed's records. */
  async #catchUp(feed: Feed, subscriber: Subscriber): Promise<void> {
    subscriber.held = [];
    let missed: SeatChange[] = [{ kind: 'reset', version: feed.lastVersion }];
    try {
      const batch = await this.#gate.changes.read(feed.eventId, subscriber.since, Math.max(1, feed.lastVersion - subscriber.since));
      if (batch.continuous) missed = [...batch.changes];
    } catch {
      // Redis failed: the subscriber starts again from a snapshot.
    }
    const held = subscriber.held;
    subscriber.held = undefined;
    for (const change of [...missed, ...held]) give(subscriber, change);
  }
}

/** Gives a subscriber a change it has not had (a reset always). */
function give(subscriber: Subscriber, change: SeatChange): void {
  if (change.kind === 'seats' && change.version <= subscriber.since) return;
  subscriber.since = change.version;
  subscriber.listener(change);
}
