/**
 * What one request is made of, computed from the document and the cursor: the cursor's state for the
 * cache, the context the cleaning rules read, and the fill request handed to the trust gate (the text
 * around the cursor within the budget, snippets with their sources, and how the server should stop).
 */
import { fillProjectBudget, type ProjectInstructions } from '../instructions/projectInstructions';
import { stopTokens, resolvePromptFormat } from '../model';
import type { GateFillRequest } from '../trust';
import { emptyBlockStart } from './cleaning/blockShape';
import type { CleaningContext } from './cleaning/cleaningContext';
import { syntaxOf } from './cleaning/codeScanner';
import type { CompletionSettings } from './completionEngine';
import { buildCompletionContext, type CompletionContext, type ContextSources } from './context/promptContext';
import { textAfter, textBefore, type CursorPosition, type DocumentText } from './documentText';
import { MAX_TYPED_CHARS } from './inFlightRequest';
import { AFTER_CHARS, ANCHOR_CHARS, type CursorState } from './suggestionCache';

/** Where the text is and where the cursor is in it, with the editor's indentation. */
export interface CursorPlace {
  readonly doc: DocumentText;
  readonly pos: CursorPosition;
  readonly indentUnit: string;
  readonly tabSize: number;
}

export interface PreparedFill {
  readonly cleaning: CleaningContext;
  readonly context: CompletionContext;
  readonly multiLine: boolean;
  /** A one-line place at the end of its line: the request reads on for the next lines (see nextLines.ts). */
  readonly nextLines: boolean;
  readonly candidates: number;
  readonly request: GateFillRequest;
}

/** The largest share of the prompt budget the project's instructions and examples may take together. */
const INSTRUCTIONS_SHARE = 0.2;
/** Characters per token assumed when turning the instructions' token share into characters. */
const CHARS_PER_TOKEN = 3.5;

/** How far around the prompt's window the gate looks for a secret crossing its edge (a PEM key fits). */
const SURROUNDING_MARGIN = 4096;

/** Builds everything a request needs, without sending it. */
export function prepareFill(
  place: CursorPlace,
  settings: CompletionSettings,
  sources: ContextSources | undefined,
  explicit: boolean,
  project?: ProjectInstructions,
): PreparedFill {
  const { doc, pos } = place;
  const cleaning = cleaningContextOf(place);
  // The instructions, then the examples, take their share first (at most a fifth together); the code
  // gets the rest of the budget.
  const budget = project
    ? fillProjectBudget(project, Math.floor(settings.maxPromptTokens * INSTRUCTIONS_SHARE * CHARS_PER_TOKEN))
    : { instructionChars: 0, exampleChars: 0 };
  const projectChars = budget.instructionChars;
  const maxPromptTokens =
    settings.maxPromptTokens - Math.ceil((budget.instructionChars + budget.exampleChars) / CHARS_PER_TOKEN);
  const context = buildCompletionContext(doc, pos, { maxPromptTokens }, sources);
  const multiLine = emptyBlockStart(cleaning) !== undefined;
  const candidates = explicit ? Math.max(3, settings.candidates) : settings.candidates;
  const format = resolvePromptFormat(settings.format, settings.model);
  // The chat format keeps its own stops: a newline can come before the answer there.
  const nextLines = !multiLine && format !== 'chat' && cleaning.lineSuffix === '';
  const around = surroundings(doc, pos, context.prefix.length, context.suffix.length);
  const request: GateFillRequest = {
    model: settings.model,
    format: settings.format,
    document: {
      path: doc.path,
      languageId: doc.languageId,
      text: around.text,
      prefixOffset: around.prefixOffset,
    },
    prefix: context.prefix,
    suffix: context.suffix,
    snippets: context.snippets.map((snippet) => ({
      text: snippet.text,
      source: {
        kind: 'file',
        path: snippet.path,
        range: { startLine: snippet.startLine, endLine: snippet.endLine },
      },
    })),
    lineComment: syntaxOf(doc.languageId).lineComments[0],
    project: budget.instructionChars || budget.exampleChars ? project : undefined,
    projectChars,
    projectExampleChars: budget.exampleChars,
    maxTokens: multiLine || nextLines ? settings.maxTokensMultiLine : settings.maxTokensSingleLine,
    temperature: settings.temperature,
    n: candidates,
    // A one-line place with text after the cursor needs nothing past the line end: let the server stop
    // there. At the end of a line the client stops the stream once it has the next lines.
    extraBody:
      !multiLine && !nextLines && format !== 'chat' ? { stop: [...stopTokens(format), '\n'] } : undefined,
  };
  return { cleaning, context, multiLine, nextLines, candidates, request };
}

export function cursorStateOf(doc: DocumentText, pos: CursorPosition): CursorState {
  return {
    docKey: doc.key,
    offset: doc.offsetAt(pos.line, pos.character),
    before: textBefore(doc, pos, ANCHOR_CHARS + MAX_TYPED_CHARS),
    after: textAfter(doc, pos, AFTER_CHARS),
  };
}

const CLEANING_LINES = 100;

export function cleaningContextOf(input: CursorPlace): CleaningContext {
  const { doc, pos } = input;
  const line = doc.lineAt(pos.line);
  const linesAbove: string[] = [];
  for (let i = Math.max(0, pos.line - CLEANING_LINES); i < pos.line; i++) linesAbove.push(doc.lineAt(i));
  const linesBelow: string[] = [];
  for (let i = pos.line + 1; i < Math.min(doc.lineCount, pos.line + 1 + CLEANING_LINES); i++)
    linesBelow.push(doc.lineAt(i));
  return {
    languageId: doc.languageId,
    linePrefix: line.slice(0, pos.character),
    lineSuffix: line.slice(pos.character),
    linesAbove,
    linesBelow,
    indentUnit: input.indentUnit,
    tabSize: input.tabSize,
  };
}

/**
 * The window the prompt was cut from with a margin on both sides, and where the prefix starts in it,
 * so the gate finds a secret that crosses the window's edge.
 */
function surroundings(doc: DocumentText, pos: CursorPosition, prefixChars: number, suffixChars: number) {
  const before = textBefore(doc, pos, prefixChars + SURROUNDING_MARGIN);
  const after = textAfter(doc, pos, suffixChars + SURROUNDING_MARGIN);
  return { text: before + after, prefixOffset: before.length - prefixChars };
}
