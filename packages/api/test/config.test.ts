import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config.ts';

test('scale-out settings: cluster nodes, shards and workers are parsed, and a bad one is named', () => {
  const config = loadConfig({
    REDIS_CLUSTER_NODES: '10.0.0.1:7001, [::1]:7002',
    DATABASE_SHARDS: 'postgres://a/x,postgresql://b/y',
    WORKERS: '4',
  });
  assert.deepEqual(config.redisClusterNodes, [
    { host: '10.0.0.1', port: 7001 },
    { host: '::1', port: 7002 },
  ]);
  assert.deepEqual(config.databaseShards, ['postgres://a/x', 'postgresql://b/y']);
  assert.equal(config.workers, 4);

  const defaults = loadConfig({ DATABASE_URL: 'postgres://only/one', REDIS_CLUSTER_NODES: '', DATABASE_SHARDS: '' });
  assert.equal(defaults.redisClusterNodes, undefined, 'empty is unset');
  assert.deepEqual(defaults.databaseShards, ['postgres://only/one'], 'DATABASE_URL alone is one shard');
  assert.equal(defaults.workers, 1);

  assert.throws(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1' }), /REDIS_CLUSTER_NODES: "10.0.0.1" is not host:port/);
  assert.throws(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:70000' }), /REDIS_CLUSTER_NODES/);
  assert.throws(() => loadConfig({ DATABASE_SHARDS: 'postgres://a/x,mysql://b/y' }), /DATABASE_SHARDS/);
  assert.throws(() => loadConfig({ WORKERS: '0' }), /WORKERS/);
  assert.throws(() => loadConfig({ WORKERS: '1.5' }), /WORKERS/);
});
