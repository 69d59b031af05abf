/**
 * How Tandem addresses a file, in one place: the `tandem://room/…` scheme of a shared session's files,
 * which schemes a capability works on, and the path a model is shown for a file. Plain strings, so the
 * trust gate, the proposals and the tests agree without VS Code.
 */
import { normalizePath, relativeInside, virtualRootOf } from '../trust/exclusion/paths';

/** A shared session's files as a guest sees them: `tandem://<room>/<path>`. */
export const SESSION_SCHEME = 'tandem';

/** Documents a person works on: files on disk (local or remote), untitled editors, a session's files. */
const WORKSPACE_SCHEMES: ReadonlySet<string> = new Set(['file', 'untitled', 'vscode-remote', SESSION_SCHEME]);

/** Inline suggestions serve those and the user's own settings files (`vscode-userdata`). */
const SERVED_SCHEMES: ReadonlySet<string> = new Set([...WORKSPACE_SCHEMES, 'vscode-userdata']);

/** The schemes of documents a person works on, e.g. for a document selector. */
export function workspaceSchemes(): string[] {
  return [...WORKSPACE_SCHEMES];
}

/** True for a document the panel offers as context and the assistant may propose edits to. */
export function isWorkspaceScheme(scheme: string): boolean {
  return WORKSPACE_SCHEMES.has(scheme);
}

/** True for a document inline suggestions and next-edit suggestions serve. */
export function isServedScheme(scheme: string): boolean {
  return SERVED_SCHEMES.has(scheme);
}

/** A session file's address as the trust gate and the model see it: `tandem://room/src/a.ts`. */
export function sessionAddress(room: string, path: string): string {
  return `${SESSION_SCHEME}://${room}${path.startsWith('/') ? path : `/${path}`}`;
}

/**
 * The room and path of a `tandem://room/src/a.ts` address (written as is: no percent-encoding, `#` is
 * part of the name). Undefined for an address that climbs (`..`), names no room, or another scheme.
 */
export function parseSessionAddress(address: string): { room: string; path: string } | undefined {
  const match = /^([^:]+):\/\/?([^/]+)(\/.*)$/.exec(address);
  if (!match || match[1].toLowerCase() !== SESSION_SCHEME) return undefined;
  const segments = match[3].split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return { room: match[2], path: match[3] };
}

/**
 * A path as the model sees it: workspace-relative (prefixed with the folder's name when there are
 * several folders), a virtual file system's file outside the folders by its whole address
 * (`tandem://room/…`, which an answer can name unambiguously), a file in the home folder as `~/…`
 * (the user name stays on the machine), anything else as it is.
 *
 * @param folderNames workspace folder roots (trust paths) to their names
 */
export function displayPathIn(path: string, folderNames: ReadonlyMap<string, string>, home: string): string {
  const normalized = normalizePath(path);
  // Keyed by normalized root, so `c:\\work` and `tandem://room/` find their names.
  const names = new Map([...folderNames].map(([root, name]) => [normalizePath(root), name]));
  const roots = [...names.keys()].sort((a, b) => b.length - a.length);
  for (const root of roots) {
    const relative = relativeInside(root, normalized);
    if (relative !== undefined) return names.size > 1 ? `${names.get(root) ?? ''}/${relative}` : relative;
  }
  if (virtualRootOf(normalized) !== undefined) return normalized;
  const inHome = relativeInside(normalizePath(home), normalized);
  return inHome !== undefined ? `~/${inHome}` : normalized;
}
