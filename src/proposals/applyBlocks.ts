/**
 * Turns the blocks of one answer into proposed file contents: the blocks for a file are applied in the
 * order given, each against the text left by the ones before (so blocks out of file order work), and a
 * block that cannot be applied is reported with its reason while the others still apply.
 */
import type { EditBlock, ParsedAnswer } from './editFormat';
import { matchSearchBlock, type MatchOptions, type MatchStrategy } from './matchSearchBlock';
import { fromLines, toLines, type TextLines } from './textLines';

export interface BlockFailure {
  /** 1-based position of the block in the answer. */
  index: number;
  path?: string;
  reason: string;
  /** The block itself (absent when it could not be parsed), kept so the model can be asked to redo it. */
  block?: EditBlock;
}

export interface AppliedBlock {
  index: number;
  strategy: MatchStrategy | 'create' | 'append' | 'delete';
  similarity: number;
}

export type FileChangeKind = 'modify' | 'create' | 'delete';

/** What the answer proposes for one file. */
export interface FileChange {
  path: string;
  kind: FileChangeKind;
  /** The file's text when the proposal was made; undefined for a new file. */
  original: string | undefined;
  /** The proposed text; undefined for a deleted file. */
  proposed: string | undefined;
  /** The assistant's notes of the blocks that produced this change. */
  notes: string[];
  applied: AppliedBlock[];
}

export interface ProposalDraft {
  rationale: string;
  changes: FileChange[];
  failures: BlockFailure[];
}

/** "src/a.ts: block 2: SEARCH text not found" — the form shown to users and sent back to the model. */
export function formatFailure(failure: BlockFailure): string {
  return `${failure.path ?? '(no path)'}: block ${failure.index}: ${failure.reason}`;
}

/**
 * @param originals the current text of every path the answer names (undefined: no such file)
 */
export function draftProposal(
  parsed: ParsedAnswer,
  originals: ReadonlyMap<string, string | undefined>,
  options: MatchOptions = {},
): ProposalDraft {
  const failures: BlockFailure[] = parsed.problems.map((problem) => ({ ...problem }));
  const byPath = new Map<string, EditBlock[]>();
  for (const block of parsed.blocks) {
    const list = byPath.get(block.path);
    if (list) list.push(block);
    else byPath.set(block.path, [block]);
  }
  const changes: FileChange[] = [];
  for (const [path, blocks] of byPath) {
    const result = applyBlocksToFile(path, originals.get(path), blocks, options);
    failures.push(...result.failures);
    if (result.change) changes.push(result.change);
  }
  failures.sort((a, b) => a.index - b.index);
  return { rationale: parsed.rationale, changes, failures };
}

export function applyBlocksToFile(
  path: string,
  original: string | undefined,
  blocks: readonly EditBlock[],
  options: MatchOptions = {},
): { change?: FileChange; failures: BlockFailure[] } {
  const failures: BlockFailure[] = [];
  const applied: AppliedBlock[] = [];
  const notes: string[] = [];
  let current: TextLines | undefined = original === undefined ? undefined : toLines(original);
  const fail = (block: EditBlock, reason: string) =>
    failures.push({ index: block.index, path, reason, block });

  for (const block of blocks) {
    if (block.kind === 'delete') {
      if (!current) {
        fail(block, 'the file does not exist, so it cannot be deleted');
        continue;
      }
      current = undefined;
      applied.push({ index: block.index, strategy: 'delete', similarity: 1 });
      if (block.note) notes.push(block.note);
      continue;
    }
    const searchIsEmpty = block.search.every((line) => line.trim() === '');
    if (searchIsEmpty) {
      if (!current) {
        current = { lines: [...block.replace], eol: '\n', finalNewline: block.replace.length > 0 };
        applied.push({ index: block.index, strategy: 'create', similarity: 1 });
      } else {
        if (block.replace.length === 0) {
          fail(block, 'the block has an empty SEARCH and an empty REPLACE: nothing to add');
          continue;
        }
        const wasEmpty = current.lines.length === 0;
        current = {
          ...current,
          lines: [...current.lines, ...block.replace],
          finalNewline: wasEmpty ? true : current.finalNewline,
        };
        applied.push({ index: block.index, strategy: 'append', similarity: 1 });
      }
      if (block.note) notes.push(block.note);
      continue;
    }
    if (!current) {
      fail(
        block,
        original === undefined
          ? 'the file does not exist; to create it, use an empty SEARCH section'
          : 'the file was deleted by an earlier block',
      );
      continue;
    }
    if (sameLines(block.search, block.replace)) {
      fail(block, 'SEARCH and REPLACE are identical, so the block changes nothing');
      continue;
    }
    const match = matchSearchBlock(current.lines, block.search, block.replace, options);
    if (!match.ok) {
      fail(block, match.reason);
      continue;
    }
    const lines = [...current.lines];
    lines.splice(match.start, match.end - match.start, ...match.replacement);
    // Removing the last lines of a file keeps it ending the way it did.
    current = { ...current, lines };
    applied.push({ index: block.index, strategy: match.strategy, similarity: match.similarity });
    if (block.note) notes.push(block.note);
  }

  if (applied.length === 0) return { failures };
  const proposed = current ? fromLines(current) : undefined;
  if (original === undefined && proposed === undefined) return { failures };
  if (proposed === original) return { failures };
  const kind: FileChangeKind =
    original === undefined ? 'create' : proposed === undefined ? 'delete' : 'modify';
  return { change: { path, kind, original, proposed, notes, applied }, failures };
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}
