/**
 * Which accepted assistant edits of a session file Revert Assistant Edits took back, and who ran it:
 * one attribute of the file's own Y.Text per edit (a map entry of the Y.Text, not a format, so it is
 * no part of the text), `tandemReverted:<edit>` -> { by: { name, clientId }, at }. The revert writes
 * it in its own transaction with the reverter's origin (src/authorship/vscode/sessionAuthorship.ts):
 * it reaches everyone with the text, and the reverter's Undo, whose Y.UndoManager tracks the Y.Text
 * and so its attributes, takes mark and text back in one step. Read so it cannot disagree with the
 * text: an edit counts as reverted only while none of its characters is left (an Undo that brings
 * them back ends it however the mark fares), and only under the client id the mark names (the server
 * holds each client id to its owner, takes a mark only with the name it stamped on its writer, as for
 * a proposal or decision, and drops whatever a read-only participant writes).
 */
import * as Y from 'yjs';
import { REVERT_MARK_PREFIX } from '../server/authority';
import { hunkOf } from './authorship';
import { sharedRuns } from './sharedAuthorship';

/** Prefix of the Y.Text attribute that marks an edit as reverted (the server checks its signature). */
export { REVERT_MARK_PREFIX };

/** Who ran a revert: their session name and the Yjs client id they wrote it under. */
export interface Reverter {
  readonly name: string;
  readonly clientId: number;
}

export interface RevertMark {
  readonly by: Reverter;
  /** When the revert was written (epoch ms, the reverter's clock). */
  readonly at: number;
}

/** The accepted hunks' edit ids (parts folded into their hunk's) that have characters in `ytext` now. */
export function editsWithText(ytext: Y.Text): Set<string> {
  return new Set(sharedRuns(ytext).map((run) => hunkOf(run.meta.edit)));
}

/**
 * Records that the edits `edits` (edit ids, parts included) were taken back by this participant
 * (`name`, under the document's client id): one mark per hunk's edit, for those with no character
 * left in `ytext`. Call inside the revert's transaction, after its deletions. Returns the hunk edit
 * ids it marked.
 */
export function markReverted(
  ytext: Y.Text,
  edits: readonly string[],
  name: string,
  at = Date.now(),
): string[] {
  const doc = ytext.doc;
  if (!doc) throw new Error('the shared text is not part of a Y.Doc');
  const hunks = [...new Set(edits.map(hunkOf))];
  if (hunks.length === 0) return [];
  const withText = editsWithText(ytext);
  const marked = hunks.filter((edit) => !withText.has(edit));
  const mark: RevertMark = { by: { name, clientId: doc.clientID }, at };
  for (const edit of marked) ytext.setAttribute(REVERT_MARK_PREFIX + edit, { by: { ...mark.by }, at });
  return marked;
}

/**
 * The mark of a revert that took `edit` (a hunk's edit id) back and still stands: written under the
 * client id it names, and none of the edit's characters is in `ytext`. `withText`: what
 * `editsWithText(ytext)` says, when the caller has it (it walks the whole text).
 */
export function revertMarkOf(
  ytext: Y.Text,
  edit: string,
  withText?: () => ReadonlySet<string>,
): RevertMark | undefined {
  const key = REVERT_MARK_PREFIX + edit;
  const item = ytext._map.get(key);
  if (!item || item.deleted) return undefined;
  const mark = readRevertMark(ytext.getAttribute(key));
  if (!mark || mark.by.clientId !== item.id.client) return undefined;
  const live = withText ? withText() : editsWithText(ytext);
  return live.has(edit) ? undefined : mark;
}

/** Checks a value a peer wrote is a RevertMark. */
export function readRevertMark(value: unknown): RevertMark | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { by, at } = value as Record<string, unknown>;
  if (!by || typeof by !== 'object' || typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  const { name, clientId } = by as Record<string, unknown>;
  if (
    typeof name !== 'string' ||
    name.length > 100 ||
    !Number.isSafeInteger(clientId) ||
    (clientId as number) < 0
  )
    return undefined;
  return { by: { name, clientId: clientId as number }, at };
}
