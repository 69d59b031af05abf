/**
 * Authorship of a local (unshared) file: the runs of characters the assistant wrote, kept in step
 * with every text change, and a record per applied edit of what it replaced. Saved to workspace
 * storage as JSON with a hash of the text it describes, so it is only ever restored onto that text.
 */
import { createHash } from 'node:crypto';
import {
  type AuthoredEdit,
  type AuthoredRun,
  type AuthorshipMeta,
  type AuthorshipView,
  changedParts,
  isAuthorshipMeta,
  partEditId,
} from './authorship';

/** One text change, in the offsets of the text before it (as an editor reports it). */
export interface TextChange {
  readonly offset: number;
  readonly deleted: number;
  readonly inserted: number;
}

interface EditRecord {
  meta: AuthorshipMeta;
  replaced: string;
  length: number;
  anchor: number;
  touched?: boolean;
}

/** What workspace storage holds for one file. */
export interface StoredAuthorship {
  readonly v: 1;
  /** sha256 of the text the runs describe. */
  readonly hash: string;
  readonly runs: ReadonlyArray<readonly [start: number, end: number, edit: string]>;
  readonly edits: ReadonlyArray<{
    readonly meta: AuthorshipMeta;
    readonly replaced: string;
    readonly length: number;
    readonly anchor: number;
    readonly touched?: boolean;
  }>;
}

export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class LocalAuthorship implements AuthorshipView {
  private runList: AuthoredRun[] = [];
  private readonly records = new Map<string, EditRecord>();

  get runs(): readonly AuthoredRun[] {
    return this.runList;
  }

  get edits(): ReadonlyMap<string, AuthoredEdit> {
    return this.records;
  }

  get isEmpty(): boolean {
    return this.records.size === 0;
  }

  /**
   * Records that [offset, offset + length) of the current text was just written by the assistant,
   * replacing `replaced`. Call after the text change itself went through `applyChange`.
   */
  attribute(offset: number, length: number, replaced: string, meta: AuthorshipMeta): void {
    this.records.set(meta.edit, { meta, replaced, length, anchor: offset });
    if (length === 0) return;
    const end = offset + length;
    const kept: AuthoredRun[] = [];
    for (const run of this.runList) {
      if (run.end <= offset || run.start >= end) kept.push(run);
      else {
        if (run.start < offset) kept.push({ ...run, end: offset });
        if (run.end > end) kept.push({ ...run, start: end });
      }
    }
    kept.push({ start: offset, end, meta });
    this.runList = kept.sort((a, b) => a.start - b.start);
  }

  /**
   * Records an accepted hunk that replaced `replaced` with `inserted` at `offset` (the text is in
   * place): each stretch it changed becomes its own edit (`meta.edit`, then `.1`, `.2`, ...), and what
   * it kept of the old text, around and between them, stays the person's. False when it changed nothing.
   */
  attributeHunk(offset: number, replaced: string, inserted: string, meta: AuthorshipMeta): boolean {
    const parts = changedParts(replaced, inserted);
    parts.forEach((part, index) =>
      this.attribute(offset + part.offset, part.inserted.length, part.replaced, {
        ...meta,
        edit: partEditId(meta.edit, index),
      }),
    );
    return parts.length > 0;
  }

  /**
   * Follows one change made by anyone but the assistant's own attribution: runs before it stay,
   * runs after it move, characters it deletes leave their run, and text inserted inside a run
   * splits it (the person's characters are never marked).
   */
  applyChange({ offset, deleted, inserted }: TextChange): void {
    if (deleted === 0 && inserted === 0) return;
    const deleteEnd = offset + deleted;
    const shift = inserted - deleted;
    const next: AuthoredRun[] = [];
    for (const run of this.runList) {
      if (run.end <= offset) {
        next.push(run);
        continue;
      }
      if (run.start >= deleteEnd) {
        next.push({ ...run, start: run.start + shift, end: run.end + shift });
        continue;
      }
      if (run.start < offset && run.end > deleteEnd && inserted === 0) {
        // A deletion inside the run: what is left is still one stretch.
        next.push({ ...run, end: run.end - deleted });
        continue;
      }
      if (run.start < offset) next.push({ ...run, end: offset });
      if (run.end > deleteEnd)
        next.push({ ...run, start: Math.max(run.start, deleteEnd) + shift, end: run.end + shift });
    }
    this.runList = next;
    for (const record of this.records.values()) {
      if (record.length === 0 && inserted > 0 && offset <= record.anchor && record.anchor <= deleteEnd)
        record.touched = true;
      record.anchor = mapAnchor(record.anchor, offset, deleted, inserted);
    }
  }

  /** The run covering the character at `offset`, if the assistant wrote it. */
  runAt(offset: number): AuthoredRun | undefined {
    let low = 0;
    let high = this.runList.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const run = this.runList[middle];
      if (offset < run.start) high = middle - 1;
      else if (offset >= run.end) low = middle + 1;
      else return run;
    }
    return undefined;
  }

  /** Drops the records of edits (after they were reverted), and any runs left of them. */
  forget(editIds: Iterable<string>): void {
    const gone = new Set(editIds);
    for (const id of gone) this.records.delete(id);
    this.runList = this.runList.filter((run) => !gone.has(run.meta.edit));
  }

  toStored(text: string): StoredAuthorship {
    return {
      v: 1,
      hash: textHash(text),
      runs: this.runList.map((run) => [run.start, run.end, run.meta.edit] as const),
      edits: [...this.records.values()].map((record) => ({ ...record })),
    };
  }

  /**
   * The authorship stored for a file, if it describes exactly `text` (same hash) and is well formed;
   * undefined otherwise (the file changed while nobody watched: its marks can no longer be trusted).
   */
  static fromStored(stored: unknown, text: string): LocalAuthorship | undefined {
    if (!stored || typeof stored !== 'object') return undefined;
    const value = stored as Partial<StoredAuthorship>;
    if (value.v !== 1 || !Array.isArray(value.runs) || !Array.isArray(value.edits)) return undefined;
    if (value.hash !== textHash(text)) return undefined;
    const authorship = new LocalAuthorship();
    for (const edit of value.edits) {
      if (
        !edit ||
        !isAuthorshipMeta(edit.meta) ||
        typeof edit.replaced !== 'string' ||
        !Number.isInteger(edit.length) ||
        !Number.isInteger(edit.anchor) ||
        edit.anchor < 0 ||
        edit.anchor > text.length ||
        (edit.touched !== undefined && typeof edit.touched !== 'boolean')
      )
        return undefined;
      authorship.records.set(edit.meta.edit, { ...edit, meta: edit.meta });
    }
    let previousEnd = 0;
    for (const run of value.runs) {
      if (!Array.isArray(run) || run.length !== 3) return undefined;
      const [start, end, id] = run;
      const record = authorship.records.get(id);
      if (!record || !Number.isInteger(start) || !Number.isInteger(end)) return undefined;
      if (start < previousEnd || end <= start || end > text.length) return undefined;
      authorship.runList.push({ start, end, meta: record.meta });
      previousEnd = end;
    }
    return authorship;
  }
}

/**
 * A position that sticks to the character after it, as a Yjs relative position does: text inserted
 * at it goes before it, and if that character is deleted it lands where the deletion was (after
 * whatever replaced it).
 */
export function mapAnchor(anchor: number, offset: number, deleted: number, inserted: number): number {
  if (anchor < offset) return anchor;
  return Math.max(offset, anchor - deleted) + inserted;
}
