/**
 * Whether a suggestion may span several lines, and where such a suggestion must end. Multi-line only
 * at an empty block start (the cursor on an empty line or right after an opener, with nothing indented
 * deeper below it); everywhere else a suggestion is one line, like Copilot's and Continue's.
 */
import { type CleaningContext, firstNonBlank, indentWidth, isBlank, lastNonBlank } from './cleaningContext';

const BLOCK_KEYWORD_LANGUAGES = new Set(['ruby', 'lua', 'shellscript', 'elixir']);

/** Does this line open a block whose body goes on the following lines? */
export function opensBlock(line: string, languageId: string): boolean {
  const code = line.trimEnd();
  if (/[{([]$/.test(code) || code.endsWith('=>')) return true;
  if (languageId === 'python' && code.endsWith(':')) return true;
  if (BLOCK_KEYWORD_LANGUAGES.has(languageId) && /(?:\bdo|\bthen|\belse|\|\w*\|)$/.test(code)) return true;
  return false;
}

/** Does this line close the block it is dedented to (`}`, `end`, `fi`...)? */
export function closesBlock(line: string): boolean {
  return /^\s*(?:[}\])]|(?:end|fi|done|esac|until)\b)/.test(line);
}

export interface BlockStart {
  /** Indentation width of the line that opens the block. */
  readonly openerIndent: number;
}

/** The empty block the cursor is at the start of, if any. */
export function emptyBlockStart(context: CleaningContext): BlockStart | undefined {
  if (!isBlank(context.lineSuffix)) return undefined;
  const opener = isBlank(context.linePrefix) ? lastNonBlank(context.linesAbove) : context.linePrefix;
  if (opener === undefined || !opensBlock(opener, context.languageId)) return undefined;
  const openerIndent = indentWidth(opener, context.tabSize);
  // Something indented deeper below means the block already has a body: complete one line only.
  const next = firstNonBlank(context.linesBelow);
  if (next !== undefined && indentWidth(next, context.tabSize) > openerIndent) return undefined;
  return { openerIndent };
}

/**
 * The lines of a multi-line suggestion that belong to the block: it ends at the first line dedented to
 * the opener's level, which is kept when it closes the block (`}`, `end`) and dropped otherwise (the
 * model went on to the next statement or function).
 */
export function limitToBlock(lines: readonly string[], block: BlockStart, tabSize: number): string[] {
  for (let i = 1; i < lines.length; i++) {
    if (isBlank(lines[i]) || indentWidth(lines[i], tabSize) > block.openerIndent) continue;
    return lines.slice(0, closesBlock(lines[i]) ? i + 1 : i);
  }
  return [...lines];
}
