// Checks every Lua command (lua/, the library's; packages/api/lua/, the API's rate limiter)
// against its contract header (see lua/*.lua):
// - the file is named <name>-<numberOfKeys>.lua and opens with a --[[ ... ]] header that has
//   Input: and Output: sections;
// - the header names KEYS[1..n] (singly or as KEYS[a..b]) for exactly n keys;
// - every ARGV[i] the script or its includes read is named in the header;
// - every Code.X it uses exists in the result-code table and is named under Output:;
// - no script builds a key name: nothing is concatenated onto KEYS or into a command's key.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { flattenLua } from '../packages/admission/src/gate/lua-flatten.ts';
import { ResultCode } from '../packages/admission/src/gate/result-codes.ts';

const root = join(import.meta.dirname, '..');
const luaDirs = ['lua', 'packages/api/lua'];
const problems: string[] = [];
let checked = 0;

function numbersNamed(header: string, table: 'KEYS' | 'ARGV'): Set<number> {
  const named = new Set<number>();
  for (const m of header.matchAll(new RegExp(`${table}\\[(\\d+)(?:\\.\\.(\\d+)|(\\.\\.\\.))?\\]`, 'g'))) {
    const from = Number(m[1]);
    const to = m[3] ? Infinity : Number(m[2] ?? m[1]);
    for (let i = from; i <= Math.min(to, from + 1000); i++) named.add(i);
  }
  return named;
}

function lintDirectory(dir: string): void {
  const read = (path: string) => readFileSync(join(root, dir, path), 'utf8');
  const files = readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.lua'));
  checked += files.length;
  for (const file of files) lintFile(read, `${dir}/${file}`, file);
}

function lintFile(read: (path: string) => string, shown: string, file: string): void {
  const source = read(file);
  for (const [i, line] of source.split('\n').entries()) {
    const code = line.replace(/--.*$/, '');
    if (/KEYS\[[^\]]*\]\s*\.\./.test(code) || /redis\.p?call\(\s*'\w+'\s*,\s*[^,)]*\.\./.test(code)) {
      problems.push(`${shown}:${i + 1}: builds a key name; pass it in KEYS instead`);
    }
  }
  if (file.startsWith('includes/')) return;

  const name = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
  if (!name) {
    problems.push(`${shown}: a command file is named <name>-<numberOfKeys>.lua`);
    return;
  }
  const header = /^--\[\[([\s\S]*?)\]\]/.exec(source)?.[1];
  if (!header?.includes('Input:') || !header.includes('Output:')) {
    problems.push(`${shown}: needs a --[[ ]] header with Input: and Output: sections`);
    return;
  }
  const keys = numbersNamed(header, 'KEYS');
  const expectedKeys = Number(name[2]);
  if (keys.size !== expectedKeys || ![...keys].every((k) => k >= 1 && k <= expectedKeys)) {
    problems.push(`${shown}: header names keys ${[...keys].join(',')} but the file name says ${expectedKeys}`);
  }
  const flat = flattenLua(read, file);
  const argvNamed = numbersNamed(header, 'ARGV');
  for (const m of flat.matchAll(/ARGV\[(\d+)\]/g)) {
    if (!argvNamed.has(Number(m[1]))) problems.push(`${shown}: ARGV[${m[1]}] is read but not named in the header`);
  }
  const output = header.slice(header.indexOf('Output:'));
  for (const m of new Set([...flat.matchAll(/Code\.([A-Z_]+)/g)].map((x) => x[1] as string))) {
    if (!(m in ResultCode)) problems.push(`${shown}: Code.${m} is not in the result-code table`);
    else if (!output.includes(m)) problems.push(`${shown}: can return ${m} but its Output: does not say so`);
  }
}

for (const dir of luaDirs) lintDirectory(dir);

if (problems.length > 0) {
  console.error(problems.map((p) => `lua lint: ${p}`).join('\n'));
  process.exit(1);
}
console.log(`lua lint: ${checked} files ok`);
