/**
 * Writes a large text (an accepted proposal, a revert) into a shared Y.Text in small transactions,
 * yielding to the event loop between them, so teammates' keystrokes are sent, relayed and applied
 * in between instead of waiting behind one update the size of the whole burst. Chunks end at line
 * ends (a line longer than a chunk is cut, never inside a surrogate pair). The text stays one
 * stretch however peers edit meanwhile: each chunk goes right after the previous one's last
 * character, tracked as a relative position.
 */
import * as Y from 'yjs';

/**
 * 16 K code units (about 200 lines of code) per chunk, 16 ms apart: measured with five typists on the
 * real server (`npm run bench -- authorship`), smaller chunks cost people more than they save, since
 * every message has a fixed cost at the server and at each peer. The pause lets one chunk pass the
 * server and every peer before the next is sent: 4 ms apart, chunks queued up behind one another
 * (the server relaying and storing, each peer integrating) and keystrokes waited behind the queue
 * (p99 20-37 ms against 5.7-7.5 ms idle, three runs); 16 ms apart, 9.8-26 ms against 5.2-12 ms
 * (four runs, the machine loaded by other jobs; see the README), for a 2,000-line accept taking about
 * 185 ms instead of 65 ms.
 */
export const DEFAULT_CHUNK_CHARS = 16_384;
export const DEFAULT_CHUNK_PAUSE_MS = 16;

export interface BurstOptions {
  /** Origin of every transaction (the local participant's, so their Undo takes the whole burst). */
  readonly origin?: unknown;
  /** Formatting attributes of the inserted text (e.g. the assistant's authorship mark). */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** Largest chunk in UTF-16 code units (whole lines up to this). */
  readonly maxChunkChars?: number;
  /** The local participant's undo manager: the whole burst becomes one undo step. */
  readonly undo?: Y.UndoManager;
  /** Runs inside the first transaction, after the deletion (e.g. to record what was replaced). */
  readonly inFirstTransaction?: (replaced: string) => void;
  /** Waits between chunks; by default `DEFAULT_CHUNK_PAUSE_MS`, so socket reads and writes run. */
  readonly pause?: () => Promise<void>;
}

/** Splits text into chunks of whole lines of at most `max` code units (a longer line is cut). */
export function chunkLines(text: string, max = DEFAULT_CHUNK_CHARS): string[] {
  if (max < 2) throw new Error(`chunk size must be at least 2 code units, not ${max}`);
  const chunks: string[] = [];
  let current = '';
  let at = 0;
  while (at < text.length) {
    const newline = text.indexOf('\n', at);
    const line = newline === -1 ? text.slice(at) : text.slice(at, newline + 1);
    at += line.length;
    if (current.length + line.length <= max) {
      current += line;
      continue;
    }
    if (current) chunks.push(current);
    current = '';
    let rest = line;
    while (rest.length > max) {
      let cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
      chunks.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** The pause between two chunks of a burst (DEFAULT_CHUNK_PAUSE_MS). */
export const briefPause = () => new Promise<void>((resolve) => setTimeout(resolve, DEFAULT_CHUNK_PAUSE_MS));

/**
 * Replaces `deleteLength` characters at `index` with `text`, in chunks. Resolves with how many
 * transactions it took once the last chunk is in. The deletion goes in the first transaction.
 */
export async function applyInChunks(
  ytext: Y.Text,
  index: number,
  deleteLength: number,
  text: string,
  options: BurstOptions = {},
): Promise<number> {
  const doc = ytext.doc;
  if (!doc) throw new Error('the shared text is not part of a Y.Doc');
  if (index < 0 || deleteLength < 0 || index + deleteLength > ytext.length)
    throw new Error(
      `cannot replace ${deleteLength} characters at ${index} of a text of ${ytext.length} characters`,
    );
  const chunks = chunkLines(text, options.maxChunkChars ?? DEFAULT_CHUNK_CHARS);
  const pause = options.pause ?? briefPause;
  let transactions = 0;
  let after: Y.RelativePosition | undefined;
  await asOneUndoStep(options.undo, options.origin, async () => {
    doc.transact(() => {
      const replaced = deleteLength > 0 ? ytext.toString().slice(index, index + deleteLength) : '';
      if (deleteLength > 0) ytext.delete(index, deleteLength);
      const first = chunks[0];
      if (first) {
        ytext.insert(index, first, { ...options.attributes });
        after = Y.createRelativePositionFromTypeIndex(ytext, index + first.length, -1);
      }
      options.inFirstTransaction?.(replaced);
    }, options.origin);
    transactions++;
    for (const chunk of chunks.slice(1)) {
      await pause();
      doc.transact(() => {
        const at = after && Y.createAbsolutePositionFromRelativePosition(after, doc);
        if (!at || at.type !== ytext) throw new Error('the shared text was removed during the write');
        ytext.insert(at.index, chunk, { ...options.attributes });
        after = Y.createRelativePositionFromTypeIndex(ytext, at.index + chunk.length, -1);
      }, options.origin);
      transactions++;
    }
  });
  return transactions;
}

/**
 * Runs `write` as one undo step of `undo` (when given): what it writes in several transactions, a
 * pause apart, is captured together, apart from what came before and what comes after. Edits with
 * another origin `undo` tracks (the writer's own typing meanwhile) become an undo step of their own,
 * right after it: Undo takes them back first, and the burst on its own after.
 */
async function asOneUndoStep(
  undo: Y.UndoManager | undefined,
  origin: unknown,
  write: () => Promise<void>,
): Promise<void> {
  if (!undo) return write();
  const timeout = undo.captureTimeout;
  undo.stopCapturing();
  undo.captureTimeout = Number.MAX_SAFE_INTEGER;
  // The undo manager captures everything of its origins into the burst's stack item (that keeps
  // what the typing deletes from garbage collection); what the typing did is noted here and moved
  // to an item of its own afterwards (no 'stack-item-added' event for it: nothing here listens).
  // The split is exact because a burst deletes only in its first transaction, which runs at once:
  // it never deletes what was typed during it, so all the typing's insertions and deletions leave.
  let burstItem: unknown;
  const onAdded = (event: { stackItem: unknown }) => (burstItem ??= event.stackItem);
  const typed = { insertions: [] as DeleteSet[], deletions: [] as DeleteSet[] };
  const onTransaction = (transaction: Y.Transaction) => {
    if (transaction.origin === origin || !capturedBy(undo, transaction)) return;
    const insertions = Y.createDeleteSet();
    transaction.afterState.forEach((end, client) => {
      const start = transaction.beforeState.get(client) ?? 0;
      if (end > start) clientRanges(insertions, client).push({ clock: start, len: end - start });
    });
    typed.insertions.push(insertions);
    typed.deletions.push(transaction.deleteSet);
  };
  undo.on('stack-item-added', onAdded);
  undo.doc.on('afterTransaction', onTransaction);
  try {
    await write();
  } finally {
    undo.off('stack-item-added', onAdded);
    undo.doc.off('afterTransaction', onTransaction);
    undo.captureTimeout = timeout;
    undo.stopCapturing();
    const top = undo.undoStack[undo.undoStack.length - 1];
    // Only when the burst's item is still the last (an Undo meanwhile took it, say, leaves it be).
    if (typed.insertions.length + typed.deletions.length > 0 && top !== undefined && top === burstItem) {
      const insertions = Y.mergeDeleteSets(typed.insertions);
      const deletions = Y.mergeDeleteSets(typed.deletions);
      top.insertions = withoutRanges(top.insertions, insertions);
      top.deletions = withoutRanges(top.deletions, deletions);
      const StackItem = top.constructor as new (deletions: DeleteSet, insertions: DeleteSet) => typeof top;
      undo.undoStack.push(new StackItem(deletions, insertions));
    }
  }
}

type DeleteSet = ReturnType<typeof Y.createDeleteSet>;
type ParentType = Parameters<Y.Transaction['changedParentTypes']['has']>[0];
type Range = { clock: number; len: number };

/** Whether `undo` captures `transaction`, by the rules Y.UndoManager applies itself. */
function capturedBy(undo: Y.UndoManager, transaction: Y.Transaction): boolean {
  const origin = transaction.origin as { constructor?: unknown } | null | undefined;
  if (origin === undo) return false;
  const tracked =
    undo.trackedOrigins.has(origin) || (origin != null && undo.trackedOrigins.has(origin.constructor));
  return (
    tracked &&
    undo.captureTransaction(transaction) &&
    undo.scope.some((type) => type === undo.doc || transaction.changedParentTypes.has(type as ParentType))
  );
}

function clientRanges(set: DeleteSet, client: number): Range[] {
  const clients = set.clients as Map<number, Range[]>;
  let ranges = clients.get(client);
  if (!ranges) clients.set(client, (ranges = []));
  return ranges;
}

/** `from` without what `remove` holds (both sorted and merged, as Yjs keeps them). */
function withoutRanges(from: DeleteSet, remove: DeleteSet): DeleteSet {
  const result = Y.createDeleteSet();
  for (const [client, ranges] of from.clients as Map<number, Range[]>) {
    const removed = (remove.clients as Map<number, Range[]>).get(client) ?? [];
    const kept = clientRanges(result, client);
    for (const { clock, len } of ranges) {
      let start = clock;
      const end = clock + len;
      for (const cut of removed) {
        const cutEnd = cut.clock + cut.len;
        if (cutEnd <= start || cut.clock >= end) continue;
        if (cut.clock > start) kept.push({ clock: start, len: cut.clock - start });
        start = Math.max(start, cutEnd);
      }
      if (start < end) kept.push({ clock: start, len: end - start });
    }
    if (kept.length === 0) (result.clients as Map<number, Range[]>).delete(client);
  }
  return result;
}

/** Replace [offset, offset + length) of a text with `text` (offsets in the text before any of them). */
export interface Replacement {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

export interface ReplacementBurstOptions extends Omit<BurstOptions, 'attributes' | 'inFirstTransaction'> {
  /** Writes `text` at `index` (by default a plain insert, taking the format before it). */
  readonly insert?: (ytext: Y.Text, index: number, text: string) => void;
  /** Runs inside the first transaction, after every deletion. */
  readonly inFirstTransaction?: () => void;
  /** Told after each transaction how many code units of the inserted text are in, of how many. */
  readonly progress?: (done: number, total: number) => void;
}

/** Code units of text several replacements insert. */
export function insertedLength(replacements: readonly Replacement[]): number {
  return replacements.reduce((sum, { text }) => sum + text.length, 0);
}

/**
 * Applies several replacements (sorted by offset, not overlapping nor touching, as a revert plan's)
 * in chunks: the first transaction makes every deletion (a deletion is a few bytes on the wire
 * however long) and writes inserted text up to one chunk; later transactions, a pause apart, write
 * the rest, each replacement's next chunk right after its previous one (a relative position, so
 * text peers type meanwhile stays where they typed it). Text no longer than one chunk goes in a
 * single transaction. With `undo`, the whole write is one undo step. Resolves with how many
 * transactions it took. Without concurrent edits the result is the text the replacements describe.
 */
export async function replaceInChunks(
  ytext: Y.Text,
  replacements: readonly Replacement[],
  options: ReplacementBurstOptions = {},
): Promise<number> {
  const doc = ytext.doc;
  if (!doc) throw new Error('the shared text is not part of a Y.Doc');
  let end = -1;
  for (const { offset, length } of replacements) {
    if (offset < 0 || length < 0 || offset <= end || offset + length > ytext.length)
      throw new Error(
        `cannot replace ${length} characters at ${offset} of a text of ${ytext.length} characters (replacements must be sorted and apart)`,
      );
    end = offset + length;
  }
  const max = options.maxChunkChars ?? DEFAULT_CHUNK_CHARS;
  const insert =
    options.insert ?? ((text: Y.Text, index: number, value: string) => text.insert(index, value));
  const pause = options.pause ?? briefPause;
  const total = insertedLength(replacements);
  /** Per replacement with text: where its next chunk goes and the chunks still to write. */
  const queue: { at: Y.RelativePosition; chunks: string[] }[] = [];
  let done = 0;
  // Writes queued chunks (left to right) until this transaction has a chunk's worth of text.
  const writeSome = () => {
    let budget = max;
    while (queue.length > 0) {
      const next = queue[0];
      const chunk = next.chunks[0];
      if (budget < chunk.length && budget < max) return;
      const at = Y.createAbsolutePositionFromRelativePosition(next.at, doc);
      if (!at || at.type !== ytext) throw new Error('the shared text was removed during the write');
      insert(ytext, at.index, chunk);
      budget -= chunk.length;
      done += chunk.length;
      next.chunks.shift();
      if (next.chunks.length === 0) queue.shift();
      else next.at = Y.createRelativePositionFromTypeIndex(ytext, at.index + chunk.length, -1);
    }
  };
  let transactions = 0;
  await asOneUndoStep(options.undo, options.origin, async () => {
    doc.transact(() => {
      // Right to left: a deletion never moves the offsets of the replacements before it.
      for (let i = replacements.length - 1; i >= 0; i--) {
        const { offset, length, text } = replacements[i];
        if (length > 0) ytext.delete(offset, length);
        if (!text) continue;
        // After the character before (it stays: replacements never touch), or before the first one.
        const at = Y.createRelativePositionFromTypeIndex(ytext, offset, offset > 0 ? -1 : 0);
        queue.unshift({ at, chunks: chunkLines(text, max) });
      }
      options.inFirstTransaction?.();
      writeSome();
    }, options.origin);
    transactions++;
    options.progress?.(done, total);
    while (queue.length > 0) {
      await pause();
      doc.transact(writeSome, options.origin);
      transactions++;
      options.progress?.(done, total);
    }
  });
  return transactions;
}
