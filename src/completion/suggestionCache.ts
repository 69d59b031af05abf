/**
 * Suggestions remembered by the text before the cursor, with a check on the text after it.
 *
 * An entry records where its request was made: the cursor offset, the text just before the cursor
 * (`anchor`) and the text after it. A later cursor position matches when the text before it is the
 * anchor followed by what the user typed since, the typed text is the start of a suggestion, and the
 * text after the cursor is unchanged. That one rule gives both type-along (typing the characters of a
 * shown suggestion serves the rest) and going back (Backspace lands on an earlier entry). Lookups scan
 * at most `capacity` entries and compare a few hundred characters: microseconds, no hashing of the
 * whole document.
 */
export const ANCHOR_CHARS = 400;
export const AFTER_CHARS = 400;

export interface RequestAnchor {
  readonly docKey: string;
  /** Cursor offset when the request was made. */
  readonly offset: number;
  /** Up to ANCHOR_CHARS characters before the cursor when the request was made. */
  readonly anchor: string;
  /** Up to AFTER_CHARS characters after the cursor when the request was made. */
  readonly after: string;
}

export interface CursorState {
  readonly docKey: string;
  readonly offset: number;
  /** Text before the cursor: at least ANCHOR_CHARS plus the longest typed run we may serve. */
  readonly before: string;
  readonly after: string;
}

export interface CacheEntry extends RequestAnchor {
  readonly id: number;
  /** Cleaned suggestions, best first, each relative to the request position. */
  readonly suggestions: readonly string[];
  /** One-line suggestions the model ended at the line end: where they end, the line is complete. */
  readonly endsLine: boolean;
}

export interface CacheHit {
  readonly entry: CacheEntry;
  /** What the user typed since the request (the start of each remaining suggestion). */
  readonly typed: string;
  /** The rest of each suggestion still to be shown, best first; never empty or whitespace-only. */
  readonly remaining: readonly string[];
}

/**
 * What the user typed between a request's position and the cursor, if the cursor can be reached from
 * the request by typing only (no edit behind the anchor, nothing changed after the cursor).
 * `maxTyped` bounds how far the cursor may have moved on.
 */
export function typedSince(
  request: RequestAnchor,
  cursor: CursorState,
  maxTyped: number,
): string | undefined {
  if (request.docKey !== cursor.docKey) return undefined;
  const typedLength = cursor.offset - request.offset;
  if (typedLength < 0 || typedLength > maxTyped) return undefined;
  if (cursor.after !== request.after) return undefined;
  const cut = cursor.before.length - typedLength;
  if (cut < 0) return undefined;
  const beforeRequest = cursor.before.slice(0, cut);
  if (request.anchor.length < ANCHOR_CHARS) {
    // The request was near the start of the document: the whole text before it must match.
    if (beforeRequest !== request.anchor) return undefined;
  } else if (!beforeRequest.endsWith(request.anchor)) {
    return undefined;
  }
  return cursor.before.slice(cut);
}

export class SuggestionCache {
  /** Insertion-ordered: the first entry is the least recently used. */
  private readonly entries = new Map<number, CacheEntry>();
  private nextId = 1;

  constructor(private readonly capacity = 100) {}

  get size(): number {
    return this.entries.size;
  }

  add(request: RequestAnchor, suggestions: readonly string[], endsLine = false): CacheEntry {
    const entry: CacheEntry = { ...request, id: this.nextId++, suggestions, endsLine };
    this.entries.set(entry.id, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
    }
    return entry;
  }

  /**
   * The best entry for the cursor: among those it can be reached from by typing a suggestion's start,
   * the one requested closest to the cursor (the most specific context), newest on ties.
   */
  lookup(cursor: CursorState): CacheHit | undefined {
    let best: CacheHit | undefined;
    for (const entry of this.entries.values()) {
      if (entry.docKey !== cursor.docKey || entry.offset > cursor.offset) continue;
      if (best && entry.offset < best.entry.offset) continue;
      const longest = entry.suggestions.reduce((max, s) => Math.max(max, s.length), 0);
      const typed = typedSince(entry, cursor, longest);
      if (typed === undefined) continue;
      const remaining = entry.suggestions
        .filter((suggestion) => suggestion.startsWith(typed))
        .map((suggestion) => suggestion.slice(typed.length))
        .filter((rest) => rest.trim() !== '');
      if (remaining.length === 0) continue;
      best = { entry, typed, remaining: [...new Set(remaining)] };
    }
    if (best) {
      // Refresh its place in the LRU order.
      this.entries.delete(best.entry.id);
      this.entries.set(best.entry.id, best.entry);
    }
    return best;
  }

  /**
   * Whether the cursor sits at the end of a line the model already completed: the user typed (or
   * accepted) a one-line suggestion to its end, the model had ended it at the line end, and nothing
   * follows on the line. Asking the model again there would only bring back "nothing more".
   */
  completedHere(cursor: CursorState): boolean {
    const restOfLine = cursor.after.split('\n', 1)[0];
    if (restOfLine.trim() !== '') return false;
    for (const entry of this.entries.values()) {
      if (!entry.endsLine || entry.docKey !== cursor.docKey || entry.offset > cursor.offset) continue;
      const longest = entry.suggestions.reduce((max, s) => Math.max(max, s.length), 0);
      const typed = typedSince(entry, cursor, longest);
      if (typed !== undefined && entry.suggestions.includes(typed)) return true;
    }
    return false;
  }

  /** Forgets a document's entries (closed, or its text replaced wholesale). */
  forgetDocument(docKey: string): void {
    for (const [id, entry] of this.entries) if (entry.docKey === docKey) this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
