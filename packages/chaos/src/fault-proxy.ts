import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { RespFrameReader } from './resp-frames.ts';

/**
 * A TCP proxy on a loopback port that the API's Redis or PostgreSQL connections go
 * through, so a test can hurt the network between them without touching the server:
 * add latency, black-hole (stall) or drop connections, cut them all now, or cut one reply
 * after some bytes (the server did the work, the client never hears).
 */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * pass: bytes flow (after the latency). blackhole: bytes are held both ways and new
 * connections hang, as a partitioned network does; healing delivers what was held, in
 * order, as TCP would after retransmitting. drop: every new connection is reset at once.
 */
export type ProxyMode = 'pass' | 'blackhole' | 'drop';

export interface ReplyCutOptions {
  /** Bytes of the reply the client still gets before the connection dies (clamped below the reply's length). */
  readonly afterBytes: number;
  /**
   * Which command's reply to cut, by its first words (e.g. ['EVALSHA', sha, '7']): Redis
   * protocol only. Without it, the first reply bytes that cross after arming are cut.
   */
  readonly command?: (words: readonly string[]) => boolean;
}

export interface ReplyCut {
  /** The first words of the command whose reply was cut (empty without a matcher). */
  readonly command: readonly string[];
  /** Reply bytes the client got before the cut. */
  readonly bytesDelivered: number;
}

/** Bytes one way on one connection, delivered in order, each `latencyMs` after it arrived. */
class DelayedPipe {
  readonly #to: Socket;
  readonly #proxy: { latencyMs: number; stalled: boolean };
  readonly #queue: { chunk: Buffer; due: number }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(to: Socket, proxy: { latencyMs: number; stalled: boolean }) {
    this.#to = to;
    this.#proxy = proxy;
  }

  send(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#proxy.latencyMs === 0 && !this.#proxy.stalled && this.#queue.length === 0) {
      this.#to.write(chunk);
      return;
    }
    this.#queue.push({ chunk, due: Date.now() + this.#proxy.latencyMs });
    this.flush();
  }

  /** Delivers what is due; call again when the latency or the stall changes. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#proxy.stalled || this.#to.destroyed) return;
    const now = Date.now();
    while (this.#queue.length > 0 && (this.#queue[0] as { due: number }).due <= now) {
      this.#to.write((this.#queue.shift() as { chunk: Buffer }).chunk);
    }
    const next = this.#queue[0];
    if (next !== undefined) this.#timer = setTimeout(() => this.flush(), next.due - now);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#queue.length = 0;
  }
}

interface ArmedCut {
  readonly options: ReplyCutOptions;
  readonly done: (cut: ReplyCut) => void;
  /** Set once a command on some connection matched: the cut belongs to that connection. */
  target?: { readonly link: Link; readonly replyIndex: number; readonly command: readonly string[] };
}

/** One client connection and its connection to the server. */
class Link {
  readonly client: Socket;
  readonly server: Socket;
  readonly toServer: DelayedPipe;
  readonly toClient: DelayedPipe;
  /** Redis protocol only: frames seen each way, so the n-th reply is known to answer the n-th command. */
  readonly requests = new RespFrameReader();
  readonly replies = new RespFrameReader();
  requestCount = 0;
  replyCount = 0;
  /** Reply bytes seen so far from the server, and where the last complete reply ended (RESP). */
  replyBytes = 0;
  lastReplyEnd = 0;

  constructor(client: Socket, server: Socket, proxy: { latencyMs: number; stalled: boolean }) {
    this.client = client;
    this.server = server;
    this.toServer = new DelayedPipe(server, proxy);
    this.toClient = new DelayedPipe(client, proxy);
  }

  close(): void {
    this.toServer.stop();
    this.toClient.stop();
    this.client.destroy();
    this.server.destroy();
  }
}

export class FaultProxy {
  readonly target: ProxyTarget;
  readonly #server: Server;
  readonly #links = new Set<Link>();
  /** Shared with every pipe, so a change applies to bytes already queued. */
  readonly #state = { latencyMs: 0, stalled: false };
  /** Frames Redis protocol on every connection, so a cut can pick one command's reply. */
  readonly #resp: boolean;
  #mode: ProxyMode = 'pass';
  #cuts: ArmedCut[] = [];
  #accepted = 0;

  private constructor(target: ProxyTarget, server: Server, resp: boolean) {
    this.target = target;
    this.#resp = resp;
    this.#server = server;
    server.on('connection', (client) => this.#accept(client));
  }

  /**
   * Listens on a free loopback port and forwards to `target`. `protocol: 'resp'` (a Redis
   * target) lets cutReply pick a command by its words.
   */
  static async start(target: ProxyTarget, options: { protocol?: 'resp' | 'opaque' } = {}): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    const proxy = new FaultProxy(target, server, options.protocol === 'resp');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  get latencyMs(): number {
    return this.#state.latencyMs;
  }

  /** Connections open now, and accepted since start. */
  get connections(): { open: number; accepted: number } {
    return { open: this.#links.size, accepted: this.#accepted };
  }

  /** Every byte, both ways, arrives this much later (order kept). */
  setLatency(ms: number): void {
    this.#state.latencyMs = ms;
    for (const link of this.#links) {
      link.toServer.flush();
      link.toClient.flush();
    }
  }

  setMode(mode: ProxyMode): void {
    this.#mode = mode;
    this.#state.stalled = mode === 'blackhole';
    if (mode !== 'blackhole') this.setLatency(this.#state.latencyMs);
  }

  /** Back to normal: pass, no latency, no armed cut (held bytes are delivered). */
  heal(): void {
    this.#cuts = [];
    this.#state.latencyMs = 0;
    this.setMode('pass');
  }

  /** Kills every open connection now, both sides; returns how many. */
  cutAll(): number {
    const count = this.#links.size;
    for (const link of this.#links) link.close();
    this.#links.clear();
    return count;
  }

  /** Arms a cut of one reply; resolves once it happened (heal() disarms it: then it never resolves). */
  cutReply(options: ReplyCutOptions): Promise<ReplyCut> {
    if (options.command !== undefined && !this.#resp) throw new Error('cutReply by command needs protocol: resp');
    return new Promise((resolve) => this.#cuts.push({ options, done: resolve }));
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#accepted++;
    if (this.#mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const server = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    const link = new Link(client, server, this.#state);
    this.#links.add(link);
    const close = () => {
      if (!this.#links.delete(link)) return;
      link.close();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => this.#fromClient(link, chunk));
    server.on('data', (chunk: Buffer) => this.#fromServer(link, chunk));
  }

  #fromClient(link: Link, chunk: Buffer): void {
    if (this.#resp) {
      for (const frame of link.requests.push(chunk)) {
        const cut = this.#cuts.find((c) => c.target === undefined && c.options.command?.(frame.words) === true);
        if (cut !== undefined) cut.target = { link, replyIndex: link.requestCount, command: frame.words };
        link.requestCount++;
      }
    }
    link.toServer.send(chunk);
  }

  #fromServer(link: Link, chunk: Buffer): void {
    const chunkStart = link.replyBytes;
    link.replyBytes += chunk.length;
    const cut = this.#cuts.find((c) => (c.target === undefined ? c.options.command === undefined : c.target.link === link));
    // Where the reply to cut starts and ends, in this connection's reply stream.
    let cutStart = cut !== undefined && cut.target === undefined ? chunkStart : undefined;
    let cutEnd: number | undefined;
    if (this.#resp) {
      const wanted = cut?.target?.replyIndex;
      if (wanted !== undefined && link.replyCount === wanted) cutStart = link.lastReplyEnd;
      for (const frame of link.replies.push(chunk)) {
        if (link.replyCount === wanted) cutEnd = frame.end;
        link.replyCount++;
        link.lastReplyEnd = frame.end;
        if (link.replyCount === wanted) cutStart = frame.end;
      }
    }
    if (cut === undefined || cutStart === undefined || cutStart >= link.replyBytes) {
      link.toClient.send(chunk);
      return;
    }
    // The reply starts in this chunk (or before): deliver up to the cut, then kill the link.
    const cutAt = Math.min(cutStart + cut.options.afterBytes, cutEnd === undefined ? Infinity : cutEnd - 1);
    if (cutAt >= link.replyBytes) {
      link.toClient.send(chunk);
      return;
    }
    this.#cuts = this.#cuts.filter((c) => c !== cut);
    this.#links.delete(link);
    link.toClient.send(chunk.subarray(0, Math.max(0, cutAt - chunkStart)));
    link.server.destroy();
    // end(), not destroy(), so the bytes before the cut still reach the client.
    link.client.end();
    setTimeout(() => link.close(), 50).unref();
    cut.done({ command: cut.target?.command ?? [], bytesDelivered: Math.max(0, cutAt - cutStart) });
  }
}
