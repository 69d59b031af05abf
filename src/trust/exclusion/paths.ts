/** `scheme://authority/path`: a virtual file system's address (a scheme has two or more characters). */
const VIRTUAL_ADDRESS = /^([a-z][a-z0-9+.-]+):\/\/([^/]*)(.*)$/i;

/**
 * Path arithmetic for the trust rules, on plain strings so it runs without VS Code and behaves the
 * same for Windows and POSIX paths: separators become `/`, and a Windows drive letter is lower-cased.
 * A virtual file system's address (`tandem://room/src/a.ts`) keeps its `scheme://authority` root,
 * which no `..` can climb above.
 */
export function normalizePath(input: string): string {
  let value = input.replace(/\\/g, '/');
  const address = VIRTUAL_ADDRESS.exec(value);
  if (address) {
    const rest = resolveSegments(address[3], true);
    return `${address[1].toLowerCase()}://${address[2]}${rest === '/' ? '' : rest}`;
  }
  if (/^[A-Za-z]:\//.test(value)) value = value[0].toLowerCase() + value.slice(1);
  return resolveSegments(value, value.startsWith('/'));
}

/** Collapses `//` and `/./` and resolves `..`, so `root/a/../.env` cannot slip past a rule. */
function resolveSegments(value: string, absolute: boolean): string {
  const parts: string[] = [];
  for (const part of value.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!absolute) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  return (absolute ? '/' : '') + parts.join('/');
}

/** `child` relative to `root` (both normalized), or undefined when `child` is not inside `root`. */
export function relativeInside(root: string, child: string): string | undefined {
  if (child === root) return '';
  const base = root.endsWith('/') ? root : `${root}/`;
  return child.startsWith(base) ? child.slice(base.length) : undefined;
}

/** The directory part of a normalized path. */
export function dirnameOf(normalized: string): string {
  const slash = normalized.lastIndexOf('/');
  if (slash < 0) return '';
  if (slash === 0) return '/';
  return normalized.slice(0, slash);
}

/**
 * The `scheme://authority` root of a normalized virtual address (`tandem://room` for
 * `tandem://room/src/a.ts`), or undefined for a file-system path (a Windows drive is no scheme).
 */
export function virtualRootOf(normalized: string): string | undefined {
  const address = VIRTUAL_ADDRESS.exec(normalized);
  return address ? `${address[1]}://${address[2]}` : undefined;
}

/** A normalized absolute path made relative to the file-system root, for rules that match anywhere. */
export function fromFileSystemRoot(normalized: string): string {
  return normalized.replace(/^[a-z]:\//, '').replace(/^\/+/, '');
}
