/**
 * What the assistant is told about proposing edits, and the follow-up request that asks it to redo
 * only the blocks that could not be applied. Trusted text: written here, never taken from files.
 */
import { formatFailure, type BlockFailure } from './applyBlocks';
import { EDIT_MARKERS, type EditBlock } from './editFormat';

export const EDIT_FORMAT_INSTRUCTIONS = `When you change files, write each change as a SEARCH/REPLACE block:

path/to/file.ext
${EDIT_MARKERS.search}
the existing lines, copied exactly from the current file
${EDIT_MARKERS.divider}
the lines that replace them
${EDIT_MARKERS.replace}

Rules for blocks:
- Begin your answer with one or two sentences saying what you change and why; put a short reason before each block.
- The path is relative to the workspace folder, on its own line right above the block.
- SEARCH copies the current lines exactly (indentation, comments, blank lines) and holds enough lines to match one place only.
- Keep blocks small: the lines that change plus a line or two of context. Use several blocks for several places.
- To create a file, give its path and a block with an empty SEARCH section and the whole content in REPLACE.
- To add to the end of a file, use an empty SEARCH section.
- To delete a file, give its path and then the line: ${EDIT_MARKERS.deleteFile}
- Never change a file you were not shown, except to create a new one.`;

export const PANEL_SYSTEM_PROMPT = `You are Tandem, a coding assistant inside Visual Studio Code. Answer in Markdown; put code in fenced code blocks with a language. Be brief and precise.

If the request asks for changes to files, propose them as edits the user reviews hunk by hunk.
${EDIT_FORMAT_INSTRUCTIONS}

If no file needs to change, answer without blocks.`;

export const EDIT_SYSTEM_PROMPT = `You are Tandem, a coding assistant inside Visual Studio Code. You edit code as asked and answer only with a short explanation and SEARCH/REPLACE blocks.
${EDIT_FORMAT_INSTRUCTIONS}`;

/** The instruction for "Edit Selection...": what to change, and where. */
export function editInstruction(
  instruction: string,
  path: string,
  range?: { startLine: number; endLine: number },
): string {
  const where = range ? `lines ${range.startLine + 1}-${range.endLine} of ${path}` : path;
  return `Edit ${where}: ${instruction.trim()}\nChange only what this asks; keep the rest of the file as it is.`;
}

export function explainInstruction(path: string, range?: { startLine: number; endLine: number }): string {
  const where = range ? `lines ${range.startLine + 1}-${range.endLine} of ${path}` : path;
  return `Explain what ${where} does, step by step, and point out anything surprising or wrong. Do not propose edits.`;
}

/** The follow-up that asks to redo only the failed blocks, with what went wrong for each. */
export function redoInstruction(failures: readonly BlockFailure[]): string {
  const lines = failures.map((failure) => {
    const block = failure.block;
    const quoted =
      block && block.kind === 'replace' && block.search.length
        ? `\n  It searched for:\n${block.search.map((line) => `    ${line}`).join('\n')}`
        : '';
    return `- ${formatFailure(failure)}${quoted}`;
  });
  return [
    'Some of your blocks could not be applied:',
    ...lines,
    '',
    'The current content of those files is attached. Write new SEARCH/REPLACE blocks for these changes only,',
    'copying the SEARCH lines exactly from the attached content. Do not repeat blocks that were applied.',
  ].join('\n');
}

/** The distinct paths named by blocks (in order of first mention). */
export function pathsOf(blocks: readonly EditBlock[]): string[] {
  return [...new Set(blocks.map((block) => block.path))];
}
