// `npm run bench -- quality`: does ghost text restore the code? Holes cut from real source files
// (TypeScript and JavaScript from packages in node_modules, Python from the system's Python library;
// end-of-line, mid-line and block-start holes, see quality/holes.ts) are completed through Tandem's
// whole pipeline: context and prompt, trust gate, model client, the scripted model server, cleaning, and
// what the editor would insert. The model is an oracle: it answers the true missing text and runs on
// for two more lines, as code models do. A case is exact when inserting what Tandem shows restores the
// file to the byte.
import * as path from 'node:path';
import { detectIndentUnit } from '../../src/completion/cleaning/cleaningContext';
import { CompletionEngine, type CompletionSettings } from '../../src/completion/completionEngine';
import { SimilarityIndex } from '../../src/completion/context/similarity';
import { LineDocument } from '../../src/completion/documentText';
import { TriggerPolicy } from '../../src/completion/triggerPolicy';
import { ModelClient, RequestLog } from '../../src/model';
import { ExclusionRules, TrustGate } from '../../src/trust';
import { fillPrefix, startScriptedModelServer } from '../fixtures/model-server';
import * as fs from 'node:fs';
import { holesOf, pickFiles, pythonLibrary, type Hole } from './quality/holes';
import { round, writeSuiteResult } from './results';

const FILES_PER_LANGUAGE = 40;
const OVERRUN_LINES = 2;
/** The oracle checks that the prompt's text before the cursor is the file's (this much of its end). */
const PREFIX_CHECK_CHARS = 200;
const MIN_CASES = 300;
const MIN_EXACT_RATE = 0.99;

const settings: CompletionSettings = {
  model: 'qwen2.5-coder:1.5b-base',
  format: 'auto',
  maxPromptTokens: 2048,
  candidates: 1,
  maxTokensSingleLine: 64,
  maxTokensMultiLine: 192,
  temperature: 0.1,
};

const root = path.resolve(__dirname, '..', '..', '..');

/** The true text from the cursor on: the hole, the rest of its line and `OVERRUN_LINES` lines more. */
function oracleAnswer(hole: Hole): string {
  let end = hole.original.indexOf('\n', hole.offset + hole.missing.length);
  for (let line = 0; line < OVERRUN_LINES && end >= 0; line++) end = hole.original.indexOf('\n', end + 1);
  return hole.original.slice(hole.offset, end < 0 ? hole.original.length : end);
}

/**
 * Whether `text` ends with `tail`, where the trust gate's placeholders for redacted secrets in `tail`
 * stand for any text (a model reads past them; the gate puts the secret back in the answer).
 */
function endsLike(text: string, tail: string): boolean {
  const parts = tail.split(/TANDEM_REDACTED_[A-Z0-9_]+_[0-9a-f]+/);
  if (parts.length === 1) return text.endsWith(tail);
  const escape = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${parts.map(escape).join('[^\\n]*?')}$`).test(text);
}

function corpus(): Hole[] {
  const nodeModules = path.join(root, 'node_modules');
  const ts = pickFiles(
    [nodeModules],
    (file) => file.endsWith('.ts') && !/\.d\.[cm]?ts$/.test(file),
    FILES_PER_LANGUAGE,
  );
  const js = pickFiles(
    [nodeModules],
    (file) => /\.[cm]?js$/.test(file) && !/\.min\.js$|[/\\](dist|umd|bundles?)[/\\]/.test(file),
    FILES_PER_LANGUAGE,
  );
  const library = pythonLibrary();
  if (!library) throw new Error('quality bench: no Python library found (/usr/lib/python3.x or ~/.pyenv)');
  const py = pickFiles(
    [library],
    (file) => file.endsWith('.py') && !file.includes('site-packages'),
    FILES_PER_LANGUAGE,
  );
  const holes: Hole[] = [];
  for (const [files, languageId] of [
    [ts, 'typescript'],
    [js, 'javascript'],
    [py, 'python'],
  ] as const)
    for (const file of files)
      holes.push(...holesOf(file, languageId, fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n')));
  return holes;
}

async function main(): Promise<void> {
  const holes = corpus();
  let current: Hole | undefined;
  let prefixMismatches = 0;
  const server = await startScriptedModelServer({
    timeToFirstTokenMs: 0,
    perTokenDelayMs: 0,
    script: (request) => {
      const hole = current;
      const prefix = fillPrefix(request.promptText);
      if (!hole || !endsLike(hole.original.slice(0, hole.offset), prefix.slice(-PREFIX_CHECK_CHARS))) {
        prefixMismatches++;
        return { text: '' };
      }
      return { text: oracleAnswer(hole) };
    },
  });
  const client = new ModelClient({ baseUrl: server.url, log: new RequestLog({ capacity: 1000 }) });
  const gate = new TrustGate({ model: client, rules: new ExclusionRules({ roots: ['/bench'] }) });

  const byKind = new Map<string, { cases: number; shown: number; exact: number }>();
  const misses: string[] = [];
  let shown = 0;
  let exact = 0;
  for (const hole of holes) {
    current = hole;
    const doc = new LineDocument(
      `quality://${hole.file}`,
      `/bench/${path.basename(hole.file)}`,
      hole.languageId,
      hole.text,
    );
    const engine = new CompletionEngine({
      gate,
      settings: () => settings,
      sources: {
        similarity: new SimilarityIndex(),
        openDocument: () => undefined,
        isExcluded: (p) => gate.isExcluded(p),
      },
      policy: new TriggerPolicy({ baseDelayMs: 0, minDelayMs: 0 }),
    });
    const indentUnit = detectIndentUnit(hole.text.split('\n').slice(0, 200));
    const before = hole.text.slice(0, hole.offset);
    const pos = {
      line: before.split('\n').length - 1,
      character: hole.offset - (before.lastIndexOf('\n') + 1),
    };
    const result = await engine.provide({
      doc,
      pos,
      explicit: false,
      indentUnit,
      tabSize: 4,
      signal: new AbortController().signal,
    });
    engine.dispose();
    const inserted = result?.suggestions[0] ?? '';
    const restored = hole.text.slice(0, hole.offset) + inserted + hole.text.slice(hole.offset);
    const stats = byKind.get(`${hole.languageId} ${hole.kind}`) ?? { cases: 0, shown: 0, exact: 0 };
    byKind.set(`${hole.languageId} ${hole.kind}`, stats);
    stats.cases++;
    if (inserted) {
      shown++;
      stats.shown++;
    }
    if (restored === hole.original) {
      exact++;
      stats.exact++;
    } else {
      const line = hole.original.slice(0, hole.offset).split('\n').length;
      misses.push(
        `${path.relative(root, hole.file)}:${line} (${hole.kind}): wanted ${JSON.stringify(hole.missing)}, got ${JSON.stringify(inserted)}`,
      );
    }
  }
  await server.close();

  for (const [kind, stats] of [...byKind].sort())
    console.log(`  ${kind}: ${stats.exact}/${stats.cases} exact, ${stats.shown} shown`);
  if (misses.length) console.log(`misses:\n  ${misses.join('\n  ')}`);
  if (prefixMismatches)
    console.log(`requests whose prompt did not end with the file's text: ${prefixMismatches}`);
  const cases = holes.length;
  writeSuiteResult('quality', {
    cases,
    shown_rate: round(shown / cases, 4),
    exact_rate: round(exact / cases, 4),
  });
  const failures: string[] = [];
  if (cases < MIN_CASES) failures.push(`only ${cases} holes (at least ${MIN_CASES} wanted)`);
  if (exact / cases < MIN_EXACT_RATE)
    failures.push(`exact_rate ${round(exact / cases, 4)} < ${MIN_EXACT_RATE}`);
  if (failures.length) {
    console.error(`quality bench: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
