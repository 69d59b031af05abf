/**
 * Settings that decide where code, keys or session traffic go (`tandem.model.baseUrl`,
 * `tandem.collab.serverUrl`, `tandem.collab.listenHost`) are honoured from a workspace or folder's
 * settings only once the user has confirmed that exact value: a cloned repository's
 * `.vscode/settings.json` must not redirect anything on its own. Plain logic; the prompt and the
 * stored confirmations live in the VS Code adapter.
 */

/** A setting's value at each level, as `WorkspaceConfiguration.inspect` reports it. */
export interface SettingLevels<T> {
  readonly defaultValue?: T;
  readonly globalValue?: T;
  readonly workspaceValue?: T;
  readonly workspaceFolderValue?: T;
}

export interface RedirectVerdict<T> {
  /** The value to use now. */
  readonly value: T;
  /** A value the workspace sets that the user has not (yet) confirmed; `value` is then their own. */
  readonly unconfirmed?: T;
}

/**
 * What to use: the user's own value (user settings, else the default) unless the workspace sets a
 * different one and `confirmed` says the user allowed exactly that value.
 */
export function decideRedirect<T>(
  levels: SettingLevels<T>,
  confirmed: (value: T) => boolean,
  same: (a: T, b: T) => boolean = (a, b) => a === b,
): RedirectVerdict<T> | undefined {
  const own = levels.globalValue ?? levels.defaultValue;
  const fromWorkspace = levels.workspaceFolderValue ?? levels.workspaceValue;
  if (fromWorkspace === undefined) return own === undefined ? undefined : { value: own };
  if (own !== undefined && same(fromWorkspace, own)) return { value: own };
  if (confirmed(fromWorkspace)) return { value: fromWorkspace };
  if (own === undefined) return undefined;
  return { value: own, unconfirmed: fromWorkspace };
}

/**
 * Exclusion globs from every level: the user's own as they are (a `!pattern` there re-includes), a
 * workspace's or folder's only as additions (a `!pattern` there is dropped and reported).
 */
export function mergeExcludeGlobs(levels: SettingLevels<readonly string[]>): {
  globs: string[];
  ignored: string[];
} {
  const own = [...(levels.globalValue ?? levels.defaultValue ?? [])];
  const ignored: string[] = [];
  const added: string[] = [];
  for (const glob of [...(levels.workspaceValue ?? []), ...(levels.workspaceFolderValue ?? [])]) {
    if (typeof glob !== 'string') continue;
    if (glob.trim().startsWith('!')) ignored.push(glob.trim());
    else added.push(glob);
  }
  return { globs: [...own, ...added], ignored };
}
