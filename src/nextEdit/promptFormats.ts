/**
 * How a next-edit request is written for each kind of model:
 * - `chat`: any chat model, through the trust gate's fenced chat prompt; it answers with the rewritten
 *   region in a code block.
 * - `zeta` (Zed's Zeta): a raw completion prompt with `### Instruction:`, `### User Edits:` (unified
 *   diffs, oldest first), `### User Excerpt:` (a fenced excerpt with `<|start_of_file|>`,
 *   `<|editable_region_start|>`, `<|user_cursor_is_here|>`, `<|editable_region_end|>`) and
 *   `### Response:`; it answers with the region between the same markers.
 * - `instinct` (Continue's Instinct, a Zeta-style model): a system and a user chat message with the
 *   same markers, recent edits newest first.
 * - `sweep` (Sweep's next-edit model): Qwen's `<|file_sep|>` blocks, one `{path}.diff` block per recent
 *   edit as `original:` / `updated:`, then `original/`, `current/` (with `<|cursor|>`) and an open
 *   `updated/` block of a fixed 21-line window, which the model completes.
 * The formats were looked up in the models' published prompts; the wording here is Tandem's own.
 */
import type { ChatMessage } from '../model';
import type { UntrustedPiece } from '../trust';
import type { Region, RegionShape } from './region';
import { regionWithCursor } from './region';
import type { HistoryHunk } from './types';

export type NextEditFormat = 'chat' | 'zeta' | 'instinct' | 'sweep';
export type NextEditFormatSetting = 'auto' | NextEditFormat;

export const ZETA_REGION_START = '<|editable_region_start|>';
export const ZETA_REGION_END = '<|editable_region_end|>';
export const ZETA_CURSOR = '<|user_cursor_is_here|>';
export const ZETA_FILE_START = '<|start_of_file|>';
export const SWEEP_FILE_SEP = '<|file_sep|>';
export const SWEEP_CURSOR = '<|cursor|>';

/** Special tokens of Qwen2.5-Coder, the base of all three next-edit models. */
const QWEN_TOKENS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|fim_prefix|>',
  '<|fim_suffix|>',
  '<|fim_middle|>',
  '<|fim_pad|>',
  '<|repo_name|>',
  SWEEP_FILE_SEP,
];

/** Every marker any format gives a meaning; removed from answers, refused in raw prompts' text. */
export const CONTROL_TOKENS = [
  ZETA_REGION_START,
  ZETA_REGION_END,
  ZETA_CURSOR,
  ZETA_FILE_START,
  SWEEP_CURSOR,
  '<|user_cursor|>',
  ...QWEN_TOKENS,
];

export function resolveNextEditFormat(setting: NextEditFormatSetting, model: string): NextEditFormat {
  if (setting !== 'auto') return setting;
  const name = model.toLowerCase();
  if (/\bzeta\b|zeta[-_:.]/.test(name) || name.endsWith('zeta')) return 'zeta';
  if (name.includes('instinct')) return 'instinct';
  if (name.includes('sweep') && name.includes('edit')) return 'sweep';
  return 'chat';
}

/** The region each format works on. */
export function regionShapeOf(format: NextEditFormat): RegionShape {
  if (format === 'sweep') return { linesAbove: 10, linesBelow: 10, maxChars: 4000, contextLines: 0 };
  return { linesAbove: 10, linesBelow: 40, maxChars: 6000, contextLines: 20 };
}

/** What the engine needs to build a prompt. */
export interface NextEditPromptInput {
  /** The trust path of the document (checked against the exclusion rules). */
  readonly path: string;
  readonly languageId: string;
  readonly region: Region;
  /** Recent edits, newest last. */
  readonly history: readonly HistoryHunk[];
}

export type BuiltPrompt =
  | {
      readonly kind: 'chat';
      readonly system: string;
      readonly instructions: string;
      readonly context: readonly UntrustedPiece[];
      readonly stop?: readonly string[];
    }
  | {
      readonly kind: 'raw';
      readonly pieces: readonly UntrustedPiece[];
      readonly controlTokens: readonly string[];
      readonly stop: readonly string[];
      render(
        texts: readonly (string | undefined)[],
        displayPath: (path: string) => string,
      ): { prompt: string } | { messages: ChatMessage[] };
    };

export function buildNextEditPrompt(format: NextEditFormat, input: NextEditPromptInput): BuiltPrompt {
  switch (format) {
    case 'chat':
      return chatPrompt(input);
    case 'zeta':
      return zetaPrompt(input);
    case 'instinct':
      return instinctPrompt(input);
    case 'sweep':
      return sweepPrompt(input);
  }
}

/** A hunk as a unified diff body (`@@ -a,n +b,m @@` and its lines). */
export function unifiedDiff(hunk: HistoryHunk): string {
  const header = `@@ -${hunk.startLine + 1},${hunk.oldLines.length} +${hunk.startLine + 1},${hunk.newLines.length} @@`;
  return [
    header,
    ...hunk.oldLines.map((line) => `-${line}`),
    ...hunk.newLines.map((line) => `+${line}`),
  ].join('\n');
}

function historyPieces(
  history: readonly HistoryHunk[],
  render: (hunk: HistoryHunk) => string,
): UntrustedPiece[] {
  return history.map((hunk) => ({
    text: render(hunk),
    source: {
      kind: 'file',
      path: hunk.path,
      range: { startLine: hunk.startLine, endLine: hunk.startLine + Math.max(1, hunk.newLines.length) },
      label: 'recent edit',
    },
  }));
}

function regionSource(input: NextEditPromptInput) {
  return {
    kind: 'file' as const,
    path: input.path,
    range: { startLine: input.region.startLine, endLine: input.region.endLine },
  };
}

/** The excerpt with Zeta's markers: read-only lines, then the region between its markers. */
function markedExcerpt(region: Region): string {
  const parts: string[] = [];
  if (region.atStart) parts.push(ZETA_FILE_START);
  parts.push(
    ...region.above,
    ZETA_REGION_START,
    regionWithCursor(region, ZETA_CURSOR),
    ZETA_REGION_END,
    ...region.below,
  );
  return parts.join('\n');
}

const CHAT_SYSTEM = [
  'You predict the next edit a programmer will make, from the edits they just made and the code around',
  'their cursor. Typical next edits: the same rename or signature change at the other places it applies,',
  'the rest of a change they started, the matching line below one they added. Change only what follows',
  'from their edits; never undo them. Keep indentation and style exactly.',
].join('\n');

const CHAT_INSTRUCTIONS = [
  `Above are my most recent edits as diffs (oldest first) and the file I am editing. The lines between ${ZETA_REGION_START}`,
  `and ${ZETA_REGION_END} are the region you may change; ${ZETA_CURSOR} marks my cursor.`,
  'Answer with the whole region rewritten with my next edit applied, in one ``` code block, without the',
  'markers and without any other text. If no edit follows from mine, answer with the region unchanged.',
].join('\n');

function chatPrompt(input: NextEditPromptInput): BuiltPrompt {
  const edits = historyPieces(input.history, (hunk) => unifiedDiff(hunk));
  const excerpt: UntrustedPiece = { text: markedExcerpt(input.region), source: regionSource(input) };
  return { kind: 'chat', system: CHAT_SYSTEM, instructions: CHAT_INSTRUCTIONS, context: [...edits, excerpt] };
}

const ZETA_INSTRUCTION =
  'You are a code completion assistant and your task is to analyze user edits and then rewrite an excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking into account the cursor location.';

function zetaPrompt(input: NextEditPromptInput): BuiltPrompt {
  const excerpt = markedExcerpt(input.region);
  const pieces: UntrustedPiece[] = [
    { text: excerpt, source: regionSource(input) },
    ...historyPieces(input.history, (hunk) => unifiedDiff(hunk)),
  ];
  return {
    kind: 'raw',
    pieces,
    controlTokens: QWEN_TOKENS,
    stop: [ZETA_REGION_END],
    render(texts, displayPath) {
      const events = input.history
        .map((hunk, i) =>
          texts[i + 1] === undefined
            ? undefined
            : `User edited "${displayPath(hunk.path)}":\n\`\`\`diff\n${texts[i + 1]}\n\`\`\``,
        )
        .filter((event) => event !== undefined)
        .join('\n\n');
      const path = displayPath(input.path);
      return {
        prompt: `### Instruction:\n${ZETA_INSTRUCTION}\n\n### User Edits:\n\n${events}\n\n### User Excerpt:\n\n\`\`\`${path}\n${texts[0]}\n\`\`\`\n\n### Response:\n`,
      };
    },
  };
}

const INSTINCT_SYSTEM = [
  'You are a next-edit predictor. The user message holds recent edits of the developer as unified diffs',
  '(most recent first) and an excerpt of their current file, in which the region you may rewrite lies',
  `between ${ZETA_REGION_START} and ${ZETA_REGION_END}, and ${ZETA_CURSOR} marks the cursor.`,
  'Rewrite only that region with the edit the developer will make next; do not repeat the markers or',
  'code outside the region, and do not undo their last change.',
].join('\n');

function instinctPrompt(input: NextEditPromptInput): BuiltPrompt {
  const zeta = zetaPrompt(input) as Extract<BuiltPrompt, { kind: 'raw' }>;
  return {
    ...zeta,
    controlTokens: QWEN_TOKENS,
    stop: [],
    render(texts, displayPath) {
      const events = input.history
        .map((hunk, i) =>
          texts[i + 1] === undefined
            ? undefined
            : `User edited file "${displayPath(hunk.path)}"\n\n\`\`\`diff\n${texts[i + 1]}\n\`\`\``,
        )
        .filter((event) => event !== undefined)
        .reverse()
        .join('\n\n');
      const path = displayPath(input.path);
      const user = [
        'Predict the edit the developer makes next in the editable region of the excerpt, from their recent edits.',
        '',
        '### Context:',
        '',
        '### User Edits:',
        '',
        events,
        '',
        '### User Excerpt:',
        path,
        '',
        `\`\`\`${path}`,
        texts[0] ?? '',
        '```',
        '### Response:',
      ].join('\n');
      return {
        messages: [
          { role: 'system', content: INSTINCT_SYSTEM },
          { role: 'user', content: user },
        ],
      };
    },
  };
}

function sweepPrompt(input: NextEditPromptInput): BuiltPrompt {
  const region = input.region;
  const current = regionWithCursor(region, SWEEP_CURSOR);
  const original = regionBeforeLastEdit(input).join('\n');
  const pieces: UntrustedPiece[] = [
    { text: current, source: regionSource(input) },
    { text: original, source: regionSource(input) },
    ...historyPieces(
      input.history,
      (hunk) => `original:\n${hunk.oldLines.join('\n')}\nupdated:\n${hunk.newLines.join('\n')}`,
    ),
  ];
  return {
    kind: 'raw',
    pieces,
    controlTokens: QWEN_TOKENS,
    stop: [SWEEP_FILE_SEP, '</s>', '<|endoftext|>'],
    render(texts, displayPath) {
      const path = displayPath(input.path);
      const blocks = input.history
        .map((hunk, i) =>
          texts[i + 2] === undefined
            ? ''
            : `${SWEEP_FILE_SEP}${displayPath(hunk.path)}.diff\n${texts[i + 2]}\n`,
        )
        .join('');
      const lines = `${region.startLine + 1}:${region.endLine}`;
      return {
        prompt:
          blocks +
          `${SWEEP_FILE_SEP}original/${path}:${lines}\n${texts[1]}\n` +
          `${SWEEP_FILE_SEP}current/${path}:${lines}\n${texts[0]}\n` +
          `${SWEEP_FILE_SEP}updated/${path}:${lines}\n`,
      };
    },
  };
}

/** The region as it was before the newest edit, when that edit lies inside it. */
export function regionBeforeLastEdit(input: NextEditPromptInput): readonly string[] {
  const last = input.history[input.history.length - 1];
  const region = input.region;
  if (!last || last.path !== input.path) return region.lines;
  const at = last.startLine - region.startLine;
  if (at < 0 || at + last.newLines.length > region.lines.length) return region.lines;
  for (let i = 0; i < last.newLines.length; i++)
    if (region.lines[at + i] !== last.newLines[i]) return region.lines;
  return [...region.lines.slice(0, at), ...last.oldLines, ...region.lines.slice(at + last.newLines.length)];
}
