import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { defaultGateSettings } from '@seatgrid/admission/gate';
import { createScratchDatabase, openStoreView, type ScratchDatabase } from '@seatgrid/admission/testing';
import { deleteEventKeys } from '../bench-events.ts';
import { optionsOrExitCode, runMain } from '../cli-entry.ts';
import { clockTicksPerSecond } from '../cpu-usage.ts';
import { defaultOutDir } from '../report.ts';
import { renderText } from '../text-table.ts';
import { measureBareExpress } from '../stress/baselines.ts';
import { connectCluster, redisClusterNodes } from './redis-cluster-nodes.ts';
import { runApiAtScale } from './run-api-at-scale.ts';
import { parseScaleOptions, SCALE_USAGE, type ScaleOptions } from './scale-options.ts';
import { writeScaleReport } from './scale-report.ts';
import { type ApiScaleRun, computeScaleRatios, SCALE_PHASES, type ScaleResults } from './scale-results.ts';
import { scaleSizes } from './scale-sizes.ts';
import { auditTable, throughputTable } from './scale-tables.ts';
import type { ScaleEvent } from './scale-workloads.ts';
import { SCALE_PG_POOL_SIZE } from './start-scale-api.ts';

/**
 * `pnpm --filter @seatgrid/bench scale`: the admission API at 1 and then 2 processes on a Redis
 * Cluster and two PostgreSQL shards, loaded, every event audited on its shard, beside a bare
 * Express route at 1 and 2 processes; a table here, report.md and results.json in the output folder.
 */
const WORKER_COUNTS = [1, 2] as const;
const progress = (line: string) => process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  const options = optionsOrExitCode<ScaleOptions>(() => parseScaleOptions(argv), SCALE_USAGE);
  if (typeof options === 'number') return options;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid';
  const sizes = scaleSizes(options.quick);
  const startedAt = new Date();
  const t0 = performance.now();
  const loadAverageBefore = loadavg()[0] ?? 0;
  const nodes = redisClusterNodes();
  const databases: ScratchDatabase[] = [];
  for (const label of ['scale_a', 'scale_b']) databases.push(await createScratchDatabase(databaseUrl, label));
  const shardUrls = databases.map((d) => d.url);
  progress(`Redis Cluster ${nodes}; shards ${shardUrls.map(masked).join(', ')}; load average ${loadAverageBefore.toFixed(2)}`);
  const store = openStoreView(shardUrls);
  const cluster = await connectCluster(nodes);
  const made: ScaleEvent[] = [];
  try {
    const apiRuns: ApiScaleRun[] = [];
    const bareExpress: ScaleResults['bareExpress'][number][] = [];
    const notes: string[] = [];
    for (const workers of WORKER_COUNTS) {
      const context = {
        env: { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl },
        topology: { redisClusterNodes: nodes, shardUrls },
        store,
        cluster,
        sizes,
        progress,
      };
      apiRuns.push(await runApiAtScale(context, workers, made));
      // The same shape as the sold-out storm: as many requests, as many connections.
      const bareLoad = loadavg()[0] ?? 0;
      const bare = await measureBareExpress(sizes.stormRequests, sizes.timeLimitSec, progress, workers).catch((error: unknown) => {
        notes.push(`bare Express at ${workers} process(es) failed: ${String(error)}`);
        return null;
      });
      if (bare !== null) bareExpress.push({ ...bare, workers, loadAverage: bareLoad });
    }

    const failures = apiRuns.flatMap((run) =>
      run.audits.filter((a) => a.violations.length > 0).map((a) => `${run.workers} workers, ${a.eventId}: ${a.violations.join(', ')}`),
    );
    const perShard = shardUrls.map((_, shard) => apiRuns.reduce((sum, run) => sum + (run.eventsPerShard[shard] ?? 0), 0));
    if (perShard.some((n) => n === 0)) failures.push(`the events did not land on every shard (${perShard.join(' + ')})`);
    notes.push(...caveats(apiRuns, bareExpress, perShard));
    const results: ScaleResults = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      runtimeSec: (performance.now() - t0) / 1_000,
      quick: options.quick,
      environment: {
        node: process.version,
        cpus: cpus().length,
        loadAverageBefore,
        loadAverageAfter: loadavg()[0] ?? 0,
        redisClusterNodes: nodes,
        shards: shardUrls.map(masked),
      },
      sizes,
      apiRuns,
      bareExpress,
      ratios: computeScaleRatios(apiRuns, bareExpress),
      notes,
      failures,
    };
    const written = await writeScaleReport(options.outDir ?? defaultOutDir(startedAt, 'scale-'), results);
    process.stdout.write(`\n${renderText(throughputTable(results))}\n\n${renderText(auditTable(results))}\n\n`);
    progress(`wrote ${written.markdown} and ${written.json} in ${results.runtimeSec.toFixed(0)} s`);
    if (failures.length > 0) {
      progress(`FAILED: ${failures.join('; ')}`);
      return 1;
    }
    return 0;
  } finally {
    if (options.keep) {
      progress(`kept the shards ${shardUrls.join(', ')} and the events' Redis keys (--keep)`);
    } else {
      for (const event of made) await deleteEventKeys(cluster, defaultGateSettings.keyPrefix, event.eventId);
    }
    await store.close();
    cluster.disconnect();
    if (!options.keep) for (const database of databases) await database.drop();
  }
}

/** What a reader must know to read the figures. */
function caveats(apiRuns: readonly ApiScaleRun[], bareExpress: ScaleResults['bareExpress'], perShard: readonly number[]): string[] {
  const errors = apiRuns.flatMap((run) =>
    SCALE_PHASES.filter((phase) => run.loads[phase].byOutcome.error.count > 0 || run.loads[phase].stoppedByTimeLimit).map(
      (phase) =>
        `${run.workers} workers, ${phase}: ${run.loads[phase].byOutcome.error.count} answers other than 2xx/409` +
        `${run.loads[phase].stoppedByTimeLimit ? ', stopped by its time limit' : ''}`,
    ),
  );
  const loads = [
    ...apiRuns.map((run) => `API at ${run.workers}: ${run.loadAverage.toFixed(2)}`),
    ...bareExpress.map((bare) => `bare Express at ${bare.workers}: ${bare.loadAverage.toFixed(2)}`),
  ];
  return [
    `1-minute load average as each measurement began (${cpus().length} cores: above that, work waits for a core): ${loads.join(', ')}`,
    `events per shard over the run: ${perShard.join(' + ')} (placed by a hash of the event id; the directory is in shard 0)`,
    'the two shards are two databases on one PostgreSQL server; on two servers only DATABASE_SHARDS changes (the URLs), and ' +
      'then each shard has its own WAL and fsync (commits stop sharing one log and one disk), a network round trip between the ' +
      'API and each server, and its own connection limit (each API process opens PG_POOL_SIZE connections to every shard)',
    `the API runs the admission strategy with rate limits off (one load generator, one IP), LOG_LEVEL=warn, PG_POOL_SIZE=${SCALE_PG_POOL_SIZE} a shard a process; it is loaded only once every worker serves (the summed seatgrid_api_processes gauge on /metrics)`,
    'the load generator, every API process, the Redis masters and PostgreSQL share the same cores: a second API process competes ' +
      "with all of them, so read the API's N/1 beside bare Express's N/1 (what this machine allows a process that does nothing), not against N",
    `CPU a request from /proc/<pid>/stat of the API primary and its workers, in ticks of ${(1e6 / clockTicksPerSecond()).toFixed(0)} µs; Redis's from INFO cpu of every master, which counts any other client of the cluster too`,
    ...errors,
  ];
}

function masked(url: string): string {
  return url.replace(/:[^:@/]*@/, ':***@');
}

runMain('scale', () => main(process.argv.slice(2)));
