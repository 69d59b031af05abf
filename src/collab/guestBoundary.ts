/**
 * What a guest may not change on the host's disk without the host's say: anything that changes how
 * the host's VS Code, Git or Tandem behaves (`.vscode/`, `*.code-workspace`, `.tandemignore`,
 * `.git/`, Git hooks and `.husky/`, and the paths proposals already ask about, such as a
 * package.json whose scripts change). Plain logic; the host's prompt lives in the VS Code adapter.
 */
import { ExclusionRules } from '../trust/exclusion/exclusionRules';
import { diffLines } from '../proposals/lineDiff';
import { protectionReasons } from '../trust/protectedPaths';

/** A guest's change waiting for the host's decision. */
export interface GuestChangeApproval {
  /** The guest's name, as their request gives it. */
  readonly by: string;
  readonly op: 'save' | 'write' | 'mkdir' | 'delete' | 'rename';
  /** Shared-folder relative paths. */
  readonly path: string;
  readonly target?: string;
  /** Why the host is asked (sentences). */
  readonly reasons: readonly string[];
  /** The file's text on disk now and what it would become (undefined: absent / not text). */
  readonly before?: string;
  readonly after?: string;
}

/** Decides a guest's protected change: true to carry it out. */
export type ApproveGuestChange = (change: GuestChangeApproval) => Promise<boolean>;

export class GuestBoundary {
  private readonly rules: ExclusionRules;

  /** `root`: the shared folder on the host's disk. */
  constructor(private readonly root: string) {
    this.rules = new ExclusionRules({ roots: [root] });
  }

  /** Why writing `relative` (from `before` to `after`) needs the host's approval; empty when it does not. */
  reasons(relative: string, before?: string, after?: string): string[] {
    const reasons: string[] = [];
    const segments = relative.split('/');
    // The whole .vscode folder: settings, tasks, launch configurations, extensions recommendations.
    if (segments.includes('.vscode'))
      reasons.push('changes VS Code configuration (settings and tasks can run commands)');
    const absolute = `${this.root.replace(/\\/g, '/').replace(/\/+$/, '')}/${relative}`;
    for (const reason of protectionReasons({ path: absolute, before, after }, this.rules)) {
      // Exclusions are decided by the sharing rules, not here; the .vscode sentence is given above.
      if (reason.code === 'excluded' || reason.code === 'outside-workspace') continue;
      if (reason.code === 'vscode-config' && segments.includes('.vscode')) continue;
      reasons.push(reason.message);
    }
    return reasons;
  }
}

const MAX_DIFF_LINES = 40;

/** The host's prompt for a guest's change: a one-line question and the reasons with the diff. */
export function describeGuestChange(change: GuestChangeApproval): { message: string; detail: string } {
  const what =
    change.op === 'delete'
      ? `delete ${change.path}`
      : change.op === 'rename'
        ? `move ${change.path} to ${change.target ?? '?'}`
        : change.op === 'mkdir'
          ? `create the folder ${change.path}`
          : `${change.before === undefined ? 'create' : 'change'} ${change.path}`;
  const message = `${change.by} wants to ${what} on your disk. Allow it?`;
  const lines = [`This ${change.reasons.join('; ')}.`];
  if (change.op === 'save' || change.op === 'write') {
    lines.push('', ...unifiedLines(change.before ?? '', change.after ?? ''));
  }
  return { message, detail: lines.join('\n') };
}

/** `- old` / `+ new` lines of the changed regions, with one line of context, at most 40 lines. */
export function unifiedLines(before: string, after: string): string[] {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  const out: string[] = [];
  for (const change of diffLines(a, b)) {
    if (out.length) out.push('…');
    if (change.aStart > 0) out.push(`  ${a[change.aStart - 1]}`);
    for (let i = change.aStart; i < change.aEnd; i++) out.push(`- ${a[i]}`);
    for (let i = change.bStart; i < change.bEnd; i++) out.push(`+ ${b[i]}`);
    if (change.aEnd < a.length) out.push(`  ${a[change.aEnd]}`);
  }
  if (out.length > MAX_DIFF_LINES)
    return [...out.slice(0, MAX_DIFF_LINES), `… (${out.length - MAX_DIFF_LINES} more lines)`];
  return out.length ? out : ['(no change in the text)'];
}
