import { createHash } from 'node:crypto';
import luaFiles from 'seatgrid:lua';
import { flattenLua } from './lua-flatten.js';
import { luaCodeTable } from './result-codes.js';

/**
 * The Lua commands, one file each under lua/ named `<name>-<numberOfKeys>.lua`, with their
 * includes expanded and the result-code table prepended. The sources are embedded at build time.
 */
export type ScriptName =
  | 'claim-seats'
  | 'claim-best'
  | 'confirm'
  | 'extend'
  | 'release'
  | 'reap'
  | 'read'
  | 'load-begin'
  | 'load-chunk'
  | 'load-commit'
  | 'load-waitlist'
  | 'waitlist-join'
  | 'waitlist-leave'
  | 'release-lease'
  | 'queue-open'
  | 'queue-join'
  | 'queue-status'
  | 'queue-admit';

export interface ScriptDefinition {
  readonly name: ScriptName;
  readonly numberOfKeys: number;
  /** The flattened source Redis runs. */
  readonly lua: string;
  /** Its SHA1, the name EVALSHA calls it by once Redis has it cached. */
  readonly sha: string;
}

const COMMAND_FILE = /^([a-z-]+)-(\d+)\.lua$/;

function loadDefinitions(): Readonly<Record<ScriptName, ScriptDefinition>> {
  const definitions: Record<string, ScriptDefinition> = {};
  for (const path of Object.keys(luaFiles)) {
    const match = COMMAND_FILE.exec(path);
    if (!match) continue;
    const name = match[1] as ScriptName;
    const lua = luaCodeTable() + flattenLua((file) => luaFiles[file], path);
    definitions[name] = Object.freeze({
      name,
      numberOfKeys: Number(match[2]),
      lua,
      sha: createHash('sha1').update(lua).digest('hex'),
    });
  }
  return Object.freeze(definitions as Record<ScriptName, ScriptDefinition>);
}

/** Every script of the gate, by name: for tooling such as redis-benchmark or SCRIPT LOAD. */
export const gateScripts = loadDefinitions();
