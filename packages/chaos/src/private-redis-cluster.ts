import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparePort, waitFor } from '@seatgrid/api/child';
import { Cluster, Redis } from 'ioredis';
import { killOwned, spawnOwned } from './owned-processes.ts';

/** As scripts/redis-cluster-up.sh: a master unreachable this long is failing, and a replica takes over within seconds. */
const NODE_TIMEOUT_MS = 2_000;

/** One node as the cluster sees it (CLUSTER NODES). */
export interface ClusterNodeView {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** A replica's master. */
  readonly masterId: string | undefined;
  /** Flagged failing (fail or fail?) by the node asked. */
  readonly failing: boolean;
  readonly slots: readonly (readonly [number, number])[];
}

interface NodeProcess {
  readonly port: number;
  /** The cluster bus port (cluster-port), drawn apart: not port + 10000, which may be taken. */
  readonly busPort: number;
  readonly dir: string;
  process: ChildProcess | undefined;
}

function parseNodes(text: string): ClusterNodeView[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.trim().split(' ');
      const flagList = flags.split(',');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        role: flagList.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? undefined : master,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [from, to = from] = range.split('-').map(Number) as [number, number?];
            return [from, to] as const;
          }),
      };
    });
}

/**
 * A Redis Cluster of our own: `masters` masters with `replicas` replicas each, every node a
 * redis-server child of this process on spare loopback ports (its port and its bus port both
 * drawn by sparePort, so neither the shared test cluster on 7001-7003 nor anyone's spare port
 * is hit), in a temporary directory removed by stop(). No persistence: a node killed and
 * started again comes back empty and rejoins as a replica, as a replaced machine would.
 */
export class PrivateRedisCluster {
  readonly #dir: string;
  readonly #nodes: NodeProcess[];
  readonly #masters: number;
  #admin: Cluster | undefined;

  private constructor(dir: string, nodes: NodeProcess[], masters: number) {
    this.#dir = dir;
    this.#nodes = nodes;
    this.#masters = masters;
  }

  static async start(options: { masters?: number; replicas?: number } = {}): Promise<PrivateRedisCluster> {
    const masters = options.masters ?? 3;
    const total = masters * (1 + (options.replicas ?? 1));
    const dir = mkdtempSync(join(tmpdir(), 'seatgrid-chaos-cluster-'));
    // Its nodes die with this process (spawnOwned); their directory goes too, whatever ends the run.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const taken = new Set<number>();
    const drawPort = async (): Promise<number> => {
      for (;;) {
        const port = await sparePort();
        if (!taken.has(port)) {
          taken.add(port);
          return port;
        }
      }
    };
    const nodes: NodeProcess[] = [];
    for (let i = 0; i < total; i++) {
      const port = await drawPort();
      nodes.push({ port, busPort: await drawPort(), dir: join(dir, String(port)), process: undefined });
    }
    const cluster = new PrivateRedisCluster(dir, nodes, masters);
    try {
      for (const node of nodes) {
        mkdirSync(node.dir);
        await cluster.#spawn(node);
      }
      await promisify(execFile)(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((node) => `127.0.0.1:${node.port}`),
          '--cluster-replicas',
          String(options.replicas ?? 1),
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
      await cluster.waitHealthy();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Every node, for REDIS_CLUSTER_NODES. */
  get nodeList(): string {
    return this.#nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** A cluster client on every node (never through a proxy), for setting faults up and reading state. */
  get admin(): Cluster {
    if (this.#admin === undefined) {
      this.#admin = new Cluster(
        this.#nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
        { scaleReads: 'master', redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1_000 } },
      );
      this.#admin.on('error', () => {}); // nodes are killed on purpose
    }
    return this.#admin;
  }

  /** One command on one node, over a connection of its own (a killed node must not leave a client retrying). */
  async command(port: number, ...args: string[]): Promise<unknown> {
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      return await client.call(args[0] as string, ...args.slice(1));
    } finally {
      client.disconnect();
    }
  }

  /** The cluster as the node on `port` sees it. */
  async topology(port: number): Promise<ClusterNodeView[]> {
    return parseNodes(String(await this.command(port, 'CLUSTER', 'NODES')));
  }

  /** The ports of the nodes running now. */
  get runningPorts(): number[] {
    return this.#nodes.filter((node) => node.process !== undefined).map((node) => node.port);
  }

  /** The master serving `key`'s slot, as a running node sees it. */
  async masterOf(key: string): Promise<ClusterNodeView> {
    const owner = await this.#ownerSeenBy(this.runningPorts[0] as number, key);
    if (owner === undefined) throw new Error(`no master serves ${key}'s slot`);
    return owner;
  }

  /** SIGKILL one node: no shutdown, writes not yet replicated are lost with it. */
  async kill(port: number): Promise<void> {
    const node = this.#node(port);
    const child = node.process;
    node.process = undefined;
    if (child !== undefined) await killOwned(child);
  }

  /**
   * Waits until every running node agrees that `key`'s slot is served by a master other than
   * `formerId`, and every running node's cluster state is ok again; resolves with that master.
   */
  async waitForNewMaster(key: string, formerId: string, timeoutMs = 20_000): Promise<ClusterNodeView> {
    let promoted: ClusterNodeView | undefined;
    await waitFor(
      `a replica to take over ${key}'s slot`,
      async () => {
        const owners = await Promise.all(this.runningPorts.map((port) => this.#ownerSeenBy(port, key).catch(() => undefined)));
        const first = owners[0];
        const agreed = first !== undefined && first.id !== formerId && !first.failing && owners.every((owner) => owner?.id === first.id);
        promoted = agreed ? first : undefined;
        return agreed && (await this.#everyNodeOk());
      },
      timeoutMs,
      50,
    ).catch(async (error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; seen: ${JSON.stringify(await this.#views())}`);
    });
    // Our own client too: it learns the new owner on its first redirection or closed connection.
    await waitFor(
      `the admin client to reach ${key}'s new master`,
      () =>
        this.admin.exists(key).then(
          () => true,
          () => false,
        ),
      timeoutMs,
      50,
    );
    return promoted as ClusterNodeView;
  }

  /** Starts a killed node again, empty: it rejoins as a replica; resolves once the cluster is whole and in sync. */
  async restart(port: number): Promise<void> {
    const node = this.#node(port);
    if (node.process !== undefined) return;
    await this.#spawn(node);
    await this.waitHealthy();
  }

  /**
   * Waits until every node runs, every one reports the cluster ok and knows every other, each
   * master serves slots with its replicas attached, and every replica's link to its master is
   * up (synced: a replica that never synced cannot take over).
   */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      'the Redis Cluster whole, every replica in sync',
      async () => {
        if (this.runningPorts.length !== this.#nodes.length || !(await this.#everyNodeOk())) return false;
        const view = await this.topology(this.#nodes[0]?.port as number);
        const masters = view.filter((node) => node.role === 'master' && node.slots.length > 0 && !node.failing);
        if (masters.length !== this.#masters || view.some((node) => node.failing)) return false;
        for (const node of view.filter((n) => n.role === 'replica')) {
          const info = String(await this.command(node.port, 'INFO', 'replication'));
          if (!/master_link_status:up/.test(info)) return false;
        }
        return true;
      },
      timeoutMs,
      100,
    );
  }

  async stop(): Promise<void> {
    this.#admin?.disconnect();
    this.#admin = undefined;
    await Promise.all(this.#nodes.map((node) => this.kill(node.port)));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #node(port: number): NodeProcess {
    const node = this.#nodes.find((n) => n.port === port);
    if (node === undefined) throw new Error(`no cluster node on port ${port}`);
    return node;
  }

  async #ownerSeenBy(port: number, key: string): Promise<ClusterNodeView | undefined> {
    const slot = Number(await this.command(port, 'CLUSTER', 'KEYSLOT', key));
    return (await this.topology(port)).find(
      (node) => node.role === 'master' && node.slots.some(([from, to]) => slot >= from && slot <= to),
    );
  }

  async #everyNodeOk(): Promise<boolean> {
    const states = await Promise.all(
      this.runningPorts.map((port) =>
        this.command(port, 'CLUSTER', 'INFO').then(
          (info) => /cluster_state:ok/.test(String(info)) && new RegExp(`cluster_known_nodes:${this.#nodes.length}\\b`).test(String(info)),
          () => false,
        ),
      ),
    );
    return states.every(Boolean);
  }

  /** Every running node's view, for an error message. */
  async #views(): Promise<Record<number, string>> {
    const views: Record<number, string> = {};
    for (const port of this.runningPorts) views[port] = String(await this.command(port, 'CLUSTER', 'NODES').catch((e: Error) => e.message));
    return views;
  }

  async #spawn(node: NodeProcess): Promise<void> {
    node.process = spawnOwned('redis-server', [
      '--port',
      String(node.port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(node.busPort),
      '--cluster-config-file',
      join(node.dir, 'nodes.conf'),
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
      '--dir',
      node.dir,
      '--save',
      '',
      '--appendonly',
      'no',
      // A replica syncs at once (the default waits 5 s for more replicas): one that never synced cannot take over.
      '--repl-diskless-sync-delay',
      '0',
      '--maxmemory-policy',
      'noeviction',
    ]);
    const child = node.process;
    await waitFor(
      `redis-server on port ${node.port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server on port ${node.port} exited with ${child.exitCode}`);
        return (await this.command(node.port, 'PING').catch(() => '')) === 'PONG';
      },
      10_000,
    );
  }
}
