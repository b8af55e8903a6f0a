import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHotPathOptions } from '../src/hot-path/cli.ts';
import { parseScaleOptions } from '../src/scale/scale-options.ts';
import { scaleSizes } from '../src/scale/scale-sizes.ts';
import { parseStressOptions } from '../src/stress/cli.ts';

const known = ['flash-sale', 'sold-out-storm'];

test('stress --keep-api takes an optional port: none, the next word, or after "="', () => {
  const port = (argv: string[]) => {
    const options = parseStressOptions(argv, known);
    return options === 'help' ? 'help' : options.keepApiPort;
  };
  assert.equal(port([]), undefined);
  assert.equal(port(['--keep-api']), 3000);
  assert.equal(port(['--keep-api', '3101', '--quick']), 3101);
  assert.equal(port(['--keep-api=3102']), 3102);
  assert.equal(port(['--keep-api', '--quick']), 3000);
  const rest = parseStressOptions(['--keep-api', '--scenario', 'flash-sale', '--quick'], known);
  assert.ok(rest !== 'help' && rest.quick && rest.scenarios?.[0] === 'flash-sale');
  assert.throws(() => parseStressOptions(['--keep-api=0'], known), /--keep-api wants a port/);
  assert.throws(() => parseStressOptions(['--keep-api=http'], known), /--keep-api wants a port/);
});

test('hot-path: 30,000 requests in 10 rounds at 100 connections by default, --quick shorter, bad numbers refused', () => {
  assert.deepEqual(parseHotPathOptions([]), {
    requests: 30_000,
    warmup: 5_000,
    rounds: 10,
    connections: 100,
    quick: false,
    cpuProf: false,
    tracing: false,
    outDir: undefined,
  });
  const quick = parseHotPathOptions(['--quick', '--cpu-prof', '--connections', '50', '--out', '/tmp/x']);
  assert.deepEqual(quick, {
    requests: 3_000,
    warmup: 1_000,
    rounds: 3,
    connections: 50,
    quick: true,
    cpuProf: true,
    tracing: false,
    outDir: '/tmp/x',
  });
  assert.equal((parseHotPathOptions(['--tracing']) as { tracing: boolean }).tracing, true);
  const sized = parseHotPathOptions(['--quick', '--requests', '12000', '--warmup', '0']);
  assert.ok(sized !== 'help' && sized.requests === 12_000 && sized.warmup === 0);
  assert.equal((parseHotPathOptions(['--rounds', '5']) as { rounds: number }).rounds, 5);
  assert.throws(() => parseHotPathOptions(['--rounds', '0']), /--rounds must be a whole number from 1 to 100/);
  assert.equal(parseHotPathOptions(['--help']), 'help');
  assert.throws(() => parseHotPathOptions(['--requests', '1e3x']), /--requests must be a whole number/);
  assert.throws(() => parseHotPathOptions(['--connections', '0']), /--connections must be a whole number/);
});

test('scale: full sizes by default, --quick smaller with the same shape, --keep and --out taken, anything else refused', () => {
  assert.deepEqual(parseScaleOptions([]), { quick: false, keep: false, outDir: undefined });
  assert.deepEqual(parseScaleOptions(['--quick', '--keep', '--out', '/tmp/s']), { quick: true, keep: true, outDir: '/tmp/s' });
  assert.equal(parseScaleOptions(['-h']), 'help');
  assert.throws(() => parseScaleOptions(['--workers', '4']), /Unknown option '--workers'/);
  assert.throws(() => parseScaleOptions(['extra']), /Unexpected argument 'extra'/);
  assert.throws(() => parseScaleOptions(['--out', '']), /--out wants a folder/);
  const [full, quick] = [scaleSizes(false), scaleSizes(true)];
  assert.ok(quick.flashBuyers < full.flashBuyers && quick.stormRequests < full.stormRequests && quick.holders < full.holders);
  for (const sizes of [full, quick]) {
    assert.ok(
      sizes.flashEvents >= 2 && sizes.stormEvents >= 2 && sizes.twoPhaseEvents >= 2,
      'several events a workload, to spread over shards',
    );
    assert.ok(sizes.confirmShare > 0 && sizes.confirmShare < 1, 'some holds confirm, the others expire');
  }
});
