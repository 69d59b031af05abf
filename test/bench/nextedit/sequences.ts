// Edit sequences for the next-edit bench: in real source files, a rename typed key by key over the
// first occurrence of a local name whose other uses all lie in the region the engine will rewrite,
// and the file as it reads once every use is renamed (what a model answering the true rewrite gives).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chooseRegion } from '../../../src/nextEdit/region';
import { regionShapeOf } from '../../../src/nextEdit/promptFormats';

export interface EditSequence {
  readonly file: string;
  readonly languageId: string;
  readonly text: string;
  readonly from: string;
  readonly to: string;
  /** Where the renamed occurrence starts. */
  readonly line: number;
  readonly character: number;
  /** The file with every occurrence renamed. */
  readonly expected: string;
}

const KEYWORDS = new Set(
  'const let var function return export import from class interface type extends implements new this self def elif else while for range func package struct map string number boolean void async await true false null None True False public private readonly static case switch break continue default yield with pass raise except finally lambda nil defer chan select go err int bool'.split(
    ' ',
  ),
);

const LANGUAGES: Record<string, string> = { '.ts': 'typescript', '.py': 'python', '.go': 'go' };

/** Deterministic sequences from the given files, at most `max`. */
export function editSequences(files: readonly string[], max: number): EditSequence[] {
  const sequences: EditSequence[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    const lines = text.split('\n');
    const seen = new Set<string>();
    for (let line = 0; line < lines.length; line++) {
      for (const match of lines[line].matchAll(/\b[A-Za-z_][A-Za-z0-9_]{3,}\b/g)) {
        const name = match[0];
        if (KEYWORDS.has(name) || seen.has(name)) continue;
        seen.add(name);
        const occurrences = allOccurrences(lines, name);
        if (occurrences.length < 2 || occurrences.length > 8) continue;
        const first = occurrences[0];
        if (first.line !== line || first.character !== match.index) continue;
        const region = chooseRegion(
          lines,
          { line, character: first.character + name.length },
          regionShapeOf('chat'),
        );
        if (occurrences.some((at) => at.line < region.startLine || at.line >= region.endLine)) continue;
        const to = `${name}Next`;
        if (text.includes(to)) continue;
        sequences.push({
          file,
          languageId: LANGUAGES[path.extname(file)] ?? 'plaintext',
          text,
          from: name,
          to,
          line,
          character: first.character,
          expected: text.replace(new RegExp(`\\b${name}\\b`, 'g'), to),
        });
        if (sequences.length >= max) return sequences;
      }
    }
  }
  return sequences;
}

function allOccurrences(lines: readonly string[], name: string): { line: number; character: number }[] {
  const found: { line: number; character: number }[] = [];
  const pattern = new RegExp(`\\b${name}\\b`, 'g');
  lines.forEach((text, line) => {
    for (const match of text.matchAll(pattern)) found.push({ line, character: match.index });
  });
  return found;
}
