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

const briefPause = () => new Promise<void>((resolve) => setTimeout(resolve, DEFAULT_CHUNK_PAUSE_MS));

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
  const undo = options.undo;
  const timeout = undo?.captureTimeout;
  undo?.stopCapturing();
  if (undo) undo.captureTimeout = Number.MAX_SAFE_INTEGER;
  let transactions = 0;
  let after: Y.RelativePosition | undefined;
  try {
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
  } finally {
    if (undo) {
      undo.captureTimeout = timeout!;
      undo.stopCapturing();
    }
  }
  return transactions;
}
