// Loads the secret corpus (test/fixtures/secrets/manifest.json and the files it names). Shared by
// the corpus unit test and the trust bench, so both judge the same thing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecretFinding } from '../../../src/trust';

export interface CorpusEntry {
  id: string;
  file: string;
  kind?: string;
  what?: string;
  value: string;
}

export interface Corpus {
  dir: string;
  secrets: CorpusEntry[];
  lookalikes: CorpusEntry[];
  /** File (relative to dir) -> its text. */
  files: Map<string, string>;
}

export function corpusDir(): string {
  // Compiled tests live in out/test/...; the fixtures stay in the source tree.
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, 'test', 'fixtures', 'secrets');
}

export function loadCorpus(): Corpus {
  const dir = corpusDir();
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    secrets: CorpusEntry[];
    lookalikes: CorpusEntry[];
  };
  const files = new Map<string, string>();
  for (const entry of [...manifest.secrets, ...manifest.lookalikes]) {
    if (!files.has(entry.file)) files.set(entry.file, fs.readFileSync(path.join(dir, entry.file), 'utf8'));
  }
  return { dir, secrets: manifest.secrets, lookalikes: manifest.lookalikes, files };
}

function occurrences(text: string, value: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) found.push(at);
  return found;
}

/** A secret is caught when every occurrence of it lies wholly inside one finding. */
export function isCaught(text: string, value: string, findings: readonly SecretFinding[]): boolean {
  const at = occurrences(text, value);
  return (
    at.length > 0 &&
    at.every((start) =>
      findings.some((finding) => finding.start <= start && finding.end >= start + value.length),
    )
  );
}

/** A value is left alone when no finding touches any occurrence of it. */
export function isLeftAlone(text: string, value: string, findings: readonly SecretFinding[]): boolean {
  const at = occurrences(text, value);
  return (
    at.length > 0 &&
    at.every(
      (start) => !findings.some((finding) => finding.start < start + value.length && finding.end > start),
    )
  );
}

/** Recall and precision of `scan` over the corpus: findings that touch no listed secret are false. */
export function scoreCorpus(
  corpus: Corpus,
  scan: (text: string) => readonly SecretFinding[],
): { recall: number; precision: number; caught: number; truePositives: number; falsePositives: number } {
  let caught = 0;
  let truePositives = 0;
  let falsePositives = 0;
  for (const [file, text] of corpus.files) {
    const findings = scan(text);
    const secrets = corpus.secrets.filter((entry) => entry.file === file);
    caught += secrets.filter((entry) => isCaught(text, entry.value, findings)).length;
    const spans = secrets.flatMap((entry) =>
      occurrences(text, entry.value).map((start) => [start, start + entry.value.length]),
    );
    for (const finding of findings) {
      if (spans.some(([start, end]) => finding.start < end && finding.end > start)) truePositives++;
      else falsePositives++;
    }
  }
  const total = truePositives + falsePositives;
  return {
    recall: corpus.secrets.length ? caught / corpus.secrets.length : 0,
    precision: total ? truePositives / total : 1,
    caught,
    truePositives,
    falsePositives,
  };
}
