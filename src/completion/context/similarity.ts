/**
 * Finds windows of open files that look like the code near the cursor: Jaccard similarity over the
 * sets of identifiers in fixed line windows (Copilot's "similar files" idea, with windows sized for a
 * 2k-token prompt). Indexing a document costs one pass over its lines and happens off the hot path
 * (the adapter calls `update` when a document opens or after typing pauses); a query only intersects
 * small integer sets, so it stays well under a millisecond for a few thousand windows.
 */
import type { DocumentText } from '../documentText';

export const WINDOW_LINES = 20;
const WINDOW_STRIDE = 10;
const MAX_INDEXED_LINES = 20_000;
const MAX_DOCUMENTS = 20;
const MAX_VOCABULARY = 200_000;

/** Keywords and very common words carry no signal about which code is related. */
const STOP_WORDS = new Set(
  (
    'if else for while do return const let var function class new this self true false null undefined ' +
    'none nil import from export default public private protected static void int string bool boolean ' +
    'def fn func pub mut let struct impl use mod package type interface async await yield in of is not ' +
    'and or try catch finally throw throws raise except with as case switch break continue go err ok'
  ).split(' '),
);

const WORD = /[A-Za-z_][A-Za-z0-9_]+/g;

/** The distinct identifiers of a text, keywords left out. */
export function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  for (const match of text.matchAll(WORD)) {
    if (!STOP_WORDS.has(match[0])) words.add(match[0]);
  }
  return words;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const word of small) if (large.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}

interface IndexedWindow {
  readonly startLine: number;
  readonly endLine: number;
  /** Sorted distinct word ids. */
  readonly ids: Int32Array;
}

interface IndexedDocument {
  readonly doc: DocumentText;
  readonly version: number;
  readonly windows: readonly IndexedWindow[];
  usedAt: number;
}

export interface SimilarWindow {
  readonly doc: DocumentText;
  readonly startLine: number;
  /** Exclusive. */
  readonly endLine: number;
  readonly score: number;
}

/** A query prepared once per request and run against every indexed document. */
export interface SimilarityQuery {
  readonly ids: ReadonlySet<number>;
  /** Number of distinct words in the query, including words no document contains. */
  readonly size: number;
}

export class SimilarityIndex {
  private readonly vocabulary = new Map<string, number>();
  private readonly documents = new Map<string, IndexedDocument>();
  private clock = 0;

  /** (Re)indexes a document unless this version is already indexed. */
  update(doc: DocumentText, version: number): void {
    const existing = this.documents.get(doc.key);
    if (existing && existing.version === version) {
      existing.usedAt = ++this.clock;
      return;
    }
    if (this.vocabulary.size > MAX_VOCABULARY) this.reset();
    const windows: IndexedWindow[] = [];
    const lineCount = Math.min(doc.lineCount, MAX_INDEXED_LINES);
    for (let start = 0; start < lineCount; start += WINDOW_STRIDE) {
      const end = Math.min(lineCount, start + WINDOW_LINES);
      const ids = new Set<number>();
      for (let line = start; line < end; line++) {
        for (const match of doc.lineAt(line).matchAll(WORD)) {
          if (!STOP_WORDS.has(match[0])) ids.add(this.idOf(match[0]));
        }
      }
      if (ids.size > 0) windows.push({ startLine: start, endLine: end, ids: Int32Array.from(ids).sort() });
      if (end === lineCount) break;
    }
    this.documents.set(doc.key, { doc, version, windows, usedAt: ++this.clock });
    this.evict();
  }

  remove(docKey: string): void {
    this.documents.delete(docKey);
  }

  has(docKey: string, version?: number): boolean {
    const entry = this.documents.get(docKey);
    return entry !== undefined && (version === undefined || entry.version === version);
  }

  query(words: ReadonlySet<string>): SimilarityQuery {
    const ids = new Set<number>();
    for (const word of words) {
      const id = this.vocabulary.get(word);
      if (id !== undefined) ids.add(id);
    }
    return { ids, size: words.size };
  }

  /** The best windows of every indexed document but `excludeKey`, best first. */
  search(query: SimilarityQuery, options: { excludeKey?: string; limit: number; minScore: number }) {
    const found: SimilarWindow[] = [];
    if (query.size === 0) return found;
    for (const entry of this.documents.values()) {
      if (entry.doc.key === options.excludeKey) continue;
      for (const window of entry.windows) {
        let shared = 0;
        for (let i = 0; i < window.ids.length; i++) if (query.ids.has(window.ids[i])) shared++;
        if (shared === 0) continue;
        const score = shared / (query.size + window.ids.length - shared);
        if (score >= options.minScore)
          found.push({ doc: entry.doc, startLine: window.startLine, endLine: window.endLine, score });
      }
    }
    found.sort((a, b) => b.score - a.score);
    return found.slice(0, options.limit);
  }

  private idOf(word: string): number {
    let id = this.vocabulary.get(word);
    if (id === undefined) {
      id = this.vocabulary.size;
      this.vocabulary.set(word, id);
    }
    return id;
  }

  private evict(): void {
    while (this.documents.size > MAX_DOCUMENTS) {
      let oldest: IndexedDocument | undefined;
      for (const entry of this.documents.values())
        if (!oldest || entry.usedAt < oldest.usedAt) oldest = entry;
      if (!oldest) return;
      this.documents.delete(oldest.doc.key);
    }
  }

  /** Word ids are only comparable within one vocabulary: start over with the open documents. */
  private reset(): void {
    const docs = [...this.documents.values()];
    this.vocabulary.clear();
    this.documents.clear();
    for (const entry of docs) this.update(entry.doc, -1);
  }
}
