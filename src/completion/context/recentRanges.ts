/**
 * Where the user has recently been working: edited line ranges (a few per document, merged when
 * close, forgotten after a while) and viewed ranges (what was on screen or around the cursor). The
 * adapter records them from editor events; the prompt builder reads the lines from the open documents
 * when a request is made, so nothing here touches the disk. Limits follow Continue's: 3 edited ranges
 * per document, 10 documents, stale after 2 minutes.
 */
export interface RecentRange {
  readonly docKey: string;
  readonly startLine: number;
  /** Inclusive. */
  readonly endLine: number;
  readonly at: number;
}

export interface RecentRangeOptions {
  perDocument: number;
  documents: number;
  maxAgeMs: number;
  /** Ranges closer than this many lines merge into one. */
  mergeDistance: number;
}

export class RecentRanges {
  private readonly byDocument = new Map<string, RecentRange[]>();
  private readonly options: RecentRangeOptions;

  constructor(
    options: Partial<RecentRangeOptions> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.options = { perDocument: 3, documents: 10, maxAgeMs: 120_000, mergeDistance: 5, ...options };
  }

  record(docKey: string, startLine: number, endLine: number): void {
    const at = this.now();
    const ranges = this.byDocument.get(docKey) ?? [];
    const near = ranges.findIndex(
      (range) =>
        startLine <= range.endLine + this.options.mergeDistance &&
        endLine >= range.startLine - this.options.mergeDistance,
    );
    let merged: RecentRange = { docKey, startLine, endLine, at };
    if (near >= 0) {
      const old = ranges.splice(near, 1)[0];
      merged = {
        docKey,
        startLine: Math.min(old.startLine, startLine),
        endLine: Math.max(old.endLine, endLine),
        at,
      };
      // A range that keeps growing (long typing session) stays a window around the latest edit.
      const maxSpan = 2 * this.options.mergeDistance + 10;
      if (merged.endLine - merged.startLine > maxSpan)
        merged = {
          docKey,
          startLine: Math.max(0, endLine - maxSpan),
          endLine,
          at,
        };
    }
    ranges.unshift(merged);
    ranges.length = Math.min(ranges.length, this.options.perDocument);
    // Re-insert so the map's order is least recently touched first.
    this.byDocument.delete(docKey);
    this.byDocument.set(docKey, ranges);
    while (this.byDocument.size > this.options.documents) {
      this.byDocument.delete(this.byDocument.keys().next().value as string);
    }
  }

  /** Shifts a document's ranges after lines were inserted (delta > 0) or removed (delta < 0) at `line`. */
  shift(docKey: string, line: number, delta: number): void {
    const ranges = this.byDocument.get(docKey);
    if (!ranges || delta === 0) return;
    this.byDocument.set(
      docKey,
      ranges.map((range) =>
        range.startLine > line
          ? { ...range, startLine: Math.max(line, range.startLine + delta), endLine: range.endLine + delta }
          : range.endLine > line
            ? { ...range, endLine: Math.max(range.startLine, range.endLine + delta) }
            : range,
      ),
    );
  }

  /** Ranges still fresh, newest first. */
  recent(): RecentRange[] {
    const cutoff = this.now() - this.options.maxAgeMs;
    const all: RecentRange[] = [];
    for (const ranges of this.byDocument.values())
      for (const range of ranges) if (range.at >= cutoff) all.push(range);
    return all.sort((a, b) => b.at - a.at);
  }

  forgetDocument(docKey: string): void {
    this.byDocument.delete(docKey);
  }
}
