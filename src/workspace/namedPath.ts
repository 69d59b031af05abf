/**
 * Where a path named in an answer or a context request (a model's SEARCH/REPLACE block, "redo these",
 * an @file) may point: a file inside one of the workspace folders or a shared session, never outside.
 * Plain string arithmetic so it is the same everywhere and testable without VS Code.
 */
import { normalizePath } from '../trust/exclusion/paths';

export interface NamedFolder {
  readonly name: string;
  /** The folder's path (POSIX `uri.path` form, e.g. `/home/me/app` or `/c:/work`). */
  readonly path: string;
}

export type NamedPathVerdict =
  | { readonly kind: 'folder'; readonly folder: number; readonly segments: readonly string[] }
  /** A file outside the folders that the model was shown under this name (its trust path). */
  | { readonly kind: 'shown'; readonly path: string }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * Resolves `named` against the workspace folders. Refused, with the reason in words: a path that
 * climbs (`..`), a home-relative (`~/`) path, and an absolute path outside every folder, unless the
 * request showed the model that very file under that name (`shown`: the names the trust gate gave,
 * such as `~/notes/todo.md` for a file open from the home folder, to the file's trust path).
 */
export function checkNamedPath(
  named: string,
  folders: readonly NamedFolder[],
  shown?: ReadonlyMap<string, string>,
): NamedPathVerdict {
  const slashed = named.trim().replace(/\\/g, '/');
  if (slashed === '') return { kind: 'refused', reason: 'no path was given' };
  const shownPath = shown?.get(normalizeShown(slashed));
  if (shownPath !== undefined && !slashed.split('/').includes('..'))
    return { kind: 'shown', path: shownPath };
  if (slashed === '~' || slashed.startsWith('~/'))
    return { kind: 'refused', reason: `${named} is outside the workspace (in the home folder)` };
  const raw = slashed.split('/');
  if (raw.includes('..')) return { kind: 'refused', reason: `${named} climbs out of its folder with ".."` };
  const segments = raw.filter((segment) => segment !== '' && segment !== '.');
  const absolute = slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed);
  if (absolute) {
    const original = rooted(slashed);
    const candidate = comparable(slashed);
    for (let index = 0; index < folders.length; index++) {
      const root = comparable(folders[index].path);
      const base = root.endsWith('/') ? root : `${root}/`;
      if (candidate.startsWith(base) && candidate.length > base.length) {
        const rest = original
          .slice(base.length)
          .split('/')
          .filter((part) => part && part !== '.');
        return { kind: 'folder', folder: index, segments: rest };
      }
    }
    return { kind: 'refused', reason: `${named} is outside the workspace folders` };
  }
  if (folders.length === 0)
    return { kind: 'refused', reason: 'no workspace folder is open to find the file in' };
  if (segments.length === 0) return { kind: 'refused', reason: `${named} names a folder, not a file` };
  if (folders.length > 1) {
    const index = folders.findIndex((folder) => folder.name === segments[0]);
    if (index >= 0 && segments.length > 1)
      return { kind: 'folder', folder: index, segments: segments.slice(1) };
  }
  return { kind: 'folder', folder: 0, segments };
}

/** A Windows path as `/C:/Work/…` (the form of `uri.path`); a POSIX path as it is. */
function rooted(path: string): string {
  return /^[A-Za-z]:/.test(path) ? `/${path}` : path;
}

/** `/C:/Work` and `c:/work` compare equal (Windows paths ignore case); a POSIX path compares as it is. */
function comparable(path: string): string {
  const withRoot = rooted(path);
  return /^\/[A-Za-z]:/.test(withRoot) ? withRoot.toLowerCase() : withRoot;
}

/** `~/a//b` and `~/a/b` name the same shown file; `~` itself is kept as written. */
function normalizeShown(name: string): string {
  return name.startsWith('~/') ? `~/${normalizePath(name.slice(2))}` : normalizePath(name);
}
