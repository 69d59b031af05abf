import type { AuthoredRun, AuthorshipMeta, AuthorshipView } from './authorship';

/**
 * How much of one file the assistant wrote, for the side panel: characters and lines in all, per
 * person who asked (and model), and per proposal (run) with where its first mark is; and what its
 * accepted edits that only deleted text removed (no character is left to mark for those).
 *
 * Characters are counted as Unicode code points without carriage returns, so a file reads the same
 * with CRLF or LF line ends (a shared file is LF in the session, maybe CRLF in an editor). A line
 * counts when it holds at least one assistant character other than its line break, as the gutter
 * marks it.
 */
export interface AuthorshipFigures {
  readonly characters: number;
  readonly lines: number;
  /** Characters accepted edits deleted without writing anything in their place (still gone). */
  readonly removed: number;
}

/** An accepted edit that only deleted text, still deleted: where (an offset in the text) and what. */
export interface AuthoredDeletion {
  readonly at: number;
  readonly text: string;
  readonly meta: AuthorshipMeta;
}

export interface ProposalSummary extends AuthorshipFigures {
  readonly proposal: string;
  /** Where the proposal's first surviving character is: offset in the text given, 0-based line. */
  readonly firstOffset: number;
  readonly firstLine: number;
  /** What its deletions removed, in the order they sit in the file. */
  readonly removedTexts: readonly string[];
}

export interface PersonSummary extends AuthorshipFigures {
  readonly askedBy: string;
  /** Whether the one who asked is the local participant (named `self` when summarizing). */
  readonly mine: boolean;
  readonly model: string;
  /** Newest first. */
  readonly proposals: readonly ProposalSummary[];
}

export interface FileAuthorshipSummary extends AuthorshipFigures {
  /** The whole file, counted the same way. */
  readonly totalCharacters: number;
  readonly totalLines: number;
  /** Most characters first. */
  readonly people: readonly PersonSummary[];
}

/**
 * The accepted edits of a view that only deleted text and whose deletion still stands (nobody typed
 * where it was, nor undid it), at their anchors in the view's offsets.
 */
export function deletionsOf(view: AuthorshipView): AuthoredDeletion[] {
  const out: AuthoredDeletion[] = [];
  for (const edit of view.edits.values())
    if (edit.length === 0 && edit.replaced && !edit.touched)
      out.push({ at: edit.anchor, text: edit.replaced, meta: edit.meta });
  return out;
}

/** Code points of text[start, end) that are not carriage returns. */
function countCharacters(text: string, start: number, end: number): number {
  let count = 0;
  for (let at = start; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code === 13) continue;
    // The second half of a surrogate pair is part of the character before it.
    if (code >= 0xdc00 && code <= 0xdfff && at > start) {
      const before = text.charCodeAt(at - 1);
      if (before >= 0xd800 && before <= 0xdbff) continue;
    }
    count++;
  }
  return count;
}

/** Start offsets of every line of the text (the last line may be empty). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

/** The 0-based line holding offset (binary search over line starts). */
function lineAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

interface Tally {
  characters: number;
  removed: number;
  readonly lines: Set<number>;
}

const newTally = (): Tally => ({ characters: 0, removed: 0, lines: new Set() });

/**
 * The summary of a text and the assistant runs in it (offsets in that text, as a back end gives them).
 * Runs outside the text are clipped; empty runs count for nothing. `self`: the local participant's
 * name as their marks carry it (their display name in a session), so their share reads as theirs.
 */
export function summarizeAuthorship(
  text: string,
  runs: readonly AuthoredRun[],
  self?: string,
  deletions: readonly AuthoredDeletion[] = [],
): FileAuthorshipSummary {
  const starts = lineStarts(text);
  const total = newTally();
  const people = new Map<
    string,
    Tally & { askedBy: string; model: string; at: number; proposals: Set<string> }
  >();
  const proposals = new Map<
    string,
    Tally & { first: number; at: number; removedTexts: [number, string][] }
  >();
  const tallies = (meta: AuthorshipMeta, start: number) => {
    const personKey = JSON.stringify([meta.askedBy, meta.model]);
    const person = people.get(personKey) ?? {
      ...newTally(),
      askedBy: meta.askedBy,
      model: meta.model,
      at: meta.at,
      proposals: new Set<string>(),
    };
    people.set(personKey, person);
    person.at = Math.max(person.at, meta.at);
    person.proposals.add(meta.proposal);
    const proposal = proposals.get(meta.proposal) ?? {
      ...newTally(),
      first: start,
      at: meta.at,
      removedTexts: [],
    };
    proposals.set(meta.proposal, proposal);
    proposal.first = Math.min(proposal.first, start);
    proposal.at = Math.max(proposal.at, meta.at);
    return { person, proposal };
  };
  // A deletion leaves no character to mark: it counts what it removed, where it removed it.
  for (const deletion of deletions) {
    const removed = countCharacters(deletion.text, 0, deletion.text.length);
    if (removed === 0) continue;
    const at = Math.max(0, Math.min(deletion.at, text.length));
    const { person, proposal } = tallies(deletion.meta, at);
    for (const tally of [total, person, proposal]) tally.removed += removed;
    proposal.removedTexts.push([at, deletion.text]);
  }
  for (const run of runs) {
    const start = Math.max(0, Math.min(run.start, text.length));
    const end = Math.max(start, Math.min(run.end, text.length));
    const characters = countCharacters(text, start, end);
    if (characters === 0) continue;
    const { person, proposal } = tallies(run.meta, start);
    // Lines holding one of the run's characters other than a line break.
    const lines: number[] = [];
    const first = lineAt(starts, start);
    const last = lineAt(starts, end - 1);
    for (let line = first; line <= last; line++) {
      const from = Math.max(start, starts[line]);
      const to = Math.min(end, line + 1 < starts.length ? starts[line + 1] : text.length);
      for (let at = from; at < to; at++) {
        const code = text.charCodeAt(at);
        if (code !== 10 && code !== 13) {
          lines.push(line);
          break;
        }
      }
    }
    for (const tally of [total, person, proposal]) {
      tally.characters += characters;
      for (const line of lines) tally.lines.add(line);
    }
  }
  return {
    characters: total.characters,
    lines: total.lines.size,
    removed: total.removed,
    totalCharacters: countCharacters(text, 0, text.length),
    // A final line break does not start a line of its own.
    totalLines: text.endsWith('\n') ? starts.length - 1 : starts.length,
    people: [...people.values()]
      .sort((a, b) => b.characters - a.characters || b.at - a.at)
      .map((person) => ({
        askedBy: person.askedBy,
        mine: self !== undefined && person.askedBy === self,
        model: person.model,
        characters: person.characters,
        lines: person.lines.size,
        removed: person.removed,
        proposals: [...person.proposals]
          .map((id) => [id, proposals.get(id)!] as const)
          .sort((a, b) => b[1].at - a[1].at || a[1].first - b[1].first)
          .map(([id, proposal]) => ({
            proposal: id,
            characters: proposal.characters,
            lines: proposal.lines.size,
            removed: proposal.removed,
            firstOffset: proposal.first,
            firstLine: lineAt(starts, proposal.first),
            removedTexts: proposal.removedTexts.sort((a, b) => a[0] - b[0]).map(([, removed]) => removed),
          })),
      })),
  };
}

/** A share as a whole percentage for people to read: never 0 % when something is there, nor 100 % when not all. */
export function percentOf(part: number, whole: number): number {
  if (whole <= 0 || part <= 0) return 0;
  if (part >= whole) return 100;
  return Math.min(99, Math.max(1, Math.round((part / whole) * 100)));
}
