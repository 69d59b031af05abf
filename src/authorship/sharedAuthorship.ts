/**
 * Authorship of a session file: the assistant's characters carry a `tandemAi` formatting attribute
 * in the file's Y.Text, so attribution merges across peers with the text itself and lives in the
 * session document; a Y.Map beside it keeps, per applied edit, what it replaced and a relative
 * position for putting it back. People's text inserted right after an assistant character has the
 * attribute explicitly unset, so typing inside or at the end of assistant text never inherits the mark
 * (Yjs gives inserted text the format of the character before it); anywhere else it is inserted plain,
 * which keeps Yjs's fast positioning and adds no format boundaries for every peer to clean up.
 */
import * as Y from 'yjs';
import {
  AUTHORSHIP_ATTRIBUTE,
  type AuthoredEdit,
  type AuthoredRun,
  type AuthorshipMeta,
  type AuthorshipView,
  changedParts,
  isAuthorshipMeta,
  partEditId,
} from './authorship';
import {
  applyInChunks,
  type BurstOptions,
  replaceInChunks,
  type ReplacementBurstOptions,
} from '../collab/burstApply';
import type { TextReplacement } from './revertPlan';
import { markReverted } from './revertMarks';

/** Attributes for text a person inserts: ends any assistant run at the insertion point. */
export const HUMAN_TEXT: Readonly<Record<string, null>> = Object.freeze({ [AUTHORSHIP_ATTRIBUTE]: null });

/** What the records map holds per edit id. */
export interface SharedEditRecord {
  readonly meta: AuthorshipMeta;
  readonly replaced: string;
  readonly length: number;
  /** Encoded Y.RelativePosition of the edit's start (sticks to the character after it). */
  readonly anchor: Uint8Array;
  /** Encoded Y.RelativePosition of the character before it: text inserted in between touches it. */
  readonly before?: Uint8Array;
}

/**
 * Inserts assistant text at `index` of `ytext`, marked with `meta`, replacing `deleteLength`
 * characters, and records what it replaced in `records`; one transaction with `origin`.
 */
export function attributeInsert(
  ytext: Y.Text,
  records: Y.Map<SharedEditRecord>,
  index: number,
  deleteLength: number,
  text: string,
  meta: AuthorshipMeta,
  origin?: unknown,
): void {
  const doc = requireDoc(ytext);
  doc.transact(() => {
    const replaced = ytext.toString().slice(index, index + deleteLength);
    if (deleteLength > 0) ytext.delete(index, deleteLength);
    if (text) ytext.insert(index, text, { [AUTHORSHIP_ATTRIBUTE]: { ...meta } });
    records.set(meta.edit, editRecord(ytext, index, meta, replaced, text.length));
  }, origin);
}

/**
 * Writes an accepted hunk over `replaced` at `index` (which must be there): each stretch it changes is
 * written as its own edit (`meta.edit`, then `.1`, `.2`, ...), right to left so each one's place in
 * the old text still holds; what it keeps of the old text stays people's, unmarked and untouched.
 */
export function attributeHunk(
  ytext: Y.Text,
  records: Y.Map<SharedEditRecord>,
  index: number,
  replaced: string,
  written: string,
  meta: AuthorshipMeta,
  origin?: unknown,
): void {
  const parts = changedParts(replaced, written);
  requireDoc(ytext).transact(() => {
    for (let i = parts.length - 1; i >= 0; i--) {
      const part = parts[i];
      attributeInsert(ytext, records, index + part.at, part.replaced.length, part.inserted, {
        ...meta,
        edit: partEditId(meta.edit, i),
      });
    }
  }, origin);
}

function editRecord(
  ytext: Y.Text,
  index: number,
  meta: AuthorshipMeta,
  replaced: string,
  length: number,
): SharedEditRecord {
  const position = (assoc: number) =>
    Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, index, assoc));
  return {
    meta: { ...meta },
    replaced,
    length,
    anchor: position(0),
    ...(length === 0 ? { before: position(-1) } : {}),
  };
}

/**
 * Inserts a person's text so it is never marked as the assistant's, even inside an assistant run.
 * Plain (no attributes) unless the character before `index` is the assistant's: a Y.Text insert
 * with attributes cannot use Yjs's search markers and, inside a run, adds format items that make
 * every peer rescan the whole text's formatting when it arrives.
 */
export function insertHumanText(ytext: Y.Text, index: number, text: string): void {
  if (markedBefore(ytext, index)) ytext.insert(index, text, { ...HUMAN_TEXT });
  else ytext.insert(index, text);
}

/**
 * Whether the character before `index` carries the assistant's mark: the value of the last live
 * `tandemAi` format item before it, as Yjs computes formats. Walks the items without allocating.
 */
export function markedBefore(ytext: Y.Text, index: number): boolean {
  if (index <= 0) return false;
  let marked = false;
  let offset = 0;
  for (let item = ytext._start; item !== null; item = item.right as Y.Item | null) {
    if (item.deleted) continue;
    const content = item.content;
    if (content instanceof Y.ContentFormat) {
      if (content.key === AUTHORSHIP_ATTRIBUTE) marked = content.value !== null;
      continue;
    }
    if (!item.countable) continue;
    offset += item.length;
    if (offset >= index) return marked;
  }
  return marked;
}

/** Whether any live text of `ytext` carries the assistant's mark (walks Yjs items, not characters). */
export function hasAuthorshipMarks(ytext: Y.Text): boolean {
  for (let item = ytext._start; item !== null; item = item.right as Y.Item | null)
    if (
      !item.deleted &&
      item.content instanceof Y.ContentFormat &&
      item.content.key === AUTHORSHIP_ATTRIBUTE &&
      item.content.value !== null
    )
      return true;
  return false;
}

/**
 * Writes assistant text in chunks (see `applyInChunks`): every chunk carries the mark, and the
 * first transaction records what the edit replaced. Resolves once the last chunk is in.
 */
export function applyAttributedInChunks(
  ytext: Y.Text,
  records: Y.Map<SharedEditRecord>,
  index: number,
  deleteLength: number,
  text: string,
  meta: AuthorshipMeta,
  options: Omit<BurstOptions, 'attributes' | 'inFirstTransaction'> = {},
): Promise<number> {
  return applyInChunks(ytext, index, deleteLength, text, {
    ...options,
    attributes: { [AUTHORSHIP_ATTRIBUTE]: { ...meta } },
    inFirstTransaction: (replaced) =>
      records.set(meta.edit, editRecord(ytext, index, meta, replaced, text.length)),
  });
}

/** The assistant runs of a Y.Text, merged where one edit's pieces touch. */
export function sharedRuns(ytext: Y.Text): AuthoredRun[] {
  const runs: AuthoredRun[] = [];
  let offset = 0;
  for (const op of ytext.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[]) {
    const length = typeof op.insert === 'string' ? op.insert.length : 1;
    const meta = op.attributes?.[AUTHORSHIP_ATTRIBUTE];
    if (isAuthorshipMeta(meta)) {
      const last = runs.at(-1);
      if (last && last.end === offset && last.meta.edit === meta.edit)
        runs[runs.length - 1] = { ...last, end: offset + length };
      else runs.push({ start: offset, end: offset + length, meta });
    }
    offset += length;
  }
  return runs;
}

/** A session file's authorship, read now, for hover, summaries and the revert planner. */
export function sharedAuthorshipView(ytext: Y.Text, records: Y.Map<SharedEditRecord>): AuthorshipView {
  const doc = requireDoc(ytext);
  const edits = new Map<string, AuthoredEdit>();
  const resolve = (encoded: Uint8Array): number | undefined => {
    try {
      const absolute = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(encoded), doc);
      return absolute?.type === ytext ? absolute.index : undefined;
    } catch {
      return undefined;
    }
  };
  for (const [id, record] of records) {
    if (!record || !isAuthorshipMeta(record.meta) || !(record.anchor instanceof Uint8Array)) continue;
    const anchor = resolve(record.anchor);
    // A record of another file's text (one map may serve several) or a malformed one: not ours.
    if (anchor === undefined) continue;
    const before = record.before instanceof Uint8Array ? resolve(record.before) : undefined;
    edits.set(id, {
      meta: record.meta,
      replaced: String(record.replaced),
      length: record.length,
      anchor,
      touched: record.length === 0 && before !== undefined && before !== anchor,
    });
  }
  const runs = sharedRuns(ytext).filter((run) => edits.has(run.meta.edit));
  // An edit that wrote text but has no character left (reverted, or deleted by people) is dormant:
  // not offered, not reverted. Its record stays so an Undo that brings the characters back (Yjs
  // restores them with their marks) brings the edit back with them.
  const live = new Set(runs.map((run) => run.meta.edit));
  for (const [id, edit] of edits) if (edit.length > 0 && !live.has(id)) edits.delete(id);
  return { runs, edits };
}

/**
 * The records a revert drops: only pure deletions' (their text is back, and nothing carries their
 * mark); an edit that wrote text keeps its record, dormant while its characters are gone.
 */
export function recordsToDrop(records: Y.Map<SharedEditRecord>, edits: readonly string[]): string[] {
  return edits.filter((id) => {
    const record = records.get(id);
    return !record || !(record.length > 0);
  });
}

/** Who reverts (their session name) and the edits to mark as reverted (a plan's `takenBack`). */
export interface RevertedBy {
  readonly by: string;
  readonly edits: readonly string[];
}

/**
 * Applies a revert plan to the Y.Text in one transaction (one undo step for `origin`, synced to
 * every peer like any edit) and drops the records it can (see `recordsToDrop`): undoing it brings
 * the assistant's characters back marked. Restored text is people's text. With `reverted` (the
 * reverter's session name and the edits the plan takes back whole, its `takenBack`), those edits are
 * marked as reverted in the same transaction (src/authorship/revertMarks.ts).
 */
export function applySharedRevert(
  ytext: Y.Text,
  records: Y.Map<SharedEditRecord>,
  replacements: readonly TextReplacement[],
  edits: readonly string[],
  origin?: unknown,
  reverted?: RevertedBy,
): void {
  requireDoc(ytext).transact(() => {
    for (const { offset, length, text } of [...replacements].reverse()) {
      if (length > 0) ytext.delete(offset, length);
      if (text) insertHumanText(ytext, offset, text);
    }
    for (const id of recordsToDrop(records, edits)) records.delete(id);
    if (reverted) markReverted(ytext, reverted.edits, reverted.by);
  }, origin);
}

/**
 * Applies a revert plan as `applySharedRevert` does, in chunks (see `replaceInChunks`): every
 * assistant character goes, and the records it can are dropped, in the first transaction; restored
 * text longer than a chunk follows in later ones, each piece right after the one before, as people's
 * text. With `undo` the whole revert is one undo step (Undo brings the assistant's text back marked).
 * With `reverted`, its edits are marked as reverted in the first transaction, the one that removes
 * their characters. Resolves with how many transactions it took; the text is the same as the
 * one-transaction revert's.
 */
export function applySharedRevertInChunks(
  ytext: Y.Text,
  records: Y.Map<SharedEditRecord> | undefined,
  replacements: readonly TextReplacement[],
  edits: readonly string[],
  options: Omit<ReplacementBurstOptions, 'insert' | 'inFirstTransaction'> & {
    readonly reverted?: RevertedBy;
  } = {},
): Promise<number> {
  const { reverted, ...burst } = options;
  return replaceInChunks(ytext, replacements, {
    ...burst,
    insert: insertHumanText,
    inFirstTransaction: () => {
      if (records) for (const id of recordsToDrop(records, edits)) records.delete(id);
      if (reverted) markReverted(ytext, reverted.edits, reverted.by);
    },
  });
}

function requireDoc(ytext: Y.Text): Y.Doc {
  if (!ytext.doc) throw new Error('the shared text is not part of a Y.Doc');
  return ytext.doc;
}

/**
 * Line and character of `offset` in an LF text (a session's Y.Text), for documents whose own line
 * ends may be CRLF: a session offset is never a document offset there, a line and character is.
 */
export function lfLineCharacter(lfText: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let at = lfText.indexOf('\n'); at !== -1 && at < offset; at = lfText.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, character: offset - lineStart };
}
