import * as assert from 'node:assert/strict';
import { ModelClient, RequestLog } from '../../../src/model';
import {
  ExclusionRules,
  SecretVault,
  TrustExclusionError,
  TrustGate,
  type RequestLogMode,
} from '../../../src/trust';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';

const root = '/work/app';
const awsKey = 'AKIAFAKEQ2ZRT3ML7VB2';
const dbPassword = 'Xy7!pQ2#rT9mL4vB';
const pemBody = Array.from(
  { length: 30 },
  (_, i) => `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC${String(i).padStart(13, 'x')}`,
).join('\n');
const source = [
  'import { connect } from "./db";',
  `const awsKey = "${awsKey}";`,
  `const db = connect({ user: "app", password: "${dbPassword}" });`,
  'export function total(items: number[]) {',
  '  return items.reduce((a, b) => a + b, 0);',
  '}',
  '',
].join('\n');

describe('trust: the gate', () => {
  let server: ScriptedModelServer;
  let log: RequestLog;
  let mode: RequestLogMode;
  let gate: TrustGate;

  before(async () => {
    server = await startScriptedModelServer({
      script: (request) => {
        // Echo a placeholder back, as a model proposing an edit through a redacted line would.
        const placeholder = /TANDEM_REDACTED_PASSWORD_\d+_[a-z0-9]{4}/.exec(request.promptText)?.[0];
        return { text: placeholder ? `password: "${placeholder}"` : 'ok' };
      },
    });
  });
  after(() => server.close());
  beforeEach(() => {
    log = new RequestLog();
    mode = 'memory';
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(`${root}/.tandemignore`, 'private/\n');
    gate = new TrustGate({
      model: new ModelClient({ baseUrl: server.url, log }),
      rules,
      vault: new SecretVault('g4te'),
      requestLogMode: () => mode,
    });
  });

  it("sends a shared session file by its session path, and never the session's .env", async () => {
    gate.setSessionGlobs('tandem://team-room', []);
    const gated = gate.chat({
      feature: 'panel',
      model: 'chat-model',
      instructions: 'What does app.ts do?',
      context: [
        { text: source, source: { kind: 'file', path: 'tandem://team-room/src/app.ts' } },
        {
          text: 'AWS_SECRET=shared-by-mistake-123',
          source: { kind: 'file', path: 'tandem://team-room/.env' },
        },
      ],
    });
    await gated.call.result;
    const body = server.requests.at(-1)!.rawBody;
    assert.ok(!body.includes('shared-by-mistake-123'), 'the session .env stays out');
    assert.ok(
      !body.includes(awsKey) && !body.includes(dbPassword),
      'secrets in the shared file are redacted',
    );
    assert.match(
      body,
      /path=\\"tandem:\/\/team-room\/src\/app\.ts\\"/,
      'the model sees the session address, which its answer can name',
    );
    assert.deepEqual(
      gated.report.dropped.map((dropped) => dropped.source.path),
      ['tandem://team-room/.env'],
    );
    assert.throws(
      () =>
        gate.fill({ model: 'm', document: { path: 'tandem://team-room/.env' }, prefix: 'A=', suffix: '' }),
      TrustExclusionError,
    );
  });

  it('sends chat context redacted and fenced, never excluded files, and logs what it did', async () => {
    const gated = gate.chat({
      feature: 'panel',
      model: 'chat-model',
      instructions: 'Why does total() fail?',
      context: [
        {
          text: source,
          source: { kind: 'file', path: `${root}/src/app.ts`, range: { startLine: 0, endLine: 7 } },
        },
        { text: 'AWS_SECRET=excluded-content-123', source: { kind: 'file', path: `${root}/.env` } },
        { text: 'private notes', source: { kind: 'file', path: `${root}/private/notes.md` } },
      ],
    });
    await gated.call.result;
    const sent = server.requests.at(-1)!.rawBody;
    assert.ok(
      !sent.includes(awsKey) && !sent.includes(JSON.stringify(dbPassword).slice(1, -1)),
      'no secret reaches the server',
    );
    assert.ok(
      !sent.includes('excluded-content-123') && !sent.includes('private notes'),
      'no excluded content',
    );
    assert.match(sent, /TANDEM_REDACTED_AWS_ACCESS_KEY_ID_1_g4te/);
    assert.match(sent, new RegExp(`untrusted-${gated.report.nonce}`));
    assert.deepEqual(
      gated.report.dropped.map((dropped) => dropped.source.path),
      [`${root}/.env`, `${root}/private/notes.md`],
    );
    const record = log.list()[0];
    assert.equal(record.feature, 'panel');
    assert.deepEqual(record.attachment?.sources, [
      { path: 'src/app.ts', range: { startLine: 0, endLine: 7 } },
    ]);
    assert.deepEqual(record.attachment?.excluded, ['.env', 'private/notes.md']);
    assert.deepEqual(
      record.attachment?.redactions?.map((redaction) => [redaction.kind, redaction.source?.path]),
      [
        ['aws_access_key_id', 'src/app.ts'],
        ['password', 'src/app.ts'],
      ],
    );
    assert.ok(
      record.sent?.messages?.some((message) => message.content.includes('TANDEM_REDACTED_')),
      'the log keeps the prompt as sent',
    );
  });

  it('restores a placeholder the model wrote back to the original secret, locally', async () => {
    const gated = gate.chat({
      feature: 'edit',
      model: 'chat-model',
      instructions: 'Rewrite the db line as YAML',
      context: [{ text: source, source: { kind: 'file', path: `${root}/src/app.ts` } }],
    });
    const answer = (await gated.call.result).text;
    assert.match(answer, /TANDEM_REDACTED_PASSWORD_1_g4te/);
    assert.equal(gated.restore(answer).text, `password: "${dbPassword}"`);
    let streamed = '';
    const again = gate.chat({
      feature: 'edit',
      model: 'chat-model',
      instructions: 'again',
      context: [{ text: source, source: { kind: 'file', path: `${root}/src/app.ts` } }],
    });
    const restorer = again.streamRestorer();
    for await (const delta of again.call) streamed += restorer.push(delta.text);
    streamed += restorer.flush();
    assert.equal(streamed, `password: "${dbPassword}"`);
  });

  it('sends no secret of an earlier answer back as history, even where no pattern would find it', async () => {
    const first = gate.chat({
      feature: 'panel',
      model: 'chat-model',
      instructions: 'Rewrite the db line as YAML',
      context: [{ text: source, source: { kind: 'file', path: `${root}/src/app.ts` } }],
    });
    // The answer as the panel shows it: placeholders restored to the raw password.
    const shown = first.restore((await first.call.result).text).text;
    assert.ok(shown.includes(dbPassword));
    // The next turn quotes it bare, without the `password` name the scanner keys on.
    const second = gate.chat({
      feature: 'panel',
      model: 'chat-model',
      instructions: `Is ${dbPassword} strong enough?`,
      history: [
        { role: 'user', instructions: 'Rewrite the db line as YAML' },
        { role: 'assistant', content: `Here it is: ${dbPassword} and ${awsKey.toLowerCase()}` },
      ],
    });
    await second.call.result;
    const body = server.requests.at(-1)!.rawBody;
    assert.ok(!body.includes(dbPassword), 'the raw password went out as history or instructions');
    assert.match(body, /TANDEM_REDACTED_PASSWORD_1_g4te/);
    assert.equal(gate.redactKnown(`saved: ${dbPassword}`), 'saved: TANDEM_REDACTED_PASSWORD_1_g4te');
  });

  it('restores a placeholder only into the document or session its secret came from', async () => {
    gate.setSessionGlobs('tandem://room-1', []);
    const privateFile = '/home/bob/private/keys.ts';
    const gated = gate.chat({
      feature: 'panel',
      model: 'chat-model',
      instructions: 'Copy the password into the shared config',
      context: [{ text: `const password = "${dbPassword}";\n`, source: { kind: 'file', path: privateFile } }],
    });
    const answer = (await gated.call.result).text;
    const shared = 'tandem://room-1/src/config.ts';
    const into = gate.restore(answer, shared);
    assert.ok(!into.text.includes(dbPassword), "a guest's private secret landed in a shared file");
    assert.deepEqual(into.withheld, ['TANDEM_REDACTED_PASSWORD_1_g4te']);
    assert.equal(gate.restore(answer, privateFile).text, `password: "${dbPassword}"`);
    // A secret from one file of a session may be written into another file of the same session.
    const sessionAnswer = gate.chat({
      feature: 'panel',
      model: 'chat-model',
      instructions: 'again',
      context: [{ text: source, source: { kind: 'file', path: 'tandem://room-1/src/db.ts' } }],
    });
    const again = (await sessionAnswer.call.result).text;
    assert.equal(gate.restore(again, shared).text, `password: "${dbPassword}"`);
  });

  it('attaches nothing to the log when tandem.trust.requestLog is off', async () => {
    mode = 'off';
    const gated = gate.chat({
      feature: 'panel',
      model: 'chat-model',
      instructions: 'hi',
      context: [{ text: source, source: { kind: 'file', path: `${root}/src/app.ts` } }],
    });
    await gated.call.result;
    assert.equal(gated.report.attachment, undefined);
    assert.equal(log.list()[0].attachment, undefined);
  });

  it('redacts the user instructions too, without fencing them', () => {
    const prepared = gate.prepareChat({
      feature: 'panel',
      model: 'm',
      instructions: `use key ${awsKey} please`,
    });
    assert.equal(prepared.messages[1].content, 'use key TANDEM_REDACTED_AWS_ACCESS_KEY_ID_1_g4te please');
  });

  it('fills with a raw (unfenced) redacted prefix and suffix', async () => {
    const cursor = source.indexOf('return');
    const gated = gate.fill({
      model: 'qwen2.5-coder:1.5b-base',
      document: { path: `${root}/src/app.ts`, languageId: 'typescript' },
      prefix: source.slice(0, cursor),
      suffix: source.slice(cursor),
    });
    await gated.call.result;
    const body = server.requests.at(-1)!.body as { prompt: string };
    assert.ok(body.prompt.startsWith('<|fim_prefix|>import { connect }'), body.prompt.slice(0, 40));
    assert.ok(!body.prompt.includes(awsKey) && !body.prompt.includes(dbPassword));
    assert.ok(!body.prompt.includes('untrusted-'), 'no fences inside a FIM prompt');
    assert.match(body.prompt, /<\|fim_suffix\|>return items/);
    assert.equal(log.list()[0].feature, 'completion');
  });

  it('puts a secret that spans the cursor into the prefix as one placeholder', () => {
    const line = `const token = "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";\n`;
    const cut = line.indexOf('ZrT3');
    const prepared = gate.prepareFill({
      model: 'm',
      document: { path: `${root}/src/t.ts` },
      prefix: line.slice(0, cut),
      suffix: line.slice(cut),
    });
    assert.equal(prepared.input.prefix, 'const token = "TANDEM_REDACTED_GITHUB_TOKEN_1_g4te');
    assert.equal(prepared.input.suffix, '";\n');
  });

  it('redacts the part of a private key inside a window whose BEGIN line is above it', () => {
    const document = `const x = 1;\nconst pem = \`-----BEGIN PRIVATE KEY-----\n${pemBody}\n-----END PRIVATE KEY-----\`;\nexport {};\n`;
    const windowStart = document.indexOf('\n', document.indexOf('BEGIN')) + 200;
    const prefix = document.slice(windowStart, document.indexOf('END') - 10);
    const suffix = document.slice(document.indexOf('END') - 10);
    const prepared = gate.prepareFill({
      model: 'm',
      document: { path: `${root}/src/k.ts`, text: document, prefixOffset: windowStart },
      prefix,
      suffix,
    });
    const sent = prepared.input.prefix + prepared.input.suffix;
    for (const line of pemBody.split('\n'))
      assert.ok(!sent.includes(line.slice(-20)), 'no key material is sent');
    assert.match(prepared.input.prefix, /^TANDEM_REDACTED_PRIVATE_KEY_1_g4te/);
    // Without the document, the window alone would leak the body.
    const blind = gate.prepareFill({ model: 'm', document: { path: `${root}/src/k.ts` }, prefix, suffix });
    assert.ok(blind.input.prefix.includes(pemBody.split('\n')[5]));
  });

  it('refuses to fill an excluded file and says why', () => {
    assert.throws(
      () => gate.fill({ model: 'm', document: { path: `${root}/.env.local` }, prefix: 'A=', suffix: '' }),
      (error: unknown) =>
        error instanceof TrustExclusionError && /\.env\.local matches .*built-in/.test(error.message),
    );
    assert.equal(gate.isExcluded(`${root}/private/x.md`), true);
    assert.match(gate.explainExclusion(`${root}/private/x.md`), /private\/.*\.tandemignore/);
  });

  it('drops excluded snippets from a fill and redacts the rest', () => {
    const prepared = gate.prepareFill({
      model: 'm',
      document: { path: `${root}/src/app.ts` },
      prefix: 'const a = ',
      suffix: ';\n',
      snippets: [
        { text: `export const key = "${awsKey}";`, source: { kind: 'file', path: `${root}/src/keys.ts` } },
        { text: 'SECRET=1', source: { kind: 'file', path: `${root}/config/.env` } },
      ],
    });
    assert.deepEqual(prepared.input.snippets, [
      { path: 'src/keys.ts', text: 'export const key = "TANDEM_REDACTED_AWS_ACCESS_KEY_ID_1_g4te";' },
    ]);
    assert.equal(prepared.report.dropped.length, 1);
    assert.equal(prepared.input.filePath, 'src/app.ts');
  });
});
