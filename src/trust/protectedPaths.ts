import { IGNORE_FILE_NAME, type ExclusionRules } from './exclusion/exclusionRules';
import { normalizePath, relativeInside } from './exclusion/paths';

/**
 * Edits a model proposes that could make something run, widen what is sent, or reach outside the
 * project are marked and wait for an explicit confirmation before they are applied.
 */

export interface ProposedFileChange {
  /** File-system path of the file the proposal writes (or deletes, when `after` is undefined). */
  readonly path: string;
  /** Current content, undefined when the proposal creates the file. */
  readonly before?: string;
  /** Proposed content, undefined when the proposal deletes the file. */
  readonly after?: string;
}

export type ProtectionCode =
  | 'outside-workspace'
  | 'excluded'
  | 'git'
  | 'git-hooks'
  | 'vscode-config'
  | 'manifest-scripts'
  | 'trust-rules';

export interface ProtectionReason {
  readonly code: ProtectionCode;
  /** A sentence for the confirmation dialog. */
  readonly message: string;
}

export interface ProtectedChange {
  readonly path: string;
  readonly reasons: readonly ProtectionReason[];
}

/** Why one proposed change needs confirmation; an empty list when it does not. */
export function protectionReasons(change: ProposedFileChange, rules: ExclusionRules): ProtectionReason[] {
  const reasons: ProtectionReason[] = [];
  const normalized = normalizePath(change.path);
  const verdict = rules.check(normalized);
  const segments = normalized.split('/');
  const name = segments[segments.length - 1] ?? '';
  const parent = segments[segments.length - 2] ?? '';

  if (verdict.outsideWorkspace) {
    reasons.push({ code: 'outside-workspace', message: 'writes outside the workspace folders' });
  }
  if (segments.includes('.git')) {
    reasons.push({ code: 'git', message: "changes Git's own files (.git/)" });
  } else if (verdict.excluded) {
    const origin = verdict.pattern ? ` (${verdict.pattern})` : '';
    reasons.push({ code: 'excluded', message: `changes a file excluded from the model${origin}` });
  }
  if (segments.includes('.husky') || segments.includes('.githooks')) {
    reasons.push({ code: 'git-hooks', message: 'changes a Git hook, which runs commands on commit' });
  }
  if ((parent === '.vscode' && name.endsWith('.json')) || name.endsWith('.code-workspace')) {
    reasons.push({
      code: 'vscode-config',
      message: 'changes VS Code configuration (settings, tasks or launch configurations can run commands)',
    });
  }
  if (name === IGNORE_FILE_NAME) {
    reasons.push({ code: 'trust-rules', message: 'changes which files Tandem may send to a model' });
  }
  const scripts = manifestScriptsChange(name, change.before, change.after);
  if (scripts) reasons.push({ code: 'manifest-scripts', message: scripts });
  return reasons;
}

/** The changes among `changes` that need confirmation, with their reasons. */
export function findProtectedChanges(
  changes: readonly ProposedFileChange[],
  rules: ExclusionRules,
): ProtectedChange[] {
  return changes
    .map((change) => ({ path: change.path, reasons: protectionReasons(change, rules) }))
    .filter((change) => change.reasons.length > 0);
}

/** Whether a path lies inside one of `roots` (used by callers that only have a path). */
export function isInsideWorkspace(path: string, roots: readonly string[]): boolean {
  const normalized = normalizePath(path);
  return roots.some((root) => relativeInside(normalizePath(root), normalized) !== undefined);
}

const JSON_SCRIPT_KEYS: Record<string, readonly string[]> = {
  'package.json': ['scripts'],
  'composer.json': ['scripts'],
  'deno.json': ['tasks'],
  'deno.jsonc': ['tasks'],
};

/** A message when the change adds, removes or edits scripts a package manager runs; else undefined. */
function manifestScriptsChange(name: string, before?: string, after?: string): string | undefined {
  const keys = JSON_SCRIPT_KEYS[name];
  if (keys) {
    for (const key of keys) {
      if (jsonSection(before, key) !== jsonSection(after, key)) {
        return `changes the "${key}" of ${name}, which a package manager runs`;
      }
    }
    return undefined;
  }
  if (name === 'pyproject.toml' && tomlScriptTables(before) !== tomlScriptTables(after)) {
    return 'changes the script or task tables of pyproject.toml';
  }
  return undefined;
}

/** A canonical string for `content[key]`; raw text of the section when the JSON does not parse. */
function jsonSection(content: string | undefined, key: string): string {
  if (content === undefined) return '';
  try {
    const parsed: unknown = JSON.parse(content.replace(/^\uFEFF/, ''));
    if (parsed && typeof parsed === 'object' && key in parsed) {
      return JSON.stringify((parsed as Record<string, unknown>)[key]);
    }
    return '';
  } catch {
    // Unparseable (comments, a half-written proposal): compare the text of the section instead.
    const match = new RegExp(`"${key}"\\s*:\\s*\\{[^}]*\\}?`).exec(content);
    return match ? `raw:${match[0].replace(/\s+/g, '')}` : '';
  }
}

const TOML_SCRIPT_TABLE =
  /^\s*\[(?:project\.(?:scripts|gui-scripts|entry-points[^\]]*)|tool\.[\w.-]*\.(?:scripts|tasks)(?:\.[^\]]*)?|tool\.poe\.tasks(?:\.[^\]]*)?)\]\s*$/;

function tomlScriptTables(content: string | undefined): string {
  if (content === undefined) return '';
  const kept: string[] = [];
  let inside = false;
  for (const line of content.split(/\r?\n/)) {
    if (/^\s*\[/.test(line)) inside = TOML_SCRIPT_TABLE.test(line);
    if (inside && line.trim() && !line.trim().startsWith('#')) kept.push(line.trim());
  }
  return kept.join('\n');
}
