// Loads and scores the out-of-sample secret corpus (test/fixtures/secrets-oos), whose manifest labels
// each secret's exact span. Shared by its unit test and the trust bench, so both judge the same thing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecretFinding } from '../../../src/trust';
import { corpusDir } from './corpus';

export interface LabelledSpan {
  id: string;
  file: string;
  start: number;
  end: number;
  value: string;
  provider?: string;
  kind?: string;
  what?: string;
}

export interface OutOfSampleCorpus {
  secrets: LabelledSpan[];
  lookalikes: LabelledSpan[];
  files: Map<string, string>;
}

export function loadOutOfSampleCorpus(): OutOfSampleCorpus {
  const dir = path.join(path.dirname(corpusDir()), 'secrets-oos');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    secrets: LabelledSpan[];
    lookalikes: LabelledSpan[];
  };
  const files = new Map<string, string>();
  for (const entry of [...manifest.secrets, ...manifest.lookalikes]) {
    if (!files.has(entry.file))
      files.set(entry.file, fs.readFileSync(path.join(dir, 'files', entry.file), 'utf8'));
    if (files.get(entry.file)!.slice(entry.start, entry.end) !== entry.value) {
      throw new Error(`secrets-oos manifest: ${entry.id} does not match ${entry.file} at ${entry.start}`);
    }
  }
  return { secrets: manifest.secrets, lookalikes: manifest.lookalikes, files };
}

export interface OutOfSampleScore {
  recall: number;
  precision: number;
  caught: number;
  truePositives: number;
  falsePositives: number;
  /** Secrets not wholly inside one finding. */
  missed: LabelledSpan[];
  /** Findings that touch no labelled secret: the file and the text that would have been replaced. */
  falseAlarms: { file: string; start: number; text: string }[];
  /** Look-alikes touched by a finding. */
  lookalikesTouched: LabelledSpan[];
}

const overlaps = (finding: SecretFinding, span: { start: number; end: number }) =>
  finding.start < span.end && finding.end > span.start;

/**
 * A secret is caught when one finding covers its whole span; a finding that touches no secret span
 * is a false alarm. Precision = findings touching a secret / all findings.
 */
export function scoreOutOfSample(
  corpus: OutOfSampleCorpus,
  scan: (text: string) => readonly SecretFinding[],
): OutOfSampleScore {
  const score: OutOfSampleScore = {
    recall: 0,
    precision: 1,
    caught: 0,
    truePositives: 0,
    falsePositives: 0,
    missed: [],
    falseAlarms: [],
    lookalikesTouched: [],
  };
  for (const [file, text] of corpus.files) {
    const findings = scan(text);
    const secrets = corpus.secrets.filter((entry) => entry.file === file);
    for (const secret of secrets) {
      if (findings.some((finding) => finding.start <= secret.start && finding.end >= secret.end))
        score.caught++;
      else score.missed.push(secret);
    }
    for (const lookalike of corpus.lookalikes.filter((entry) => entry.file === file)) {
      if (findings.some((finding) => overlaps(finding, lookalike))) score.lookalikesTouched.push(lookalike);
    }
    for (const finding of findings) {
      if (secrets.some((secret) => overlaps(finding, secret))) score.truePositives++;
      else {
        score.falsePositives++;
        score.falseAlarms.push({ file, start: finding.start, text: text.slice(finding.start, finding.end) });
      }
    }
  }
  score.recall = corpus.secrets.length ? score.caught / corpus.secrets.length : 0;
  const total = score.truePositives + score.falsePositives;
  score.precision = total ? score.truePositives / total : 1;
  return score;
}
