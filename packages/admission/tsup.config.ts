import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const luaDir = join(import.meta.dirname, '../../lua');

/** Every .lua file under lua/, keyed by its path there, so the Lua ships inside the bundle. */
function luaSources(): Record<string, string> {
  const files = readdirSync(luaDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.lua'));
  return Object.fromEntries(files.sort().map((f) => [f, readFileSync(join(luaDir, f), 'utf8')]));
}

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const embedLua: EsbuildPlugin = {
  name: 'embed-lua',
  setup(build) {
    build.onResolve({ filter: /^seatgrid:lua$/ }, (args) => ({ path: args.path, namespace: 'seatgrid-lua' }));
    build.onLoad({ filter: /.*/, namespace: 'seatgrid-lua' }, () => ({
      contents: `export default ${JSON.stringify(luaSources())};`,
      loader: 'js',
      watchFiles: readdirSync(luaDir, { recursive: true, encoding: 'utf8' }).map((f) => join(luaDir, f)),
    }));
  },
};

const shared: Options = {
  tsconfig: 'tsconfig.build.json',
  target: 'node22',
  platform: 'node',
  sourcemap: true,
  esbuildPlugins: [embedLua],
};

export default defineConfig([
  // The library's three entries, ESM + CJS + types. Shared code lands in shared chunks, so an
  // error class is one class whichever entry it was imported from (CJS included).
  {
    ...shared,
    entry: { index: 'src/index.ts', gate: 'src/gate/index.ts', testing: 'src/testing.ts' },
    format: ['esm', 'cjs'],
    splitting: true,
    shims: true,
    dts: true,
    clean: true,
  },
  // The migration command (ESM only: it awaits at top level).
  { ...shared, entry: ['src/migrate-cli.ts'], format: ['esm'], dts: false },
]);
