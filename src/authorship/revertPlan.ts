/**
 * Revert Assistant Edits, as a plan of text replacements: for every chosen edit, its surviving
 * characters go; where the edit's text is still exactly as the assistant left it (one unbroken
 * stretch, nothing deleted from it, nothing typed into it) the text it replaced comes back in its
 * place, and a pure deletion gets its text back at its anchor unless someone inserted text there.
 * Characters people typed are never in a replacement's range, and an assistant's line break stays
 * where taking it would join what people left on its line onto the next. Works on either back end's
 * `AuthorshipView`.
 */
import { type AuthorshipMeta, type AuthorshipView, hunkOf } from './authorship';

/** Replace [offset, offset + length) of the current text with `text`. */
export interface TextReplacement {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

export interface RevertPlan {
  /** Sorted by offset, not overlapping nor touching (touching ones are merged). */
  readonly replacements: TextReplacement[];
  /** The edits the plan reverts (to forget once it is applied). */
  readonly edits: string[];
  /**
   * The edits of the hunks the plan takes back whole: all of `edits` but those of a hunk with a
   * pure deletion it cannot put back (someone inserted text there since). What a revert marks as
   * reverted (src/authorship/revertMarks.ts).
   */
  readonly takenBack: string[];
  /**
   * How many accepted hunks the plan changes the text of (others left nothing: people deleted or
   * undid all of it); a hunk's separately marked parts count once.
   */
  readonly effective: number;
  /** Assistant characters removed. */
  readonly removed: number;
  /** Edits whose replaced text (not empty) is put back. */
  readonly restored: number;
  /**
   * Where the assistant line breaks the plan keeps are in the text after it (ascending): they are to
   * be people's from then on. An editor may report their '\n' -> '\n' replacement as no change at
   * all, so a shared text's marks on them are changed apart (see SessionAuthorship.finishRevert).
   */
  readonly keptLineBreaks: number[];
}

/**
 * `text`: the text the view's offsets are in. With it, a line break the assistant wrote stays where
 * removing it would join what is left of its line onto the next line (people typed at the end of an
 * assistant's line, or inside it): their text keeps its own line.
 */
type RawReplacement = TextReplacement & {
  readonly order: number;
  readonly loose?: boolean;
  /** A kept assistant line break, written anew. */
  readonly kept?: boolean;
};

export function planRevert(
  view: AuthorshipView,
  choose: (meta: AuthorshipMeta) => boolean,
  text?: string,
): RevertPlan {
  const chosen = new Set<string>();
  for (const [id, edit] of view.edits) if (choose(edit.meta)) chosen.add(id);
  const runsByEdit = new Map<string, { start: number; end: number }[]>();
  for (const run of view.runs) {
    if (!chosen.has(run.meta.edit)) continue;
    const runs = runsByEdit.get(run.meta.edit) ?? [];
    const last = runs.at(-1);
    // Adjacent pieces of one edit (a split healed by deleting what was typed) are one stretch.
    if (last && last.end === run.start) last.end = run.end;
    else runs.push({ start: run.start, end: run.end });
    runsByEdit.set(run.meta.edit, runs);
  }
  // `loose`: what is left of an edit people changed since, removed character by character.
  const raw: RawReplacement[] = [];
  let removed = 0;
  let restored = 0;
  // Counted by accepted hunk: a hunk's parts are one change to the person who accepted it.
  const effectiveHunks = new Set<string>();
  /** Hunks with a pure deletion the plan leaves in place. */
  const leftHunks = new Set<string>();
  for (const id of chosen) {
    const edit = view.edits.get(id)!;
    const runs = runsByEdit.get(id) ?? [];
    const untouched =
      edit.length === 0 ? !edit.touched : runs.length === 1 && runs[0].end - runs[0].start === edit.length;
    for (const run of runs) removed += run.end - run.start;
    if (runs.length > 0 || (edit.length === 0 && untouched && edit.replaced)) effectiveHunks.add(hunkOf(id));
    if (edit.length === 0 && !untouched) {
      leftHunks.add(hunkOf(id));
      continue;
    }
    if (untouched && edit.length === 0) {
      if (edit.replaced)
        raw.push({ offset: edit.anchor, length: 0, text: edit.replaced, order: edit.meta.at });
      restored++;
    } else if (untouched) {
      raw.push({ offset: runs[0].start, length: edit.length, text: edit.replaced, order: edit.meta.at });
      if (edit.replaced) restored++;
    } else
      for (const run of runs)
        raw.push({
          offset: run.start,
          length: run.end - run.start,
          text: '',
          order: edit.meta.at,
          loose: true,
        });
  }
  if (text !== undefined) removed -= keepLineBreaks(raw, text);
  // At one offset: insertions first (oldest edit first), then the range that starts there.
  raw.sort((a, b) => a.offset - b.offset || Math.sign(a.length) - Math.sign(b.length) || a.order - b.order);
  const keptLineBreaks: number[] = [];
  let shift = 0;
  for (const r of raw) {
    if (r.kept) keptLineBreaks.push(r.offset + shift);
    shift += r.text.length - r.length;
  }
  const replacements: TextReplacement[] = [];
  for (const { offset, length, text } of raw) {
    const last = replacements.at(-1);
    if (last && last.offset + last.length === offset)
      replacements[replacements.length - 1] = {
        offset: last.offset,
        length: last.length + length,
        text: last.text + text,
      };
    else replacements.push({ offset, length, text });
  }
  return {
    replacements: replacements.filter((r) => r.length || r.text),
    edits: [...chosen],
    takenBack: [...chosen].filter((id) => !leftHunks.has(hunkOf(id))),
    effective: effectiveHunks.size,
    removed,
    restored,
    keptLineBreaks,
  };
}

/**
 * Splits the loose removals of `raw` around the assistant line breaks they would take whose line keeps
 * text that is not removed (on its left, back to the previous line break left in place) while the
 * next line does too (up to its line break): removing such a break would join the two. Each such
 * break is replaced by a line break of people's. Returns how many line breaks stay.
 */
function keepLineBreaks(raw: RawReplacement[], text: string): number {
  const removedAt = new Uint8Array(text.length);
  for (const r of raw) if (r.loose) removedAt.fill(1, r.offset, r.offset + r.length);
  const content = (i: number) => removedAt[i] === 0 && /\S/.test(text.charAt(i));
  const kept = new Set<number>();
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charAt(i) !== '\n') continue;
    if (removedAt[i] === 0) {
      lineStart = i + 1;
      continue;
    }
    let left = false;
    for (let j = lineStart; j < i && !left; j++) left = content(j);
    let right = false;
    for (let j = i + 1; j < text.length && text.charAt(j) !== '\n' && !right; j++) right = content(j);
    if (left && right) {
      kept.add(i);
      lineStart = i + 1;
    }
  }
  if (kept.size === 0) return 0;
  const split: RawReplacement[] = [];
  for (const r of raw) {
    if (!r.loose) {
      split.push(r);
      continue;
    }
    let start = r.offset;
    for (let i = r.offset; i < r.offset + r.length; i++)
      if (kept.has(i)) {
        if (i > start) split.push({ ...r, offset: start, length: i - start });
        // Written anew as people's: the line break stays, the assistant's mark on it goes.
        split.push({ ...r, offset: i, length: 1, text: '\n', kept: true });
        start = i + 1;
      }
    if (r.offset + r.length > start) split.push({ ...r, offset: start, length: r.offset + r.length - start });
  }
  raw.splice(0, raw.length, ...split);
  return kept.size;
}

/** Applies replacements (sorted, not overlapping) to a string: what the editor will hold after. */
export function applyReplacements(text: string, replacements: readonly TextReplacement[]): string {
  let out = '';
  let at = 0;
  for (const { offset, length, text: inserted } of replacements) {
    out += text.slice(at, offset) + inserted;
    at = offset + length;
  }
  return out + text.slice(at);
}
