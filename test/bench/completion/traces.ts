// Typing traces for the completion bench: a person retyping parts of real source files, with the
// rhythm of typing code (a lognormal gap between keys, thinking pauses before a new line and at word
// boundaries), reproducible from a seed. Enter inserts the next line's indentation, as an editor's
// auto-indent does; brackets are typed, not auto-closed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CursorPosition } from '../../../src/completion/documentText';
import { seededRandom as random } from '../../support/seededRandom';

export interface Keystroke {
  /** Milliseconds after the trace starts. */
  readonly at: number;
  /** What the key inserts (one character, or a newline plus indentation). */
  readonly text: string;
}

export interface TypingTrace {
  readonly name: string;
  readonly path: string;
  readonly languageId: string;
  /** The file as it is once the trace is typed. */
  readonly finalText: string;
  /** The file before the trace: the segment's lines replaced by one indented empty line. */
  readonly initialText: string;
  readonly start: CursorPosition;
  readonly keys: readonly Keystroke[];
}

export interface SourceFile {
  readonly name: string;
  readonly path: string;
  readonly languageId: string;
  readonly text: string;
}

export const fixturesDir = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'completion');

export function loadFixtures(): SourceFile[] {
  const languages: Record<string, string> = { '.ts': 'typescript', '.py': 'python', '.go': 'go' };
  return fs
    .readdirSync(fixturesDir)
    .filter((name) => languages[path.extname(name)])
    .sort()
    .map((name) => ({
      name,
      path: `/bench/${name}`,
      languageId: languages[path.extname(name)],
      text: fs.readFileSync(path.join(fixturesDir, name), 'utf8'),
    }));
}

/**
 * A TypeScript file of at least `minLines` lines: the fixture repeated with its exported names made
 * unique per copy (so it still reads as one real, if long, module).
 */
export function largeFile(base: SourceFile, minLines: number): SourceFile {
  const names = [...base.text.matchAll(/export (?:class|interface|function|const|type) (\w+)/g)].map(
    (m) => m[1],
  );
  const parts: string[] = [];
  let lines = 0;
  for (let copy = 1; lines < minLines; copy++) {
    let text = base.text;
    for (const name of names) text = text.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}${copy}`);
    parts.push(text);
    lines += text.split('\n').length;
  }
  return { ...base, name: `large-${base.name}`, path: `/bench/large-${base.name}`, text: parts.join('\n') };
}

export { random };

export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function lognormal(rand: () => number, median: number, sigma: number): number {
  // Box-Muller
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * normal);
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * How a person types code. The gap between keys is lognormal with a 200 ms median (mean about 225
 * ms: a little faster than the 238 ms mean of 168,000 typists copying prose in Dhakal et al., "Observations
 * on Typing from 136 Million Keystrokes", CHI 2018; writing code is slower than copying prose), plus
 * thinking pauses before new lines and at word boundaries (programmers pause often: Shrestha et al.,
 * "Pausing While Programming", ICSE-SEET 2022).
 */
export const typingModel = {
  keyMedianMs: 200,
  keySigma: 0.5,
  /** Probability and length of a pause before starting a new line. */
  lineStartPause: { probability: 0.55, medianMs: 1400, sigma: 0.5 },
  /** Probability and length of a pause after a space or punctuation inside a line. */
  wordPause: { probability: 0.1, medianMs: 900, sigma: 0.5 },
};

/** The trace that retypes `lineCount` lines of `file` starting at `startLine`. */
export function buildTrace(file: SourceFile, startLine: number, lineCount: number): TypingTrace {
  const lines = file.text.split('\n');
  const segment = lines.slice(startLine, startLine + lineCount);
  const indent = (line: string) => /^[ \t]*/.exec(line)![0];
  const before = lines.slice(0, startLine);
  const after = lines.slice(startLine + lineCount);
  const initialText = [...before, indent(segment[0]), ...after].join('\n');
  const rand = random(hash(`${file.name}:${startLine}`));
  const keys: Keystroke[] = [];
  let at = 0;
  const gap = () => clamp(lognormal(rand, typingModel.keyMedianMs, typingModel.keySigma), 45, 900);
  const pause = (model: { medianMs: number; sigma: number }) =>
    clamp(lognormal(rand, model.medianMs, model.sigma), 600, 6000);
  segment.forEach((line, index) => {
    if (index > 0) {
      at += gap();
      keys.push({ at, text: '\n' + indent(line) });
    }
    const content = line.slice(indent(line).length);
    for (let i = 0; i < content.length; i++) {
      const char = content[i];
      if (i === 0 && rand() < typingModel.lineStartPause.probability) at += pause(typingModel.lineStartPause);
      else if (i > 0 && /[\s(.,:;=]/.test(content[i - 1]) && rand() < typingModel.wordPause.probability)
        at += pause(typingModel.wordPause);
      else at += gap();
      keys.push({ at, text: char });
    }
  });
  return {
    name: `${file.name}@${startLine + 1}`,
    path: file.path,
    languageId: file.languageId,
    finalText: file.text,
    initialText,
    start: { line: startLine, character: indent(segment[0]).length },
    keys,
  };
}

/** Start lines of `count` segments spread over the file, each beginning with a non-blank line. */
export function segmentStarts(file: SourceFile, count: number, lineCount: number): number[] {
  const lines = file.text.split('\n');
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    let line = Math.floor(((i + 1) / (count + 1)) * lines.length);
    while (line < lines.length - lineCount && lines[line].trim() === '') line++;
    starts.push(line);
  }
  return starts;
}
