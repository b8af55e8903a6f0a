// Writes each dashboard JSON as a TypeScript literal checked against Grafana's own schema types
// (@grafana/schema), for tsc: `pnpm typecheck` at the root (npm test's type check).
// A JSON import cannot be checked as it is: TypeScript widens its strings, and Grafana's string
// enums (MappingType, ThresholdsMode, ...) want their literal values. As a literal, every
// property name is checked too (no excess property passes `satisfies`).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const here = import.meta.dirname;
const dashboards = join(here, 'dashboards');
const generated = join(here, 'generated');
mkdirSync(generated, { recursive: true });

for (const file of readdirSync(dashboards).filter((f) => f.endsWith('.json'))) {
  const json: unknown = JSON.parse(readFileSync(join(dashboards, file), 'utf8'));
  const source = [
    `// Generated from dashboards/${file} by typed-dashboard.ts: do not edit.`,
    "import type { Dashboard } from '@grafana/schema';",
    "import type { Literal } from '../literal.ts';",
    '',
    `export const dashboard = ${JSON.stringify(json, null, 2)} satisfies Literal<Dashboard>;`,
    '',
  ].join('\n');
  writeFileSync(join(generated, `${basename(file, '.json')}.ts`), source);
}
