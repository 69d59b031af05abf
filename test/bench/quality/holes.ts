// Holes for the quality bench: real source files (TypeScript and JavaScript from packages in
// node_modules, Python from the system's Python library), each with a piece of text taken out where a
// person would ask for a completion. Three kinds of hole per file:
// - end-of-line: the rest of a line, from a point after its first few characters;
// - mid-line: from a point in a line up to one of its closing brackets, the rest of the line kept (what
//   an editor that auto-closes brackets leaves after the cursor);
// - block-start: the body of a block (up to 8 lines) after its opening line, the cursor on an empty
//   line indented like the body, the block's end (`}` or the dedented line) kept below.
// Everything is chosen by a hash of the file's path, so every run cuts the same holes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hash } from '../completion/traces';

export type HoleKind = 'end-of-line' | 'mid-line' | 'block-start';

export interface Hole {
  readonly file: string;
  readonly languageId: string;
  readonly kind: HoleKind;
  readonly original: string;
  /** The file with the hole cut out. */
  readonly text: string;
  /** The cursor in `text`: the start of the hole (the same offset in `original`). */
  readonly offset: number;
  /** The missing text. */
  readonly missing: string;
}

const MAX_BLOCK_LINES = 8;
const MAX_BLOCK_CHARS = 500;

/** Source files that read as hand-written code: no minified or generated-looking lines. */
function readable(text: string): boolean {
  const lines = text.split('\n');
  if (lines.length < 40 || lines.length > 3000) return false;
  if (lines.some((line) => line.length > 160)) return false;
  return !/sourceMappingURL=data:|@generated|DO NOT EDIT/i.test(text);
}

function walk(dir: string, accept: (file: string) => boolean, out: string[], depth = 0): void {
  if (depth > 8) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'test' || entry.name === 'tests' || entry.name === '__pycache__') continue;
      walk(full, accept, out, depth + 1);
    } else if (entry.isFile() && accept(full)) out.push(full);
  }
}

/** `count` readable files among those `accept` takes under `roots`, picked by a hash of their path. */
export function pickFiles(
  roots: readonly string[],
  accept: (file: string) => boolean,
  count: number,
): string[] {
  const found: string[] = [];
  for (const root of roots) walk(root, accept, found);
  const byHash = found
    .map((file) => ({ file, key: hash(path.basename(path.dirname(file)) + '/' + path.basename(file)) }))
    .sort((a, b) => a.key - b.key || a.file.localeCompare(b.file));
  const picked: string[] = [];
  const seenNames = new Set<string>();
  for (const { file } of byHash) {
    if (picked.length >= count) break;
    // One copy of a file that several packages vendor.
    const name = path.basename(file);
    const size = fs.statSync(file).size;
    if (size < 2_000 || size > 60_000 || seenNames.has(`${name}:${size}`)) continue;
    if (!readable(fs.readFileSync(file, 'utf8'))) continue;
    seenNames.add(`${name}:${size}`);
    picked.push(file);
  }
  return picked;
}

/** The Python library of this machine: /usr/lib/python3.x, or pyenv's. */
export function pythonLibrary(): string | undefined {
  const candidates: string[] = [];
  for (const base of ['/usr/lib', '/usr/local/lib']) {
    try {
      for (const name of fs.readdirSync(base))
        if (/^python3\.\d+$/.test(name)) candidates.push(path.join(base, name));
    } catch {
      // No such folder.
    }
  }
  const pyenv = path.join(process.env.HOME ?? '', '.pyenv', 'versions');
  try {
    for (const version of fs.readdirSync(pyenv))
      for (const name of fs.readdirSync(path.join(pyenv, version, 'lib')))
        if (/^python3\.\d+$/.test(name)) candidates.push(path.join(pyenv, version, 'lib', name));
  } catch {
    // No pyenv.
  }
  return candidates.sort().find((dir) => fs.existsSync(path.join(dir, 'os.py')));
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];

/** Offsets of the line starts of `lines` joined with '\n'. */
function lineStarts(lines: readonly string[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const line of lines) {
    starts.push(at);
    at += line.length + 1;
  }
  return starts;
}

/** Lines that are code, not comments or docstrings (a rough test, enough to place holes). */
function isCode(line: string, languageId: string): boolean {
  const trimmed = line.trim();
  if (trimmed.length === 0) return false;
  if (languageId === 'python') return !/^(#|"""|''')/.test(trimmed);
  return !/^(\/\/|\/\*|\*)/.test(trimmed);
}

/** Walks lines starting at a hashed place, wrapping around, until `take` returns a hole. */
function firstFrom<T>(
  lines: readonly string[],
  seed: number,
  take: (index: number) => T | undefined,
): T | undefined {
  const start = seed % lines.length;
  for (let k = 0; k < lines.length; k++) {
    const found = take((start + k) % lines.length);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function holesOf(file: string, languageId: string, original: string): Hole[] {
  const lines = original.split('\n');
  const starts = lineStarts(lines);
  const seed = hash(file);
  const cut = (kind: HoleKind, offset: number, end: number, text?: string): Hole => ({
    file,
    languageId,
    kind,
    original,
    text: text ?? original.slice(0, offset) + original.slice(end),
    offset,
    missing: original.slice(offset, end),
  });
  const holes: Hole[] = [];

  const endOfLine = firstFrom(lines, seed, (i) => {
    const line = lines[i];
    const indent = indentOf(line).length;
    if (!isCode(line, languageId) || line.trimEnd().length - indent < 12 || line !== line.trimEnd()) return;
    const from = indent + 4 + ((seed >>> 8) % (line.length - indent - 7));
    return cut('end-of-line', starts[i] + from, starts[i] + line.length);
  });
  if (endOfLine) holes.push(endOfLine);

  const midLine = firstFrom(lines, seed >>> 4, (i) => {
    const line = lines[i];
    const indent = indentOf(line).length;
    if (!isCode(line, languageId) || line.length - indent < 12) return;
    const closers = [...line.matchAll(/[)\]}]/g)].map((m) => m.index!).filter((at) => at > indent + 4);
    if (closers.length === 0) return;
    const end = closers[(seed >>> 12) % closers.length];
    const from = indent + 2 + ((seed >>> 16) % Math.max(1, end - indent - 3));
    if (from >= end) return;
    return cut('mid-line', starts[i] + from, starts[i] + end);
  });
  if (midLine) holes.push(midLine);

  const blockStart = firstFrom(lines, seed >>> 20, (i) => {
    const opener = lines[i];
    if (!isCode(opener, languageId)) return;
    const opens =
      languageId === 'python'
        ? /:\s*$/.test(opener) && !/^\s*(#|lambda)/.test(opener)
        : /\{\s*$/.test(opener);
    if (!opens) return;
    const openerIndent = indentOf(opener).length;
    const first = lines[i + 1];
    if (first === undefined || first.trim() === '' || indentOf(first).length <= openerIndent) return;
    let last = i + 1;
    for (let j = i + 2; j < lines.length; j++) {
      if (lines[j].trim() === '') continue;
      if (indentOf(lines[j]).length <= openerIndent) break;
      last = j;
    }
    const end = last + 1;
    if (end - (i + 1) > MAX_BLOCK_LINES || end >= lines.length) return;
    const body = lines.slice(i + 1, end).join('\n');
    if (body.length > MAX_BLOCK_CHARS) return;
    const bodyIndent = indentOf(first);
    const offset = starts[i + 1] + bodyIndent.length;
    const holeEnd = starts[last] + lines[last].length;
    return cut('block-start', offset, holeEnd);
  });
  if (blockStart) holes.push(blockStart);
  return holes;
}
