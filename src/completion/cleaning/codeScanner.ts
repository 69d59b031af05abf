/**
 * Just enough lexing to count brackets in code: skips string literals and comments per language
 * family, and regular expression literals in JavaScript and TypeScript. Approximate by design (no
 * nested template expressions); what it gets wrong only makes the bracket rule more cautious.
 */
const OPENERS = '([{';
const CLOSERS = ')]}';

export const matchingOpener = (closer: string): string => OPENERS[CLOSERS.indexOf(closer)];
export const isOpener = (char: string): boolean => OPENERS.includes(char);
export const isCloser = (char: string): boolean => char !== '' && CLOSERS.includes(char);

interface Syntax {
  lineComments: readonly string[];
  blockComment?: readonly [string, string];
  /** Quote characters that start single-line strings. */
  quotes: string;
  /** Quotes whose strings may span lines. */
  multiLineQuotes: string;
  tripleQuotes: boolean;
  /** `/.../` after an operator or a keyword is a regular expression (JavaScript's rule). */
  regexLiterals?: boolean;
}

const C_LIKE: Syntax = {
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  quotes: `'"`,
  multiLineQuotes: '',
  tripleQuotes: false,
};
const HASH: Syntax = { lineComments: ['#'], quotes: `'"`, multiLineQuotes: '', tripleQuotes: false };

const JS_LIKE: Syntax = { ...C_LIKE, quotes: `'"\``, multiLineQuotes: '`', regexLiterals: true };

const SYNTAX: Record<string, Syntax> = {
  javascript: JS_LIKE,
  javascriptreact: JS_LIKE,
  typescript: JS_LIKE,
  typescriptreact: JS_LIKE,
  go: { ...C_LIKE, quotes: `'"\``, multiLineQuotes: '`' },
  // Rust's ' starts lifetimes as often as char literals: do not treat it as a quote.
  rust: { ...C_LIKE, quotes: '"' },
  python: { ...HASH, tripleQuotes: true },
  shellscript: HASH,
  ruby: HASH,
  yaml: HASH,
  perl: HASH,
  r: HASH,
  elixir: { ...HASH, tripleQuotes: true },
  lua: { lineComments: ['--'], quotes: `'"`, multiLineQuotes: '', tripleQuotes: false },
  sql: {
    lineComments: ['--'],
    blockComment: ['/*', '*/'],
    quotes: `'"`,
    multiLineQuotes: '',
    tripleQuotes: false,
  },
  haskell: {
    lineComments: ['--'],
    blockComment: ['{-', '-}'],
    quotes: '"',
    multiLineQuotes: '',
    tripleQuotes: false,
  },
};

export function syntaxOf(languageId: string): Syntax {
  return SYNTAX[languageId] ?? C_LIKE;
}

/** A bracket seen in code (outside strings and comments), with its index in the scanned text. */
export interface BracketToken {
  readonly char: string;
  readonly index: number;
}

/**
 * The brackets of `text` that are code, in order. A plain loop over char codes: this runs on every
 * suggestion over a few hundred lines, so it stays allocation-light (about 10 ns a character).
 */
export function codeBrackets(text: string, languageId: string): BracketToken[] {
  const syntax = syntaxOf(languageId);
  const lineComment = syntax.lineComments[0];
  const lineCommentFirst = lineComment?.charCodeAt(0) ?? -1;
  const block = syntax.blockComment;
  const blockFirst = block?.[0].charCodeAt(0) ?? -1;
  const found: BracketToken[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === lineCommentFirst && text.startsWith(lineComment, i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (code === blockFirst && block && text.startsWith(block[0], i)) {
      const end = text.indexOf(block[1], i + block[0].length);
      i = end < 0 ? text.length : end + block[1].length;
      continue;
    }
    if (code === 34 || code === 39 || code === 96) {
      const quote = text[i];
      if (syntax.tripleQuotes && text.startsWith(quote + quote + quote, i)) {
        const end = text.indexOf(quote + quote + quote, i + 3);
        i = end < 0 ? text.length : end + 3;
        continue;
      }
      if (syntax.quotes.includes(quote)) {
        i = skipString(text, i, quote, syntax.multiLineQuotes.includes(quote));
        continue;
      }
    } else if (code === 47 && syntax.regexLiterals && startsRegex(text, i)) {
      const end = regexEnd(text, i);
      if (end > 0) {
        i = end;
        continue;
      }
    } else if (code === 40 || code === 41 || code === 91 || code === 93 || code === 123 || code === 125) {
      found.push({ char: text[i], index: i });
    }
    i++;
  }
  return found;
}

/** Words after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX_WORDS =
  /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|void|yield|await|delete|throw|new)$/;

/** Whether the `/` at `at` starts a regular expression: it follows an operator, a bracket or a keyword. */
function startsRegex(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  if (i < 0 || text[i] === '\n') return true;
  if ('(,=:[!&|?{};+-*%<>~^'.includes(text[i])) return true;
  return /[\w$]/.test(text[i]) && BEFORE_REGEX_WORDS.test(text.slice(Math.max(0, i - 10), i + 1));
}

/** Index just past the regular expression (and its flags) starting at `start`; -1 when the line ends first. */
function regexEnd(text: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '\n') return -1;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '/') {
      let end = i + 1;
      while (end < text.length && /[a-z]/i.test(text[end])) end++;
      return end;
    }
  }
  return -1;
}

/** Index just past the string that starts at `start` (or at the line end when it is unterminated). */
function skipString(text: string, start: number, quote: string, multiLine: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const char = text[i];
    if (char === '\\') {
      i += 2;
      continue;
    }
    if (char === quote) return i + 1;
    if (char === '\n' && !multiLine) return i;
    i++;
  }
  return text.length;
}

/** The brackets left open at the end of `text`, outermost first. */
export function openBracketStack(text: string, languageId: string): string[] {
  const stack: string[] = [];
  for (const { char } of codeBrackets(text, languageId)) {
    if (isOpener(char)) stack.push(char);
    else if (stack.length && stack[stack.length - 1] === matchingOpener(char)) stack.pop();
    else if (stack.length) stack.pop(); // mismatched: the scan is approximate, stay in step
  }
  return stack;
}

export interface EarlierCloser {
  readonly char: string;
  /** Indentation width of its line when it is the first thing on a line after the first, else -1. */
  readonly lineIndent: number;
}

/** Closers in `text` that close brackets opened before it, in the order they appear. */
export function closersOfEarlierBrackets(text: string, languageId: string, tabSize: number): EarlierCloser[] {
  const depth: string[] = [];
  const closers: EarlierCloser[] = [];
  for (const { char, index } of codeBrackets(text, languageId)) {
    if (isOpener(char)) depth.push(char);
    else if (depth.length) depth.pop();
    else closers.push({ char, lineIndent: lineIndentAt(text, index, tabSize, true) });
  }
  return closers;
}

/**
 * Indentation width of the line holding `index`. With `onlyIfFirst`, -1 unless the character at
 * `index` is the first non-blank one of a line other than the text's first.
 */
export function lineIndentAt(text: string, index: number, tabSize: number, onlyIfFirst = false): number {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  if (onlyIfFirst && start === 0) return -1;
  let width = 0;
  for (let i = start; i < index; i++) {
    const char = text[i];
    if (char === ' ') width++;
    else if (char === '\t') width += tabSize - (width % tabSize);
    else return onlyIfFirst ? -1 : width;
  }
  return width;
}
