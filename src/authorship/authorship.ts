/**
 * What Tandem records about text the assistant wrote, shared by both back ends (a local file's
 * `LocalAuthorship`, a session file's `Y.Text` attributes): who asked, which model, which proposal,
 * when; and, per applied edit, the text it replaced so Revert can put it back.
 */
import { diffLines } from '../proposals/lineDiff';

/** Who and what produced one applied assistant edit. Flat, so Yjs compares attribute values by content. */
export interface AuthorshipMeta {
  /** The applied edit (one accepted hunk): its surviving characters and its record share this id. */
  readonly edit: string;
  readonly proposal: string;
  readonly model: string;
  /** The person who asked for the proposal. */
  readonly askedBy: string;
  /** When the edit was applied (epoch ms). */
  readonly at: number;
}

/** A stretch of characters the assistant wrote, all from one edit: [start, end) in UTF-16 code units. */
export interface AuthoredRun {
  readonly start: number;
  readonly end: number;
  readonly meta: AuthorshipMeta;
}

/** One applied assistant edit as it stands now. */
export interface AuthoredEdit {
  readonly meta: AuthorshipMeta;
  /** The text the edit replaced (empty for a pure insertion). */
  readonly replaced: string;
  /** How many characters the edit inserted. */
  readonly length: number;
  /**
   * Where the edit's text starts now, following edits as a position that sticks to the character
   * after it (used to restore what a pure deletion removed).
   */
  readonly anchor: number;
  /**
   * For a pure deletion: someone inserted text where it deleted (typed there, or undid the deletion),
   * so putting the deleted text back could duplicate or clash with theirs.
   */
  readonly touched?: boolean;
}

/** What a revert planner reads, from either back end. Runs sorted by start and not overlapping. */
export interface AuthorshipView {
  readonly runs: readonly AuthoredRun[];
  readonly edits: ReadonlyMap<string, AuthoredEdit>;
}

/** The Y.Text formatting attribute that marks assistant text in a session. */
export const AUTHORSHIP_ATTRIBUTE = 'tandemAi';

let editCounter = 0;

/** A fresh edit id, unique across peers in practice (time, counter and randomness). */
export function newEditId(now = Date.now()): string {
  return `e${now.toString(36)}-${(++editCounter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The part of a replacement the assistant actually changed: the common prefix and suffix of the old
 * and new text stay the person's. Offsets are relative to the replacement's start.
 */
export function changedPart(
  replaced: string,
  inserted: string,
): { offset: number; replaced: string; inserted: string } {
  const max = Math.min(replaced.length, inserted.length);
  let prefix = 0;
  while (prefix < max && replaced.charCodeAt(prefix) === inserted.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    replaced.charCodeAt(replaced.length - 1 - suffix) === inserted.charCodeAt(inserted.length - 1 - suffix)
  )
    suffix++;
  // Never split a surrogate pair between the person's part and the assistant's.
  if (prefix > 0 && isHighSurrogate(inserted.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(inserted.charCodeAt(inserted.length - suffix))) suffix--;
  return {
    offset: prefix,
    replaced: replaced.slice(prefix, replaced.length - suffix),
    inserted: inserted.slice(prefix, inserted.length - suffix),
  };
}

/** One stretch an edit changed: at `at` in the old text and at `offset` in the new. */
export interface ChangedPart {
  readonly at: number;
  readonly offset: number;
  readonly replaced: string;
  readonly inserted: string;
}

/** Past this many separate changes in one hunk, its whole changed span is one part. */
const MAX_PARTS = 64;

/** Words, runs of spaces, line breaks and single other characters: together, the whole text. */
function tokens(text: string): string[] {
  return text.match(/\r?\n|[^\S\r\n]+|[\p{L}\p{N}_]+|[\s\S]/gu) ?? [];
}

/**
 * The stretches a replacement actually changed, word by word: text the old and the new share (the
 * start and end of its lines, and whatever lies between two changes of one hunk) stays the
 * person's, so a revert never removes it. Each part is trimmed to the characters that differ.
 */
export function changedParts(replaced: string, inserted: string): ChangedPart[] {
  const whole = changedPart(replaced, inserted);
  if (!whole.replaced && !whole.inserted) return [];
  const fallback = [
    wholeLines(
      { at: whole.offset, offset: whole.offset, replaced: whole.replaced, inserted: whole.inserted },
      inserted,
      0,
    ),
  ];
  const before = tokens(replaced);
  const after = tokens(inserted);
  const changes = diffLines(before, after, { patience: false });
  if (changes.length > MAX_PARTS) return fallback;
  const startsOf = (list: string[]) => {
    const starts = [0];
    for (const token of list) starts.push(starts[starts.length - 1] + token.length);
    return starts;
  };
  const beforeAt = startsOf(before);
  const afterAt = startsOf(after);
  const parts: ChangedPart[] = [];
  for (const change of changes) {
    const from = beforeAt[change.aStart];
    const to = afterAt[change.bStart];
    const part = changedPart(
      replaced.slice(from, beforeAt[change.aEnd]),
      inserted.slice(to, afterAt[change.bEnd]),
    );
    if (!part.replaced && !part.inserted) continue;
    parts.push({
      at: from + part.offset,
      offset: to + part.offset,
      replaced: part.replaced,
      inserted: part.inserted,
    });
  }
  if (parts.length === 0) return fallback;
  return parts.map((part, i) =>
    wholeLines(part, inserted, i === 0 ? 0 : parts[i - 1].offset + parts[i - 1].inserted.length),
  );
}

/**
 * Inserted lines that a diff placed across a line start (a docstring line plus the line break and
 * indentation of the line after it) slide back over the text before them, which is the same in the
 * old and the new, until they are whole lines: the person's line keeps its own indentation and line
 * break, and a revert takes the assistant's lines whole. `floor`: where the previous part ends in the
 * new text.
 */
function wholeLines(part: ChangedPart, text: string, floor: number): ChangedPart {
  if (part.replaced || !part.inserted.includes('\n') || part.inserted.endsWith('\n')) return part;
  let { at, offset, inserted } = part;
  while (offset > floor && text.charAt(offset - 1) === inserted.charAt(inserted.length - 1)) {
    inserted = text.charAt(offset - 1) + inserted.slice(0, -1);
    offset--;
    at--;
    if (inserted.endsWith('\n')) return { at, offset, replaced: '', inserted };
  }
  return part;
}

/** The edit id of a hunk's `index`-th changed part (the first keeps the hunk's id). */
export function partEditId(edit: string, index: number): string {
  return index === 0 ? edit : `${edit}.${index}`;
}

/** The hunk an edit id belongs to (a part's id without its `.n`). */
export function hunkOf(id: string): string {
  const dot = id.indexOf('.');
  return dot === -1 ? id : id.slice(0, dot);
}

/** Whether `id` is `edit` or one of its parts' ids. */
export function isPartOf(id: string, edit: string): boolean {
  return id === edit || (id.startsWith(edit) && id.charAt(edit.length) === '.');
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Checks an untrusted value (storage, a peer's attribute) is an AuthorshipMeta. */
export function isAuthorshipMeta(value: unknown): value is AuthorshipMeta {
  if (!value || typeof value !== 'object') return false;
  const meta = value as Record<string, unknown>;
  return (
    typeof meta.edit === 'string' &&
    typeof meta.proposal === 'string' &&
    typeof meta.model === 'string' &&
    typeof meta.askedBy === 'string' &&
    typeof meta.at === 'number'
  );
}

/** Who asked, as people read it: "you" for `self` (the local participant's name as marks carry it). */
export function askerName(askedBy: string, self?: string): string {
  if (self !== undefined && askedBy === self) return 'you';
  return askedBy || 'unknown';
}

/** The hover line for assistant text; `self`: the local participant's name as marks carry it. */
export function describeAuthorship(meta: AuthorshipMeta, self?: string): string {
  return `Written by the assistant (model ${meta.model || 'unknown'}) · asked by ${askerName(meta.askedBy, self)} · proposal ${meta.proposal}`;
}
