/**
 * The review state of one file of a proposal: its hunks, where each sits in the live document, and
 * what accepting (all or some lines of) a hunk would write. Editor-free: the adapter feeds document
 * changes in and applies the plans this returns.
 */
import { applyChangesToSpan, type TextChange } from './anchors';
import type { FileChange, FileChangeKind } from './applyBlocks';
import { composeSelection, computeHunks, lineContent, splitKeepEnds, type LineSelection } from './hunks';
import { diffLines } from './lineDiff';
import type { ProtectedChange } from '../trust';

export type HunkStatus = 'pending' | 'accepted' | 'rejected' | 'stale';

export interface ReviewHunk {
  readonly id: string;
  /** Lines the hunk takes out, with their line breaks. */
  readonly removed: readonly string[];
  /** Lines the hunk puts in, with their line breaks. */
  readonly added: readonly string[];
  /** Where `removed` starts in the live document (0-based). */
  line: number;
  status: HunkStatus;
  /** Up to two lines around the hunk in the text it was computed against (to re-propose it). */
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** True when some of its lines were accepted already (this hunk is what is left). */
  readonly remainder: boolean;
  /** Changes with a document version up to this one are already reflected in `line`. */
  sinceVersion: number;
  /** For an accepted hunk: what it wrote and where, so that Undo (and Redo) can be recognised. */
  applied?: AppliedWrite;
  /** For what was left of a partly accepted hunk: that hunk's id. */
  readonly parent?: string;
}

export interface AppliedWrite {
  line: number;
  /** Lines the write left in the document. */
  lineCount: number;
  /** What was written, and what it replaced. */
  text: string;
  replaced: string;
}

/** Why a document changed, when the editor says: Undo and Redo can put an accepted hunk back or forth. */
export type ChangeReason = 'undo' | 'redo' | undefined;

/** What accepting a hunk (or some of its lines) writes: replace whole lines [line, line + lineCount). */
export interface AcceptPlan {
  hunkId: string;
  line: number;
  lineCount: number;
  /** The text those lines must have now (the hunk's removed lines); anything else means stale. */
  expected: string;
  /** The text that replaces them. */
  text: string;
  /** Whether this plan takes the whole hunk (else what is left stays pending). */
  whole: boolean;
  selection?: LineSelection;
}

export type PlanResult = { ok: true; plan: AcceptPlan } | { ok: false; reason: string };

const CONTEXT_LINES = 2;

export class FileReview {
  readonly hunks: ReviewHunk[] = [];
  readonly eol: '\n' | '\r\n';
  /** The file the change is for (a URI string), set when the proposal is made. */
  address?: string;
  /** Why writing the file needs the person's explicit confirmation (undefined when it does not). */
  protection?: ProtectedChange;
  /** The person confirmed writing this protected file (asked once per file). */
  writeConfirmed = false;
  /** Stored in a shared session's document: the session moves its hunks and decides on them. */
  shared = false;
  private counter = 0;
  private readonly applying = new Set<string>();

  constructor(
    readonly proposalId: string,
    readonly change: FileChange,
    /** Document version the hunk lines refer to (0 when the document is not open). */
    version = 0,
  ) {
    const original = change.original ?? '';
    const proposed = change.proposed ?? '';
    this.eol = /\r\n/.test(original) || (!/\n/.test(original) && /\r\n/.test(proposed)) ? '\r\n' : '\n';
    for (const hunk of computeHunks(original, proposed)) {
      this.hunks.push(
        this.makeHunk(hunk.removed, hunk.added, hunk.originalStart, hunk.before, hunk.after, false, version),
      );
    }
  }

  get path(): string {
    return this.change.path;
  }

  get kind(): FileChangeKind {
    return this.change.kind;
  }

  pending(): ReviewHunk[] {
    return this.hunks.filter((hunk) => hunk.status === 'pending');
  }

  hunk(id: string): ReviewHunk | undefined {
    return this.hunks.find((hunk) => hunk.id === id);
  }

  /**
   * Moves pending hunks with the document's edits and marks the ones whose text was edited stale. An
   * Undo that takes back exactly what accepting a hunk wrote makes it pending again (what was left of
   * it after a partial accept goes away with it); a Redo of that write accepts it again.
   */
  onDocumentChanged(changes: readonly TextChange[], version: number, reason?: ChangeReason): ReviewHunk[] {
    const staled: ReviewHunk[] = [];
    for (const hunk of [...this.hunks]) {
      if (this.applying.has(hunk.id) || version <= hunk.sinceVersion) continue;
      const applied = hunk.applied;
      if (hunk.status === 'accepted' && applied) {
        hunk.sinceVersion = version;
        if (reason === 'undo' && applyWithinSpan(applied.text, applied.line, changes) === applied.replaced) {
          hunk.status = 'pending';
          hunk.line = applied.line;
          this.dropRemainders(hunk.id);
          continue;
        }
        const moved = applyChangesToSpan(spanOf(applied.line, splitKeepEnds(applied.text)), changes);
        if (moved === 'stale') hunk.applied = undefined;
        else applied.line = moved.line;
        continue;
      }
      if (hunk.status !== 'pending') continue;
      hunk.sinceVersion = version;
      if (
        applied &&
        reason === 'redo' &&
        applyWithinSpan(hunk.removed.join(''), hunk.line, changes) === applied.text
      ) {
        hunk.status = 'accepted';
        applied.line = hunk.line;
        continue;
      }
      const moved = applyChangesToSpan(spanOf(hunk.line, hunk.removed), changes);
      if (moved === 'stale') {
        hunk.status = 'stale';
        staled.push(hunk);
      } else hunk.line = moved.line;
    }
    return staled;
  }

  private dropRemainders(parentId: string): void {
    for (let i = this.hunks.length - 1; i >= 0; i--) {
      const hunk = this.hunks[i];
      if (hunk.parent !== parentId) continue;
      this.dropRemainders(hunk.id);
      this.hunks.splice(i, 1);
    }
  }

  /**
   * What accepting the hunk writes. `readLines(line, count)` returns the document's current text of
   * those whole lines (line breaks included); a hunk whose lines no longer hold its original text is
   * marked stale and refused.
   */
  planAccept(
    id: string,
    readLines: (line: number, count: number) => string | undefined,
    selection?: LineSelection,
  ): PlanResult {
    const hunk = this.hunk(id);
    if (!hunk) return { ok: false, reason: 'the change is no longer part of this proposal' };
    if (hunk.status === 'stale')
      return { ok: false, reason: 'the text this change was made for has been edited since (stale)' };
    if (hunk.status !== 'pending') return { ok: false, reason: `the change was already ${hunk.status}` };
    const expected = hunk.removed.join('');
    const actual = readLines(hunk.line, hunk.removed.length);
    if (actual === undefined || actual !== expected) {
      hunk.status = 'stale';
      return { ok: false, reason: 'the text this change was made for has been edited since (stale)' };
    }
    const whole =
      !selection ||
      (selection.removed.length === hunk.removed.length && selection.added.length === hunk.added.length);
    const lines = whole ? [...hunk.added] : composeSelection(hunk, selection!, this.eol);
    if (!whole && selection!.removed.length === 0 && selection!.added.length === 0)
      return { ok: false, reason: 'no line of the change is selected' };
    return {
      ok: true,
      plan: {
        hunkId: id,
        line: hunk.line,
        lineCount: hunk.removed.length,
        expected,
        text: lines.join(''),
        whole,
        selection,
      },
    };
  }

  /** Call before writing a plan, so the edit's own change event does not mark its hunk stale. */
  beginApply(plan: AcceptPlan): void {
    this.applying.add(plan.hunkId);
  }

  /**
   * Call after the write. On success the hunk is accepted; a partial accept leaves what was not taken
   * as new pending hunks at the same place, anchored as of `version` (the document after the write).
   */
  finishApply(plan: AcceptPlan, succeeded: boolean, version: number): ReviewHunk[] {
    this.applying.delete(plan.hunkId);
    const hunk = this.hunk(plan.hunkId);
    if (!hunk || !succeeded) return [];
    hunk.status = 'accepted';
    hunk.sinceVersion = version;
    hunk.applied = {
      line: plan.line,
      lineCount: splitKeepEnds(plan.text).length,
      text: plan.text,
      replaced: plan.expected,
    };
    if (plan.whole) return [];
    // What the region holds now, compared with what the hunk proposed: the rest is still to review.
    const now = splitKeepEnds(plan.text);
    const rest: ReviewHunk[] = [];
    for (const change of diffLines(now, [...hunk.added])) {
      rest.push({
        ...this.makeHunk(
          now.slice(change.aStart, change.aEnd),
          hunk.added.slice(change.bStart, change.bEnd),
          change.aStart,
          [...hunk.before, ...now.slice(0, change.aStart)].slice(-CONTEXT_LINES),
          [...now.slice(change.aEnd), ...hunk.after].slice(0, CONTEXT_LINES),
          true,
          version,
        ),
        line: plan.line + change.aStart,
        parent: hunk.id,
      });
    }
    this.hunks.splice(this.hunks.indexOf(hunk) + 1, 0, ...rest);
    return rest;
  }

  reject(id: string): boolean {
    const hunk = this.hunk(id);
    if (!hunk || (hunk.status !== 'pending' && hunk.status !== 'stale')) return false;
    hunk.status = 'rejected';
    return true;
  }

  /** Puts a re-proposed hunk (same file, fresh text) in place of a stale one. */
  replaceStale(
    id: string,
    removed: string[],
    added: string[],
    line: number,
    version: number,
  ): ReviewHunk | undefined {
    const hunk = this.hunk(id);
    if (!hunk || hunk.status !== 'stale') return undefined;
    hunk.status = 'rejected';
    const fresh = { ...this.makeHunk(removed, added, 0, hunk.before, hunk.after, true, version), line };
    this.hunks.splice(this.hunks.indexOf(hunk) + 1, 0, fresh);
    return fresh;
  }

  private makeHunk(
    removed: string[],
    added: string[],
    start: number,
    before: readonly string[],
    after: readonly string[],
    remainder: boolean,
    version: number,
  ): ReviewHunk {
    return {
      id: `${this.proposalId}:${this.change.path}:${this.counter++}`,
      removed,
      added,
      line: start,
      status: 'pending',
      before,
      after,
      remainder,
      sinceVersion: version,
    };
  }
}

function spanOf(line: number, lines: readonly string[]) {
  return {
    line,
    length: lines.length,
    lastLineLength: lines.length ? lineContent(lines[lines.length - 1]).length : 0,
  };
}

/** True when the changes are one replacement of whole lines [line, line + count) by `text`. */
/**
 * The text of the whole lines from `line` (holding `text`) once `changes` are applied, or undefined
 * when a change reaches outside them. Undo and Redo report the smallest changes that restore a text
 * (VS Code trims what stayed the same), so a write is recognised by what the lines hold afterwards.
 */
export function applyWithinSpan(
  text: string,
  line: number,
  changes: readonly TextChange[],
): string | undefined {
  const lines = splitKeepEnds(text);
  const offsetOf = (position: { line: number; character: number }): number | undefined => {
    const index = position.line - line;
    if (index < 0 || index > lines.length) return undefined;
    if (index === lines.length) return position.character === 0 ? text.length : undefined;
    let offset = 0;
    for (let i = 0; i < index; i++) offset += lines[i].length;
    return position.character <= lines[index].length ? offset + position.character : undefined;
  };
  const located: { from: number; to: number; text: string }[] = [];
  for (const change of changes) {
    const from = offsetOf(change.start);
    const to = offsetOf(change.end);
    if (from === undefined || to === undefined || to < from) return undefined;
    located.push({ from, to, text: change.text });
  }
  // Ranges refer to the text before the event and do not overlap: apply from the end backwards.
  let result = text;
  for (const change of located.sort((a, b) => b.from - a.from))
    result = result.slice(0, change.from) + change.text + result.slice(change.to);
  return result;
}
