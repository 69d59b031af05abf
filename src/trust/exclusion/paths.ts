/**
 * Path arithmetic for the trust rules, on plain strings so it runs without VS Code and behaves the
 * same for Windows and POSIX paths: separators become `/`, and a Windows drive letter is lower-cased.
 */
export function normalizePath(input: string): string {
  let value = input.replace(/\\/g, '/');
  if (/^[A-Za-z]:\//.test(value)) value = value[0].toLowerCase() + value.slice(1);
  // Collapse `//` and `/./`, resolve `..` so `root/a/../.env` cannot slip past a rule.
  const absolute = value.startsWith('/');
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
 * The root of a virtual file system's path (`tandem:/room` for `tandem:/room/src/a.ts`, as
 * `normalizePath` leaves `tandem://room/src/a.ts`), or undefined for a file-system path. A scheme
 * has two or more characters, so a Windows drive (`c:/`) is never taken for one.
 */
export function virtualRootOf(normalized: string): string | undefined {
  return /^([a-z][a-z0-9+.-]+:\/[^/]+)(?:\/|$)/i.exec(normalized)?.[1];
}

/** A normalized absolute path made relative to the file-system root, for rules that match anywhere. */
export function fromFileSystemRoot(normalized: string): string {
  return normalized.replace(/^[a-z]:\//, '').replace(/^\/+/, '');
}
