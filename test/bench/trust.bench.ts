// `npm run bench -- trust`: how well the trust gate finds secrets and what it costs per request.
// - secret_recall / secret_precision: over the corpus (test/fixtures/secrets) plus a generated
//   10,000-line source file with planted secrets and look-alikes.
// - secret_recall_out_of_sample / secret_precision_out_of_sample: over the independent, frozen
//   corpus test/fixtures/secrets-oos (span-labelled); each miss and false alarm is printed.
// - gate_p99_ms: the gate's own work per request (exclusion check, redaction, fencing, building the
//   log attachment: everything before the model layer is called), over realistic requests: every
//   corpus file as chat context, inline-completion windows and chat windows of the 10,000-line file.
//   The whole 10,000-line file as one request is reported on its own (gate_full_file_ms). gate_p50_ms
//   and gate_p99_ms are raw wall-clock percentiles over every timing; CPU-time and per-request-median
//   figures, which a busy machine disturbs less, have their own keys.
import * as os from 'node:os';
import { ExclusionRules, SecretVault, scanForSecrets, TrustGate, type SecretFinding } from '../../src/trust';
import { loadCorpus, scoreCorpus, type Corpus } from '../unit/trust/corpus';
import { loadOutOfSampleCorpus, scoreOutOfSample } from '../unit/trust/outOfSampleCorpus';
import { quantile, round, writeSuiteResult } from './results';

const root = '/bench/workspace';

// mulberry32, seeded: the same file every run.
let seed = 0xbe7c4;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const draw = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const plantedSecrets: (() => [string, string])[] = [
  () => {
    const value = 'ghp_FAKE' + draw(ALNUM, 32);
    return [value, `const token = "${value}";`];
  },
  () => {
    const value = 'AKIAFAKE' + draw('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 12);
    return [value, `  accessKeyId: '${value}',`];
  },
  () => {
    const value = draw(ALNUM + '!#%*', 24);
    return [value, `  const dbPassword = "${value}";`];
  },
  () => {
    const value = 'sk-proj-Fake' + draw(ALNUM + '-_', 60);
    return [value, `openai = new OpenAI({ apiKey: "${value}" });`];
  },
  () => {
    const value = draw(ALNUM, 20);
    return [value, `const url = "postgres://svc:${value}@db.internal.example/app";`];
  },
];
const plantedLookalikes: (() => string)[] = [
  () => `// commit ${draw('0123456789abcdef', 40)}`,
  () =>
    `const id = "${draw('0123456789abcdef', 8)}-${draw('0123456789abcdef', 4)}-4${draw('0123456789abcdef', 3)}-a${draw('0123456789abcdef', 3)}-${draw('0123456789abcdef', 12)}";`,
  () => `  integrity: "sha512-${draw(ALNUM + '+/', 86)}==",`,
  () => `const apiKey = process.env.API_KEY ?? "";`,
  () => `  password: string;`,
  () => `const color = "#${draw('0123456789abcdef', 6)}";`,
];
const codeLines = [
  'export function add(a: number, b: number): number {',
  '  return a + b;',
  '}',
  '',
  'for (const item of items) {',
  '  if (!item.enabled) continue;',
  '  total += item.price * item.quantity;',
  '}',
  "import { readFile } from 'node:fs/promises';",
  'const result = await fetch(url, { method: "POST", body: JSON.stringify(payload) });',
  '  // Keep the cache small: entries older than a minute are dropped.',
  'class TokenBucket { constructor(private capacity: number, private refillPerSecond: number) {} }',
  '  const keys = Object.keys(record).sort();',
  '  throw new Error(`Unexpected status ${response.status}`);',
  'type Session = { id: string; token: string; expiresAt: number };',
];

/** The 10,000-line file and the secrets planted in it. */
function generateLargeFile(): { text: string; secrets: string[] } {
  const lines: string[] = [];
  const secrets: string[] = [];
  for (let line = 0; line < 10_000; line++) {
    const roll = random();
    if (roll < 0.006) {
      const [value, text] = pick(plantedSecrets)();
      secrets.push(value);
      lines.push(text);
    } else if (roll < 0.03) {
      lines.push(pick(plantedLookalikes)());
    } else {
      lines.push(pick(codeLines));
    }
  }
  return { text: lines.join('\n') + '\n', secrets };
}

/** Wall-clock and CPU milliseconds of one call. */
function timeIt(work: () => void): { wall: number; cpu: number } {
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  work();
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

function offsetOfLine(text: string, line: number): number {
  let offset = 0;
  for (let index = 0; index < line; index++) offset = text.indexOf('\n', offset) + 1;
  return offset;
}

function main(): void {
  const corpus: Corpus = loadCorpus();
  const large = generateLargeFile();
  const largeName = 'generated/large.ts';
  corpus.files.set(largeName, large.text);
  large.secrets.forEach((value, index) =>
    corpus.secrets.push({ id: `G${index}`, file: largeName, kind: 'planted', value }),
  );
  const score = scoreCorpus(corpus, scanForSecrets);
  // The out-of-sample corpus (test/fixtures/secrets-oos): built apart from the rules, frozen.
  const outOfSample = scoreOutOfSample(loadOutOfSampleCorpus(), scanForSecrets);
  for (const entry of outOfSample.missed) {
    console.log(`out-of-sample miss: ${entry.kind} (${entry.provider}) in ${entry.file} at ${entry.start}`);
  }
  for (const alarm of outOfSample.falseAlarms) {
    console.log(`out-of-sample false alarm: ${JSON.stringify(alarm.text.slice(0, 60))} in ${alarm.file}`);
  }

  const rules = new ExclusionRules({ roots: [root] });
  rules.setIgnoreFile(`${root}/.tandemignore`, 'dist/\n*.min.js\n');
  const gate = new TrustGate({ model: undefined as never, rules, vault: new SecretVault('b3nc') });
  const lines = large.text.split('\n').length - 1;

  const requests: (() => void)[] = [];
  for (const [file, text] of corpus.files) {
    if (file === largeName) continue;
    requests.push(() =>
      gate.prepareChat({
        feature: 'panel',
        model: 'm',
        instructions: 'Explain this file.',
        context: [{ text, source: { kind: 'file', path: `${root}/${file}` } }],
      }),
    );
  }
  for (let sample = 0; sample < 600; sample++) {
    const line = 50 + Math.floor(random() * (lines - 100));
    const cursor = offsetOfLine(large.text, line) + 2;
    const prefixStart = Math.max(0, cursor - 6000);
    const suffixEnd = Math.min(large.text.length, cursor + 2000);
    requests.push(() =>
      gate.prepareFill({
        model: 'm',
        document: { path: `${root}/src/large.ts`, text: large.text, prefixOffset: prefixStart },
        prefix: large.text.slice(prefixStart, cursor),
        suffix: large.text.slice(cursor, suffixEnd),
      }),
    );
  }
  for (let sample = 0; sample < 200; sample++) {
    const start = Math.floor(random() * (lines - 300));
    const from = offsetOfLine(large.text, start);
    const to = offsetOfLine(large.text, start + 300);
    requests.push(() =>
      gate.prepareChat({
        feature: 'panel',
        model: 'm',
        instructions: 'Review this part.',
        context: [
          {
            text: large.text.slice(from, to),
            source: {
              kind: 'file',
              path: `${root}/src/large.ts`,
              range: { startLine: start, endLine: start + 300 },
            },
            surroundings: { text: large.text, offset: from },
          },
          {
            text: "error TS2304: Cannot find name 'x'.",
            source: { kind: 'diagnostic', path: `${root}/src/large.ts` },
          },
        ],
      }),
    );
  }

  // Warm up (JIT), then time every request REPEATS times in shuffled rounds. A request's cost is the
  // median of its timings (the *_request_median_* keys); gate_p50_ms and gate_p99_ms are taken over
  // every single wall-clock timing, so the scheduling of a shared machine shows in them.
  for (let round = 0; round < 3; round++) for (const request of requests) request();
  const REPEATS = 5;
  const timings = requests.map(() => [] as { wall: number; cpu: number }[]);
  for (let round = 0; round < REPEATS; round++) {
    const order = requests.map((_, index) => ({ index, key: random() })).sort((a, b) => a.key - b.key);
    for (const { index } of order) timings[index].push(timeIt(requests[index]));
  }
  const cpuSamples = timings.map((each) =>
    quantile(
      each.map((timing) => timing.cpu),
      0.5,
    ),
  );
  const wallSamples = timings.map((each) =>
    quantile(
      each.map((timing) => timing.wall),
      0.5,
    ),
  );
  const raw = timings.flat().map((timing) => timing.wall);

  const full: { wall: number; cpu: number }[] = [];
  for (let run = 0; run < 9; run++) {
    full.push(
      timeIt(() =>
        gate.prepareChat({
          feature: 'panel',
          model: 'm',
          instructions: 'Review the whole file.',
          context: [{ text: large.text, source: { kind: 'file', path: `${root}/src/large.ts` } }],
        }),
      ),
    );
  }
  const findings: SecretFinding[] = scanForSecrets(large.text);
  writeSuiteResult('trust', {
    secret_recall: round(score.recall, 4),
    secret_precision: round(score.precision, 4),
    secret_recall_out_of_sample: round(outOfSample.recall, 4),
    secret_precision_out_of_sample: round(outOfSample.precision, 4),
    out_of_sample_secrets: outOfSample.caught + outOfSample.missed.length,
    out_of_sample_missed: outOfSample.missed.length,
    out_of_sample_false_alarms: outOfSample.falsePositives,
    gate_p99_ms: round(quantile(raw, 0.99), 3),
    gate_p50_ms: round(quantile(raw, 0.5), 3),
    gate_cpu_request_median_p99_ms: round(quantile(cpuSamples, 0.99), 3),
    gate_cpu_request_median_p50_ms: round(quantile(cpuSamples, 0.5), 3),
    gate_wall_request_median_p99_ms: round(quantile(wallSamples, 0.99), 3),
    gate_requests_measured: cpuSamples.length,
    gate_full_file_ms: round(
      quantile(
        full.map((timing) => timing.wall),
        0.5,
      ),
      2,
    ),
    gate_full_file_cpu_ms: round(
      quantile(
        full.map((timing) => timing.cpu),
        0.5,
      ),
      2,
    ),
    load_average_1min: round(os.loadavg()[0], 2),
    corpus_secrets: corpus.secrets.length,
    corpus_caught: score.caught,
    false_positives: score.falsePositives,
    large_file_lines: lines,
    large_file_findings: findings.length,
  });
  const failures: string[] = [];
  if (score.recall < 0.98) failures.push(`secret_recall ${score.recall} < 0.98`);
  if (score.precision < 0.95) failures.push(`secret_precision ${score.precision} < 0.95`);
  if (outOfSample.recall < 0.97) failures.push(`secret_recall_out_of_sample ${outOfSample.recall} < 0.97`);
  if (outOfSample.precision < 0.97) {
    failures.push(`secret_precision_out_of_sample ${outOfSample.precision} < 0.97`);
  }
  if (quantile(raw, 0.99) >= 3) failures.push(`gate_p99_ms ${quantile(raw, 0.99)} >= 3 (raw wall clock)`);
  if (failures.length) console.log(`below target: ${failures.join('; ')}`);
}

main();
