/**
 * The edit format the assistant answers in: per file, SEARCH/REPLACE blocks, a block with an empty
 * SEARCH for a new file's whole content (or for appending to an existing one), and a DELETE marker for
 * removing a file. The parser is lenient about what models actually produce: code fences around the
 * blocks, CRLF line breaks, no final newline, prose before, between and after the blocks, and file
 * paths written as `path`, **path**, `### path` or `File: path`.
 */

/** One change the assistant asked for, in the order it appears in the answer. */
export type EditBlock = ReplaceBlock | DeleteFileBlock;

export interface ReplaceBlock {
  kind: 'replace';
  /** 1-based position among all blocks of the answer (used in messages). */
  index: number;
  path: string;
  /** Lines to find; empty for a new file or for appending to the end of an existing one. */
  search: string[];
  replace: string[];
  /** The assistant's prose just before this block (its reason for the change), may be empty. */
  note: string;
}

export interface DeleteFileBlock {
  kind: 'delete';
  index: number;
  path: string;
  note: string;
}

/** A block that could not even be read (no path, cut off, malformed). */
export interface ParseProblem {
  index: number;
  path?: string;
  reason: string;
}

export interface ParsedAnswer {
  blocks: EditBlock[];
  problems: ParseProblem[];
  /** The assistant's prose outside the blocks: the proposal's rationale. */
  rationale: string;
}

/** The block markers as the assistant is told to write them (the parser also reads 5 to 9 marks). */
export const EDIT_MARKERS = {
  search: '<<<<<<< SEARCH',
  divider: '=======',
  replace: '>>>>>>> REPLACE',
  deleteFile: '<<<<<<< DELETE FILE',
} as const;

const SEARCH_MARKER = /^\s*<{5,9}\s*SEARCH\b.*$/;
const DIVIDER = /^\s*={5,9}\s*$/;
const REPLACE_MARKER = /^\s*>{5,9}\s*REPLACE\b.*$/;
const DELETE_MARKER = /^\s*<{5,9}\s*DELETE(?:\s+FILE)?\s*(.*)$/;
const DELETE_CLOSE = /^\s*>{5,9}\s*DELETE\b.*$/;
const FENCE = /^\s*(```|~~~)(.*)$/;
const EXTENSIONLESS_FILES =
  /^(?:Makefile|GNUmakefile|Dockerfile|Containerfile|Gemfile|Rakefile|Procfile|Jenkinsfile|Vagrantfile|Brewfile|Justfile|LICENSE|README|CODEOWNERS|AUTHORS|NOTICE|CHANGELOG)$/;

/**
 * Reads a line as a file path when the whole line is one: decorations (`, **, #, "File:", a trailing
 * colon) are removed; what is left must have no spaces and look like a path: a slash or a dot in it, or a
 * well-known file name without extension such as `Makefile` (so prose such as "Sure" is never a path).
 */
export function pathFromLine(line: string): string | undefined {
  let text = line.trim();
  text = text.replace(/^#{1,6}\s+/, '');
  text = text.replace(/^(?:[-*]\s+)?(?:file(?:name)?|path)\s*:\s*/i, '');
  text = text.replace(/:$/, '');
  text = text.replace(/^\*\*(.+)\*\*$/, '$1').replace(/^__(.+)__$/, '$1');
  text = text.replace(/:$/, '');
  const quoted = /^`([^`]+)`$/.exec(text);
  if (quoted) text = quoted[1].trim();
  else if (/\s/.test(text)) return undefined;
  if (text === '' || /[<>|"*?`]/.test(text) || /^[=<>]+$/.test(text)) return undefined;
  if (!/[/.\\]/.test(text) && !EXTENSIONLESS_FILES.test(text)) return undefined;
  if (/^[.:;,!]+$/.test(text) || text.endsWith('.') || /^https?:/i.test(text)) return undefined;
  return normalizePath(text);
}

/** True when an answer (even one cut off) holds at least one closed SEARCH/REPLACE block. */
export function holdsClosedBlock(answer: string): boolean {
  return answer.split('\n').some((line) => REPLACE_MARKER.test(line.replace(/\r$/, '')));
}

/** Forward slashes, no leading `./`. */
export function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
}

/** A fence line's info string, when it carries a path: "```ts src/a.ts" or "```src/a.ts". */
function pathFromFence(info: string): string | undefined {
  const words = info.trim().split(/\s+/).filter(Boolean);
  for (let i = words.length - 1; i >= 0; i--) {
    const path = pathFromLine(words[i]);
    if (path && (path.includes('/') || /\.[A-Za-z0-9]+$/.test(path))) return path;
  }
  return undefined;
}

export function parseEditAnswer(answer: string): ParsedAnswer {
  const lines = answer.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const blocks: EditBlock[] = [];
  const problems: ParseProblem[] = [];
  const rationale: string[] = [];
  let note: string[] = [];
  let pendingPath: string | undefined;
  let lastPath: string | undefined;
  let count = 0;

  const takePath = (): string | undefined => {
    const path = pendingPath ?? lastPath;
    pendingPath = undefined;
    return path;
  };
  const takeNote = (): string => {
    const text = note.join('\n').trim();
    note = [];
    return text;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (SEARCH_MARKER.test(line)) {
      const index = ++count;
      const path = takePath();
      const blockNote = takeNote();
      const search: string[] = [];
      const replace: string[] = [];
      let section: 'search' | 'replace' = 'search';
      let closed = false;
      let j = i + 1;
      for (; j < lines.length; j++) {
        const inner = lines[j];
        if (section === 'search' && DIVIDER.test(inner)) section = 'replace';
        else if (REPLACE_MARKER.test(inner) && section === 'replace') {
          closed = true;
          break;
        } else if (SEARCH_MARKER.test(inner)) break;
        else (section === 'search' ? search : replace).push(inner);
      }
      if (!closed) {
        const reason =
          j >= lines.length
            ? 'the block is not closed with >>>>>>> REPLACE (the answer may have been cut off)'
            : section === 'search'
              ? 'the block has no ======= line between SEARCH and REPLACE'
              : 'the block is not closed with >>>>>>> REPLACE';
        problems.push({ index, path, reason });
        if (path) lastPath = path;
        i = j - 1;
        continue;
      }
      i = j;
      if (!path) {
        problems.push({ index, reason: 'no file path is given before the block' });
        continue;
      }
      lastPath = path;
      blocks.push({ kind: 'replace', index, path, search, replace, note: blockNote });
      continue;
    }
    const deletion = DELETE_MARKER.exec(line);
    if (deletion) {
      const index = ++count;
      const inline = deletion[1].trim() ? pathFromLine(deletion[1]) : undefined;
      const preceding = takePath();
      const path = inline ?? preceding;
      const blockNote = takeNote();
      if (i + 1 < lines.length && DELETE_CLOSE.test(lines[i + 1])) i++;
      if (!path) {
        problems.push({ index, reason: 'no file path is given for the DELETE block' });
        continue;
      }
      lastPath = path;
      blocks.push({ kind: 'delete', index, path, note: blockNote });
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const fromFence = pathFromFence(fence[2]);
      if (fromFence) pendingPath = fromFence;
      continue;
    }
    if (line.trim() === '') {
      if (note.length) note.push('');
      continue;
    }
    const path = pathFromLine(line);
    if (path) {
      pendingPath = path;
      continue;
    }
    note.push(line);
    rationale.push(line);
  }
  return { blocks, problems, rationale: rationale.join('\n').trim() };
}
