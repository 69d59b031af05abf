import ignore, { type Ignore } from 'ignore';
import { BUILTIN_SENSITIVE_PATTERNS } from './builtinPatterns';
import { dirnameOf, fromFileSystemRoot, normalizePath, relativeInside, virtualRootOf } from './paths';

/** The name of the per-folder ignore file; gitignore syntax, nested, with `!` negation. */
export const IGNORE_FILE_NAME = '.tandemignore';

/** Where the rule that decided came from. */
export type ExclusionOrigin =
  | { kind: 'builtin' }
  | { kind: 'setting' }
  | { kind: 'ignoreFile'; file: string }
  /** The host of a shared session keeps it from models (their `tandem.trust.excludeGlobs`). */
  | { kind: 'session'; root: string };

export interface ExclusionVerdict {
  readonly excluded: boolean;
  /** The pattern that excluded the path (the last matching rule, as `git check-ignore -v` reports). */
  readonly pattern?: string;
  readonly origin?: ExclusionOrigin;
  /** True when the path lies in no workspace folder (only built-in patterns and the setting apply). */
  readonly outsideWorkspace: boolean;
}

const INCLUDED_INSIDE: ExclusionVerdict = { excluded: false, outsideWorkspace: false };
const INCLUDED_OUTSIDE: ExclusionVerdict = { excluded: false, outsideWorkspace: true };
const CACHE_LIMIT = 5000;
const SETTING_MARK = '\u0000setting';
const BUILTIN_MARK = '\u0000builtin';

/**
 * Decides whether a file may be sent to a model. Three layers, like git's ignore files:
 * 1. the built-in sensitive patterns followed by the user's `tandem.trust.excludeGlobs` (where a `!`
 *    pattern can re-include a built-in one). A decision here is final.
 * 2. `.tandemignore` files: a deeper file wins over a shallower one, a later line over an earlier one.
 * A path is excluded when it or any folder above it is excluded, so a `!` cannot re-include a file
 * inside an excluded folder (git behaves the same way).
 */
export class ExclusionRules {
  private roots: string[] = [];
  private userLayer: Ignore = ignore();
  private readonly projectLayers = new Map<string, { file: string; rules: Ignore }>();
  /** Shared sessions this window takes part in, by `scheme://authority` root: their host's globs. */
  private readonly sessionLayers = new Map<string, Ignore>();
  private readonly cache = new Map<string, ExclusionVerdict>();
  private userGlobs: readonly string[] = [];
  /** Folders whose `.tandemignore` was looked for (by `readIgnoreFile`). */
  private readonly probed = new Set<string>();
  private readonly readIgnoreFile?: (file: string) => string | undefined;
  private readonly onIgnoredNegations?: (file: string, patterns: readonly string[]) => void;

  /**
   * `readIgnoreFile`, when given, is asked for the `.tandemignore` of each folder above a path the
   * first time that folder matters (and again after `invalidateIgnoreFile`). Reading on demand means
   * no decision is ever made before the rules that apply to it are loaded.
   */
  constructor(
    options: {
      roots?: readonly string[];
      userGlobs?: readonly string[];
      readIgnoreFile?: (file: string) => string | undefined;
      /**
       * Told when a `.tandemignore` holds `!` lines that try to re-include what the built-in patterns
       * or the user's globs exclude: those lines have no effect (a repository cannot un-hide `.env`).
       */
      onIgnoredNegations?: (file: string, patterns: readonly string[]) => void;
    } = {},
  ) {
    this.readIgnoreFile = options.readIgnoreFile;
    this.onIgnoredNegations = options.onIgnoredNegations;
    this.setRoots(options.roots ?? []);
    this.setUserGlobs(options.userGlobs ?? []);
  }

  /** A `.tandemignore` was created, changed or deleted: read it again when next needed. */
  invalidateIgnoreFile(file: string): void {
    const dir = dirnameOf(normalizePath(file));
    this.probed.delete(dir);
    this.projectLayers.delete(dir);
    this.cache.clear();
  }

  /** The workspace folders, as file-system paths. */
  setRoots(roots: readonly string[]): void {
    // Longest first so a nested workspace folder owns its own files.
    this.roots = roots.map(normalizePath).sort((a, b) => b.length - a.length);
    this.probed.clear();
    this.cache.clear();
  }

  /** The workspace folders, normalized. */
  get workspaceRoots(): readonly string[] {
    return this.roots;
  }

  /** `tandem.trust.excludeGlobs`: gitignore patterns relative to each workspace folder. */
  setUserGlobs(globs: readonly string[]): void {
    this.userGlobs = globs.map((glob) => glob.trim()).filter((glob) => glob && !glob.startsWith('#'));
    this.userLayer = ignore()
      .add(BUILTIN_SENSITIVE_PATTERNS.map((pattern) => ({ pattern, mark: BUILTIN_MARK })))
      .add(this.userGlobs.map((pattern) => ({ pattern, mark: SETTING_MARK })));
    this.cache.clear();
  }

  /**
   * A shared session this window joined (`tandem://room`) and the globs its host keeps from models
   * (gitignore syntax, relative to the shared folder; they win over the user's own `!pattern`);
   * `undefined` when the session is left. Files of a session not joined are never sent.
   */
  setSessionGlobs(root: string, globs: readonly string[] | undefined): void {
    const normalized = normalizePath(root);
    if (globs === undefined) this.sessionLayers.delete(normalized);
    else
      this.sessionLayers.set(
        normalized,
        ignore().add(globs.map((glob) => glob.trim()).filter((glob) => glob && !glob.startsWith('#'))),
      );
    this.cache.clear();
  }

  /** Adds, replaces (or with `undefined`, removes) the `.tandemignore` at `file`. */
  setIgnoreFile(file: string, content: string | undefined): void {
    const normalized = normalizePath(file);
    const dir = dirnameOf(normalized);
    if (content === undefined) this.projectLayers.delete(dir);
    else this.projectLayers.set(dir, this.projectLayer(normalized, content));
    this.cache.clear();
  }

  /**
   * The `!` lines of a `.tandemignore` that name something the built-in patterns or the user's globs
   * exclude. They never take effect (those layers decide first); they are reported so nobody believes
   * a repository's `!.env` shares `.env`.
   */
  ignoredNegations(content: string): string[] {
    return content
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.startsWith('!') && line.length > 1)
      .filter((line) => {
        const named = line.slice(1).replace(/^\/+/, '');
        return named !== '' && this.userLayer.test(named).ignored;
      });
  }

  private projectLayer(file: string, content: string): { file: string; rules: Ignore } {
    const ignored = this.ignoredNegations(content);
    if (ignored.length) this.onIgnoredNegations?.(file, ignored);
    return { file, rules: ignore().add(content) };
  }

  /** The `.tandemignore` files currently loaded. */
  ignoreFiles(): string[] {
    return [...this.projectLayers.values()].map((layer) => layer.file).sort();
  }

  isExcluded(path: string): boolean {
    return this.check(path).excluded;
  }

  check(path: string): ExclusionVerdict {
    const normalized = normalizePath(path);
    const cached = this.cache.get(normalized);
    if (cached) return cached;
    const verdict = this.decide(normalized);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(normalized, verdict);
    return verdict;
  }

  private decide(normalized: string): ExclusionVerdict {
    const virtualRoot = virtualRootOf(normalized);
    if (virtualRoot !== undefined) {
      // A virtual file system's file (a shared session's tandem://room/…): judged relative to its
      // root by the built-in patterns, the setting and the session host's globs. Its .tandemignore
      // files are not read: a host never shares what its own .tandemignore files exclude. Inside the
      // workspace while the window has joined the session (or has its folder open).
      const session = this.sessionLayers.get(virtualRoot);
      // Not joined (yet: a window reopened on a session folder joins again a moment later), so the
      // host's rules are unknown: nothing of it is sent until it is joined.
      if (!session)
        return { excluded: true, origin: { kind: 'session', root: virtualRoot }, outsideWorkspace: true };
      // (An address with no authority, `tandem:///x`, has the root `tandem://`: drop the slash.)
      const relative = (relativeInside(virtualRoot, normalized) ?? '').replace(/^\/+/, '');
      if (!relative) return INCLUDED_INSIDE;
      // The host's globs first: a guest's own `!pattern` re-includes for the guest's rules only.
      for (const prefix of prefixesOf(relative)) {
        const result = session.test(prefix);
        if (result.ignored)
          return {
            excluded: true,
            pattern: result.rule?.pattern,
            origin: { kind: 'session', root: virtualRoot },
            outsideWorkspace: false,
          };
      }
      return this.walk(relative, false, () => undefined) ?? INCLUDED_INSIDE;
    }
    const root = this.roots.find((candidate) => relativeInside(candidate, normalized) !== undefined);
    if (root === undefined) {
      const relative = fromFileSystemRoot(normalized);
      if (!relative) return INCLUDED_OUTSIDE;
      return this.walk(relative, true, () => undefined) ?? INCLUDED_OUTSIDE;
    }
    const relative = relativeInside(root, normalized) ?? '';
    if (!relative) return INCLUDED_INSIDE;
    if (this.readIgnoreFile) this.loadIgnoreFilesAbove(root, relative);
    return this.walk(relative, false, (prefix) => this.decideByProject(root, prefix)) ?? INCLUDED_INSIDE;
  }

  private loadIgnoreFilesAbove(root: string, relative: string): void {
    const segments = relative.split('/');
    let dir = root;
    for (let depth = 0; depth < segments.length; depth++) {
      if (!this.probed.has(dir)) {
        this.probed.add(dir);
        const file = `${dir}/${IGNORE_FILE_NAME}`;
        const content = this.readIgnoreFile?.(file);
        if (content !== undefined) this.projectLayers.set(dir, this.projectLayer(file, content));
      }
      dir = `${dir}/${segments[depth]}`;
    }
  }

  /** Checks each folder above the path, then the path itself; the first exclusion wins. */
  private walk(
    relative: string,
    outsideWorkspace: boolean,
    project: (prefix: string) => ExclusionVerdict | 'included' | undefined,
  ): ExclusionVerdict | undefined {
    // Once the user's own `!pattern` re-includes a folder, no .tandemignore can exclude below it.
    let userIncluded = false;
    for (const prefix of prefixesOf(relative)) {
      const user = this.userLayer.test(prefix);
      if (user.ignored) return this.excludedBy(user.rule?.pattern, user.rule?.mark, outsideWorkspace);
      if (user.unignored) userIncluded = true;
      if (userIncluded) continue;
      const verdict = project(prefix);
      if (verdict && verdict !== 'included') return verdict;
    }
    return undefined;
  }

  /** The deepest `.tandemignore` with a rule about `prefix` decides. */
  private decideByProject(root: string, prefix: string): ExclusionVerdict | 'included' | undefined {
    if (this.projectLayers.size === 0) return undefined;
    const absolute = `${root}/${prefix}`.replace(/\/$/, '');
    for (let dir = dirnameOf(absolute); ; dir = dirnameOf(dir)) {
      const layer = this.projectLayers.get(dir);
      if (layer) {
        const inLayer = relativeInside(dir, absolute);
        if (inLayer) {
          const result = layer.rules.test(prefix.endsWith('/') ? `${inLayer}/` : inLayer);
          if (result.ignored) {
            return {
              excluded: true,
              pattern: result.rule?.pattern,
              origin: { kind: 'ignoreFile', file: layer.file },
              outsideWorkspace: false,
            };
          }
          if (result.unignored) return 'included';
        }
      }
      if (dir === root || dir.length <= root.length || dir === '/' || dir === '') return undefined;
    }
  }

  private excludedBy(
    pattern: string | undefined,
    mark: string | undefined,
    outsideWorkspace: boolean,
  ): ExclusionVerdict {
    const origin: ExclusionOrigin = mark === SETTING_MARK ? { kind: 'setting' } : { kind: 'builtin' };
    return { excluded: true, pattern, origin, outsideWorkspace };
  }
}

/** Each folder above a relative path (with a trailing `/`, as gitignore matches folders), then the path. */
function prefixesOf(relative: string): string[] {
  const segments = relative.split('/');
  return segments.map(
    (_, index) => segments.slice(0, index + 1).join('/') + (index < segments.length - 1 ? '/' : ''),
  );
}

/** A sentence for the user: why Tandem did not send `path`. */
export function describeExclusion(path: string, verdict: ExclusionVerdict): string {
  const name = path.replace(/\\/g, '/').split('/').pop() || path;
  if (!verdict.excluded) return `${name} may be sent to the model.`;
  const pattern = verdict.pattern ? `\`${verdict.pattern}\`` : 'a rule';
  switch (verdict.origin?.kind) {
    case 'setting':
      return `${name} is excluded by ${pattern} in the setting tandem.trust.excludeGlobs; it is not sent to the model.`;
    case 'ignoreFile':
      return `${name} is excluded by ${pattern} in ${verdict.origin.file}; it is not sent to the model.`;
    case 'session':
      return verdict.pattern
        ? `${name} is excluded by ${pattern}, which the host of the shared session keeps from models; it is not sent to the model.`
        : `${name} belongs to a shared session this window has not joined, whose rules are unknown; it is not sent to the model.`;
    default:
      return `${name} matches Tandem's built-in sensitive pattern ${pattern}; it is not sent to the model. Add \`!${verdict.pattern ?? name}\` to tandem.trust.excludeGlobs to allow it.`;
  }
}
