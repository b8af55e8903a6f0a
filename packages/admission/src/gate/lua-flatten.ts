/** `--- @include "<name>"` pulls in lua/includes/<name>.lua, once per script. */
const INCLUDE_LINE = /^--- @include "([\w-]+)"$/gm;

/**
 * A script with its includes expanded in place, recursively; an include already expanded
 * earlier in the same script expands to nothing. `read` returns a file under lua/ by its
 * path there (undefined when it does not exist). Shared by the build and the Lua lint, so
 * both see the very source Redis runs.
 */
export function flattenLua(read: (path: string) => string | undefined, path: string, included = new Set<string>()): string {
  const source = read(path);
  if (source === undefined) throw new Error(`Lua file ${path} is missing`);
  return source.replace(INCLUDE_LINE, (_line, name: string) => {
    const includePath = `includes/${name}.lua`;
    if (included.has(includePath)) return '';
    included.add(includePath);
    return flattenLua(read, includePath, included);
  });
}
