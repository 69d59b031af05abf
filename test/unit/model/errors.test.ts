import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ModelClient, ModelError, type ModelErrorKind } from '../../../src/model';
import { isOpenAiServer } from '../../../src/model/apiKeyPolicy';
import { retryAfterMs } from '../../../src/model/errorMapping';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';

/** Awaits a call's result and returns the ModelError it must fail with. */
async function failure(promise: Promise<unknown>, kind: ModelErrorKind): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ModelError, `a ModelError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected a ${kind} failure, the request succeeded`);
}

const chat = { model: 'm', messages: [{ role: 'user' as const, content: 'go' }] };

describe('model errors a user can act on', () => {
  let server: ScriptedModelServer;
  let client: ModelClient;
  beforeEach(async () => {
    server = await startScriptedModelServer();
    client = new ModelClient({ baseUrl: server.url, connectTimeoutMs: 300, requestTimeoutMs: 2000 });
  });
  afterEach(() => server.close());

  it('401 without a key: says none is set and offers Set API Key', async () => {
    await server.close();
    server = await startScriptedModelServer({ apiKey: 'sk-right' });
    client = new ModelClient({ baseUrl: server.url });
    const error = await failure(client.chat(chat).result, 'auth');
    assert.match(error.message, /needs an API key \(401\) and none is set/);
    assert.match(
      error.message,
      /OPENAI_API_KEY is sent only to api\.openai\.com/,
      'why the variable did not help',
    );
    assert.match(error.message, new RegExp(server.url.replace(/[.]/g, '\\.')));
    assert.deepEqual(
      error.actions.map((action) => action.command),
      ['tandem.setApiKey', 'workbench.action.openSettings'],
    );
    const wrong = new ModelClient({ baseUrl: server.url, apiKey: () => 'sk-wrong' });
    const rejected = await failure(wrong.chat(chat).result, 'auth');
    assert.match(rejected.message, /rejected the API key \(401\)/);
    const right = new ModelClient({ baseUrl: server.url, apiKey: () => 'sk-right' });
    assert.equal((await right.chat(chat).result).record.outcome, 'ok');
  });

  it('403: says access was refused and offers Set API Key', async () => {
    server.setScript([{ failure: { status: 403 } }]);
    const error = await failure(client.chat(chat).result, 'auth');
    assert.match(error.message, /refused access \(403\)/);
    assert.equal(error.actions[0].command, 'tandem.setApiKey');
  });

  it('404 for a model: names the model and lists the server models', async () => {
    await server.close();
    server = await startScriptedModelServer({
      models: ['qwen2.5-coder:1.5b-base', 'llama3.1:8b'],
      flavor: 'ollama',
    });
    client = new ModelClient({ baseUrl: server.url });
    const error = await failure(
      client.chat({ ...chat, model: 'qwen2.5-coder:14b' }).result,
      'model-not-found',
    );
    assert.match(error.message, /Model "qwen2\.5-coder:14b" is not available/);
    assert.match(error.message, /The server offers: qwen2\.5-coder:1\.5b-base, llama3\.1:8b/);
    assert.deepEqual(error.availableModels, ['qwen2.5-coder:1.5b-base', 'llama3.1:8b']);
    assert.equal(error.actions[0].command, 'tandem.selectModel');
  });

  it('404 for a wrong base URL: says to check that it ends in /v1', async () => {
    client = new ModelClient({ baseUrl: server.url.replace(/\/v1$/, '') });
    const error = await failure(client.chat(chat).result, 'endpoint-not-found');
    assert.match(error.message, /ends in \/v1/);
  });

  it('429: retries as Retry-After asks, then succeeds', async () => {
    server.setScript([{ times: 1, failure: { status: 429, retryAfter: 1 } }, { text: 'finally' }]);
    const result = await client.chat(chat).result;
    assert.equal(result.text, 'finally');
    assert.equal(result.record.attempts, 2);
    assert.equal(server.requests.length, 2);
    const gap = server.requests[1].receivedAt - server.requests[0].receivedAt;
    assert.ok(gap >= 990, `waited ${gap.toFixed(0)} ms between attempts (Retry-After: 1)`);
  });

  it('429: at most two retries, then an error that says when to retry', async () => {
    server.setScript([{ failure: { status: 429, retryAfter: 0 } }]);
    const error = await failure(client.chat(chat).result, 'rate-limited');
    assert.equal(server.requests.length, 3, 'one request and two retries');
    assert.match(error.message, /rate limiting requests \(429\)/);
  });

  it('429 asking for a longer wait than allowed is not waited for', async () => {
    server.setScript([{ failure: { status: 429, retryAfter: 600 } }]);
    const error = await failure(client.chat(chat).result, 'rate-limited');
    assert.equal(server.requests.length, 1);
    assert.equal(error.retryAfterMs, 600_000);
    assert.match(error.message, /wait 600 s/);
  });

  it('5xx: names the status and the server message, no retry', async () => {
    server.setScript([{ failure: { status: 500, message: 'CUDA out of memory' } }]);
    const error = await failure(client.chat(chat).result, 'server');
    assert.match(error.message, /failed with 500: CUDA out of memory/);
    assert.equal(server.requests.length, 1);
  });

  it('connection refused: names the URL and how to start Ollama or llama.cpp', async () => {
    const port = await closedPort();
    const refused = new ModelClient({ baseUrl: `http://127.0.0.1:${port}/v1` });
    const error = await failure(
      refused.complete({ model: 'qwen2.5-coder:1.5b-base', prompt: 'x' }).result,
      'unreachable',
    );
    assert.match(error.message, new RegExp(`http://127\\.0\\.0\\.1:${port}/v1: connection refused`));
    assert.match(error.message, /`ollama serve`/);
    assert.match(error.message, /`ollama pull qwen2\.5-coder:1\.5b-base`/);
    assert.match(error.message, /`llama-server -m <model\.gguf> --port 8080`/);
    assert.equal(error.actions[0].command, 'workbench.action.openSettings');
  });

  it('slow headers: a connect timeout that names the setting', async () => {
    server.setScript([{ text: 'late', failure: { headersDelayMs: 1000 } }]);
    // Headers come after 1000 ms: a connect-timeout error means the client gave up before them.
    const error = await failure(client.chat(chat).result, 'connect-timeout');
    assert.match(error.message, /within 300 ms/);
    assert.match(error.message, /tandem\.model\.connectTimeoutMs/);
    await server.waitForAbort(server.requests[0], 1000);
  });

  it('a request over the total time: a request timeout, the partial answer discarded', async () => {
    server.setScript([{ text: 'a b c d e f g h i j k l m n o p', perTokenDelayMs: 100 }]);
    client = new ModelClient({ baseUrl: server.url, requestTimeoutMs: 400 });
    const call = client.chat(chat);
    let streamed = '';
    await assert.rejects(
      (async () => {
        for await (const delta of call) streamed += delta.text;
      })(),
      (error) => error instanceof ModelError && error.kind === 'request-timeout',
    );
    assert.ok(streamed.length > 0, 'some text had streamed');
    const error = await failure(call.result, 'request-timeout');
    assert.match(error.message, /tandem\.model\.requestTimeoutMs/);
    await server.waitForAbort(server.requests[0], 1000);
  });

  it('a connection dropped mid-stream: an error, never a truncated result', async () => {
    server.setScript([{ text: 'one two three four five six', failure: { dropAfterTokens: 3 } }]);
    const error = await failure(client.chat(chat).result, 'broken-stream');
    assert.match(error.message, /broke off mid-way/);
    assert.match(error.message, /discarded/);
  });

  it('a stream that ends early without [DONE] or a finish reason: broken', async () => {
    server.setScript([{ text: 'one two three four five six', failure: { endAfterTokens: 2 } }]);
    await failure(client.complete({ model: 'm', prompt: 'x' }).result, 'broken-stream');
  });

  it('a malformed chunk: a malformed error, and the transfer is stopped', async () => {
    server.setScript([
      { text: 'one two three four five six', perTokenDelayMs: 20, failure: { malformedAfterTokens: 2 } },
    ]);
    const error = await failure(client.complete({ model: 'm', prompt: 'x' }).result, 'malformed');
    assert.match(error.message, /not JSON/);
    await server.waitForAbort(server.requests[0], 1000);
  });

  it('an error event mid-stream: the server message, as an error', async () => {
    server.setScript([{ text: 'one two three', failure: { errorEventAfterTokens: 1 } }]);
    const error = await failure(client.chat(chat).result, 'server');
    assert.match(error.message, /the model runner crashed mid-stream/);
  });

  it('a non-streamed body that is not the OpenAI format: malformed', async () => {
    server.setScript([{ failure: { rawBody: '{"choices": "nope"}' } }]);
    await failure(client.chat({ ...chat, stream: false }).result, 'malformed');
    server.setScript([{ failure: { rawBody: '{"id": "cut off' } }]);
    await failure(client.complete({ model: 'm', prompt: 'x', stream: false }).result, 'malformed');
  });

  it('a streamed request answered with one JSON body is read whole, not taken for a broken stream', async () => {
    const whole = {
      choices: [{ index: 0, message: { role: 'assistant', content: 'all at once' }, finish_reason: 'stop' }],
    };
    server.setScript([{ failure: { rawBody: JSON.stringify(whole) } }]);
    const call = client.chat(chat);
    const deltas: string[] = [];
    for await (const delta of call) deltas.push(delta.text);
    assert.deepEqual(deltas, ['all at once']);
    assert.equal((await call.result).text, 'all at once');
  });

  it('errors land in the request log with their kind', async () => {
    server.setScript([{ failure: { status: 500 } }]);
    await failure(client.chat(chat).result, 'server');
    const record = client.log.list()[0];
    assert.equal(record.outcome, 'error');
    assert.equal(record.error?.kind, 'server');
    assert.equal(record.status, 500);
  });

  it('parses Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' }), now), 2000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now), 5000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(new Headers(), now), undefined);
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('the OPENAI_API_KEY fallback', () => {
  it('is meant for OpenAI only: no other server is taken for it', () => {
    assert.equal(isOpenAiServer('https://api.openai.com/v1'), true);
    assert.equal(isOpenAiServer('https://API.OpenAI.com/v1/'), true);
    for (const url of [
      'http://api.openai.com/v1', // not over TLS
      'http://127.0.0.1:11434/v1',
      'https://api.groq.com/openai/v1',
      'https://api.openai.com.evil.example/v1',
      'https://evil.example/api.openai.com/v1',
      'not a url',
    ])
      assert.equal(isOpenAiServer(url), false, url);
  });
});
