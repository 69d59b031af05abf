import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelClient, type PromptFormat } from '../../../src/model';
import {
  startScriptedModelServer,
  tokenize,
  type ScriptFile,
  type ScriptedModelServer,
} from '../../fixtures/model-server';

async function post(server: ScriptedModelServer, endpoint: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test': 'yes' },
    body: JSON.stringify(body),
  });
}

describe('scripted model server', () => {
  let server: ScriptedModelServer;
  afterEach(() => server?.close());

  it('matches rules by substring, regex, endpoint and model, in order, honouring `times`', async () => {
    server = await startScriptedModelServer({
      script: [
        { match: 'once', times: 1, text: 'first time' },
        { match: /^regex \d+$/, text: 'by regex' },
        { match: { regex: 'JSON-STYLE', flags: 'i' }, text: 'by json regex' },
        { endpoint: 'chat/completions', text: 'any chat' },
        { model: 'special', text: 'by model' },
      ],
      fallback: { completion: 'fallback' },
    });
    const client = new ModelClient({ baseUrl: server.url });
    const text = async (prompt: string, model = 'm') =>
      (await client.complete({ model, prompt }).result).text;
    assert.equal(await text('say once'), 'first time');
    assert.equal(await text('say once'), 'fallback');
    assert.equal(await text('regex 42'), 'by regex');
    assert.equal(await text('json-style'), 'by json regex');
    assert.equal(await text('anything', 'special'), 'by model');
    assert.equal(
      (await client.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).result).text,
      'any chat',
    );
  });

  it('answers from a function and records what it was sent', async () => {
    server = await startScriptedModelServer({
      script: (request) => ({ text: `${request.endpoint}:${request.model}:${request.promptText}` }),
    });
    const response = await post(server, 'completions', {
      model: 'fn',
      prompt: 'abc',
      suffix: 'xyz',
      stream: false,
    });
    const body = await response.json();
    assert.equal(body.choices[0].text, 'completions:fn:abc\n<<<SUFFIX>>>\nxyz');
    const [request] = server.requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v1/completions');
    assert.equal(request.headers['x-test'], 'yes');
    assert.deepEqual(request.body, { model: 'fn', prompt: 'abc', suffix: 'xyz', stream: false });
    assert.equal(request.finished, true);
    assert.equal(request.aborted, false);
  });

  it('sends OpenAI chat chunks: a role chunk, content, an empty finishing delta, usage, [DONE]', async () => {
    server = await startScriptedModelServer({ script: [{ text: 'hi you' }] });
    const response = await post(server, 'chat/completions', {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    assert.equal(frames.at(-1), 'data: [DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice('data: '.length)));
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '', refusal: null });
    assert.deepEqual(
      chunks.slice(1, 3).map((chunk) => chunk.choices[0].delta.content),
      ['hi', ' you'],
    );
    assert.deepEqual(chunks[3].choices[0], { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    assert.deepEqual(chunks[4].choices, []);
    assert.deepEqual(chunks[4].usage, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    assert.ok(
      chunks.slice(0, 4).every((chunk) => chunk.usage === null),
      'usage: null until the last chunk',
    );
  });

  it('sends Ollama chat chunks (role on every delta, fp_ollama, no role chunk)', async () => {
    server = await startScriptedModelServer({ flavor: 'ollama', script: [{ text: 'hi' }] });
    const response = await post(server, 'chat/completions', { model: 'm', messages: [], stream: true });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice(6)));
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: 'hi' });
    assert.equal(chunks[0].system_fingerprint, 'fp_ollama');
    assert.deepEqual(chunks[1].choices[0].delta, { role: 'assistant', content: '' });
    assert.equal(chunks[1].choices[0].finish_reason, 'stop');
    assert.equal(chunks.length, 2, 'no usage chunk unless asked');
  });

  it('answers n > 1 candidates as JSON too', async () => {
    server = await startScriptedModelServer({ script: [{ text: ['a', 'b', 'c'] }] });
    const body = await (await post(server, 'chat/completions', { model: 'm', messages: [], n: 3 })).json();
    assert.deepEqual(
      body.choices.map((choice: { message: { content: string } }) => choice.message.content),
      ['a', 'b', 'c'],
    );
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.usage.completion_tokens, 3);
  });

  it('honours time to first token and per-token delay', async () => {
    server = await startScriptedModelServer({
      script: [{ tokens: ['a', 'b', 'c', 'd'], timeToFirstTokenMs: 150, perTokenDelayMs: 50 }],
    });
    const client = new ModelClient({ baseUrl: server.url });
    const result = await client.complete({ model: 'm', prompt: 'x' }).result;
    const record = result.record;
    assert.ok(record.firstTokenAt! - record.sentAt! >= 140, 'first token after ~150 ms');
    assert.ok(record.doneAt! - record.firstTokenAt! >= 140, 'three more tokens ~50 ms apart');
    assert.equal(result.text, 'abcd');
  });

  it('notices a client abort and stops generating', async () => {
    server = await startScriptedModelServer({ script: [{ text: 'x '.repeat(100), perTokenDelayMs: 10 }] });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', prompt: 'x', stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const request = await server.waitForAbort(undefined, 1000);
    assert.equal(request.aborted, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sent = request.tokensSent;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(request.tokensSent, sent, 'no tokens after the abort');
    assert.ok(sent < 100);
  });

  it('answers 404 for unknown models when it has a model list, and for unknown paths', async () => {
    server = await startScriptedModelServer({ models: ['only-model'] });
    const missing = await post(server, 'completions', { model: 'other', prompt: 'x' });
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).error.message, /The model `other` does not exist/);
    const path404 = await post(server, 'embeddings', { model: 'only-model' });
    assert.equal(path404.status, 404);
    const models = await (await fetch(`${server.url}/models`)).json();
    assert.deepEqual(models, {
      object: 'list',
      data: [{ id: 'only-model', object: 'model', created: 1_700_000_000, owned_by: 'tandem-scripted' }],
    });
  });

  it('injects any status with Retry-After', async () => {
    server = await startScriptedModelServer({
      script: [{ failure: { status: 418, retryAfter: 3, message: 'teapot' } }],
    });
    const response = await post(server, 'completions', { model: 'm', prompt: 'x' });
    assert.equal(response.status, 418);
    assert.equal(response.headers.get('retry-after'), '3');
    assert.equal((await response.json()).error.message, 'teapot');
  });

  it('splits text into tokens that join back exactly', () => {
    for (const text of [
      '',
      'a',
      '  leading and trailing  ',
      'def f(x):\n\treturn x**2  # ✓ 🚀\n',
      'héllo,wörld!!',
    ]) {
      assert.equal(tokenize(text).join(''), text);
    }
    assert.deepEqual(tokenize('return a + b;'), ['return', ' a', ' +', ' b', ';']);
  });
});

describe('the example script (npm run model-server)', () => {
  const file = path.resolve(__dirname, '../../../../test/fixtures/model-server/example-script.json');
  const script: ScriptFile = JSON.parse(fs.readFileSync(file, 'utf8'));
  let server: ScriptedModelServer;
  before(async () => {
    server = await startScriptedModelServer({ script: script.rules, fallback: script.fallback });
  });
  after(() => server.close());

  const formats: PromptFormat[] = [
    'qwen',
    'deepseek',
    'starcoder',
    'codellama',
    'codestral',
    'codegemma',
    'openai-suffix',
    'chat',
  ];
  for (const format of formats) {
    it(`completes the sample workspace's greeter.ts in the ${format} format`, async () => {
      const client = new ModelClient({ baseUrl: server.url });
      const prefix = fs
        .readFileSync(path.resolve(file, '../../workspace/src/greeter.ts'), 'utf8')
        .concat('\nexport function farewell(');
      const result = await client.fill({ prefix, suffix: '\n' }, { model: 'm', format }).result;
      assert.match(result.text, /^\{ name, language \}: Greeting\): string \{\n {2}const farewells/);
    });
  }

  it('answers a chat request with SEARCH/REPLACE blocks for greeter.ts', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const result = await client.chat({
      model: 'm',
      messages: [{ role: 'user', content: 'Add Spanish to the greeter' }],
    }).result;
    assert.equal((result.text.match(/<<<<<<< SEARCH/g) ?? []).length, 2);
    assert.match(result.text, /src\/greeter\.ts/);
    const greeter = fs.readFileSync(path.resolve(file, '../../workspace/src/greeter.ts'), 'utf8');
    for (const block of result.text.matchAll(/<<<<<<< SEARCH\n([\s\S]*?)\n=======/g)) {
      assert.ok(greeter.includes(block[1]), `the SEARCH text is in greeter.ts:\n${block[1]}`);
    }
  });

  it('falls back to a chat answer that says what to try', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const result = await client.chat({ model: 'm', messages: [{ role: 'user', content: 'what is 2+2' }] })
      .result;
    assert.match(result.text, /scripted model server/);
  });
});
