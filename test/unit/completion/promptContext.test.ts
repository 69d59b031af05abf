import * as assert from 'node:assert/strict';
import { buildCompletionContext, type ContextSources } from '../../../src/completion/context/promptContext';
import { RecentRanges } from '../../../src/completion/context/recentRanges';
import { jaccard, SimilarityIndex, wordsOf } from '../../../src/completion/context/similarity';
import { LineDocument } from '../../../src/completion/documentText';
import { estimateTokens } from '../../../src/completion/tokenEstimate';

/** A TypeScript file of `n` numbered functions. */
function longFile(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++)
    parts.push(
      `export function handler${i}(request: Request): Response {`,
      `  return respond(request, ${i});`,
      '}',
      '',
    );
  return parts.join('\n');
}

function sourcesFor(docs: LineDocument[], overrides: Partial<ContextSources> = {}): ContextSources {
  const byKey = new Map(docs.map((doc) => [doc.key, doc]));
  return { openDocument: (key) => byKey.get(key), isExcluded: (path) => /\.env/.test(path), ...overrides };
}

const userService = new LineDocument(
  'file:///src/userService.ts',
  '/src/userService.ts',
  'typescript',
  [
    'export class UserService {',
    '  constructor(private readonly repository: UserRepository, private readonly mailer: Mailer) {}',
    '',
    '  async register(email: string, password: string): Promise<User> {',
    '    const existing = await this.repository.findByEmail(email);',
    '    if (existing) throw new ConflictError(`${email} is already registered`);',
    '    const user = await this.repository.create({ email, passwordHash: await hash(password) });',
    '    await this.mailer.sendWelcome(user.email);',
    '    return user;',
    '  }',
    '}',
  ].join('\n'),
);
const unrelated = new LineDocument(
  'file:///src/colors.ts',
  '/src/colors.ts',
  'typescript',
  [
    'export const palette = {',
    "  primary: '#0057b8',",
    "  accent: '#ffd700',",
    "  muted: '#8a8a8a',",
    '};',
  ].join('\n'),
);

describe('completion context', () => {
  it('estimates tokens quickly and a little on the high side', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('return x;'), 3);
    const code = 'const user = await this.repository.findByEmail(email);';
    // A BPE tokenizer gives this about 12 tokens.
    assert.ok(estimateTokens(code) >= 12 && estimateTokens(code) <= 18, `${estimateTokens(code)}`);
    assert.equal(estimateTokens('        '), 2);
  });

  it('takes prefix and suffix around the cursor within the budget, prefix first', () => {
    const doc = new LineDocument('file:///big.ts', '/big.ts', 'typescript', longFile(3000));
    const pos = { line: 6001, character: 10 };
    const context = buildCompletionContext(doc, pos, { maxPromptTokens: 2048 });
    assert.ok(context.tokens.total <= 2048, `total ${context.tokens.total}`);
    assert.ok(context.tokens.total > 1900, `uses the budget: ${context.tokens.total}`);
    assert.ok(
      context.prefix.endsWith('export function handler1500(request: Request): Response {\n  return r'),
    );
    assert.ok(context.suffix.startsWith('espond(request, 1500);\n}'));
    assert.ok(context.tokens.prefix > 3 * context.tokens.suffix, 'the prefix gets most of the budget');
    // Exactly the lines it says it covers.
    const lines = context.prefix.split('\n');
    assert.equal(lines[0], doc.lineAt(context.prefixStartLine));
    assert.equal(context.suffix.split('\n').at(-1), doc.lineAt(context.suffixEndLine));
    assert.equal(context.path, '/big.ts');
    assert.equal(context.languageId, 'typescript');
  });

  it('shrinks with the budget setting', () => {
    const doc = new LineDocument('file:///big.ts', '/big.ts', 'typescript', longFile(500));
    const small = buildCompletionContext(doc, { line: 1000, character: 0 }, { maxPromptTokens: 256 });
    const large = buildCompletionContext(doc, { line: 1000, character: 0 }, { maxPromptTokens: 4096 });
    assert.ok(small.tokens.total <= 256 && large.tokens.total <= 4096);
    assert.ok(large.prefix.length > 10 * small.prefix.length);
  });

  it('keeps the end of a single huge line', () => {
    const doc = new LineDocument(
      'file:///min.js',
      '/min.js',
      'javascript',
      'var a=' + 'f(1),'.repeat(20_000),
    );
    const context = buildCompletionContext(doc, { line: 0, character: 100_006 }, { maxPromptTokens: 512 });
    assert.ok(context.tokens.total <= 512, `${context.tokens.total}`);
    assert.ok(context.prefix.endsWith('f(1),f(1),'));
  });

  it('adds a similar window of another open file, not an unrelated one', () => {
    const doc = new LineDocument(
      'file:///src/userController.ts',
      '/src/userController.ts',
      'typescript',
      'export async function postRegister(req: Request) {\n  const { email, password } = req.body;\n  const user = await service.register(email, ',
    );
    const similarity = new SimilarityIndex();
    similarity.update(userService, 1);
    similarity.update(unrelated, 1);
    const context = buildCompletionContext(
      doc,
      { line: 2, character: 45 },
      { maxPromptTokens: 2048 },
      sourcesFor([doc, userService, unrelated], { similarity }),
    );
    assert.equal(context.snippets.length, 1);
    assert.equal(context.snippets[0].path, '/src/userService.ts');
    assert.equal(context.snippets[0].source, 'similar');
    assert.match(context.snippets[0].text, /async register\(email: string, password: string\)/);
  });

  it('adds recently edited and viewed ranges within the snippet share', () => {
    const doc = new LineDocument('file:///src/app.ts', '/src/app.ts', 'typescript', longFile(200));
    const edits = new RecentRanges();
    const views = new RecentRanges();
    edits.record(userService.key, 6, 6);
    views.record(doc.key, 100, 110); // far from the cursor, in the same file
    views.record(doc.key, 795, 799); // overlaps the prefix: never repeated
    const context = buildCompletionContext(
      doc,
      { line: 790, character: 2 },
      { maxPromptTokens: 2048 },
      sourcesFor([doc, userService], { edits, views }),
    );
    const sources = context.snippets.map(
      (snippet) => `${snippet.source}:${snippet.path}:${snippet.startLine}`,
    );
    assert.deepEqual(sources.sort(), ['edited:/src/userService.ts:3', 'viewed:/src/app.ts:96']);
    const viewed = context.snippets.find((snippet) => snippet.source === 'viewed')!;
    assert.equal(viewed.text.split('\n')[0], doc.lineAt(96));
    assert.equal(viewed.text.split('\n').length, viewed.endLine - viewed.startLine);
    assert.ok(context.tokens.snippets <= 2048 * 0.25);
    assert.ok(context.tokens.total <= 2048);
  });

  it('never uses excluded or closed files', () => {
    const secrets = new LineDocument(
      'file:///.env',
      '/.env',
      'dotenv',
      'API_KEY=register email password user',
    );
    const doc = new LineDocument(
      'file:///src/a.ts',
      '/src/a.ts',
      'typescript',
      'const user = register(email, password',
    );
    const edits = new RecentRanges();
    edits.record(secrets.key, 0, 0);
    edits.record('file:///closed.ts', 0, 3);
    const similarity = new SimilarityIndex();
    similarity.update(secrets, 1);
    const context = buildCompletionContext(
      doc,
      { line: 0, character: 38 },
      { maxPromptTokens: 2048 },
      sourcesFor([doc, secrets], { edits, similarity }),
    );
    assert.deepEqual(context.snippets, []);
  });

  it('scores Jaccard similarity over identifiers, keywords left out', () => {
    assert.equal(jaccard(wordsOf('const user = findUser(id)'), wordsOf('let user = findUser(name)')), 0.5);
    assert.equal(jaccard(wordsOf('return true'), wordsOf('if (true) return')), 0);
  });
});

describe('recent ranges', () => {
  it('merges nearby edits, keeps three per document and ten documents, and forgets after two minutes', () => {
    let now = 0;
    const ranges = new RecentRanges({}, () => now);
    ranges.record('a', 10, 10);
    ranges.record('a', 12, 12);
    assert.deepEqual(
      ranges.recent().map((r) => [r.startLine, r.endLine]),
      [[10, 12]],
    );
    ranges.record('a', 100, 100);
    ranges.record('a', 200, 200);
    ranges.record('a', 300, 300);
    assert.equal(ranges.recent().length, 3);
    for (let i = 0; i < 12; i++) ranges.record(`doc${i}`, 0, 0);
    assert.equal(new Set(ranges.recent().map((r) => r.docKey)).size, 10);
    now += 121_000;
    assert.deepEqual(ranges.recent(), []);
  });

  it('follows lines inserted above a range', () => {
    const ranges = new RecentRanges({}, () => 0);
    ranges.record('a', 10, 12);
    ranges.shift('a', 5, 3);
    assert.deepEqual(
      ranges.recent().map((r) => [r.startLine, r.endLine]),
      [[13, 15]],
    );
  });
});
