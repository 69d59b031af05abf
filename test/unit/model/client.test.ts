import * as assert from 'node:assert/strict';
import { isCancellation, ModelClient, ModelError, RequestLog } from '../../../src/model';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';

const longReply = Array.from({ length: 200 }, (_, i) => `token${i}`).join(' ');

describe('model client', () => {
  let server: ScriptedModelServer;
  before(async () => {
    server = await startScriptedModelServer({
      script: [
        { match: 'slow', text: longReply, perTokenDelayMs: 10 },
        { match: 'pair', text: ['first candidate', 'second candidate'] },
        { match: 'nousage', text: 'one two three', usage: false },
        { match: 'fim', text: 'return a + b<|endoftext|>should not appear' },
        { match: 'hello', text: 'Hello from the script!' },
      ],
    });
  });
  after(() => server.close());

  it('sends a streamed chat request and gets the scripted text', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const result = await client.chat({
      model: 'qwen2.5-coder:7b-instruct',
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 50,
      temperature: 0.2,
    }).result;
    assert.equal(result.text, 'Hello from the script!');
    const sent = server.requests.at(-1)!;
    assert.equal(sent.path, '/v1/chat/completions');
    assert.deepEqual(sent.body?.messages, [{ role: 'user', content: 'hello' }]);
    assert.equal(sent.body?.max_tokens, 50);
    assert.equal(sent.body?.temperature, 0.2);
  });

  it('sends the OpenAI `suffix` field and extra body fields as given', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    await client.complete({ model: 'm', prompt: 'hello', suffix: '}\n', extraBody: { cache_prompt: true } })
      .result;
    const sent = server.requests.at(-1)!;
    assert.equal(sent.body?.suffix, '}\n');
    assert.equal(sent.body?.cache_prompt, true);
  });

  it('returns n candidates, each with its own deltas', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const call = client.complete({ model: 'm', prompt: 'pair', n: 2 });
    const texts = ['', ''];
    for await (const delta of call) texts[delta.index] += delta.text;
    const result = await call.result;
    assert.deepEqual(texts, ['first candidate', 'second candidate']);
    assert.deepEqual(
      result.choices.map((choice) => choice.text),
      ['first candidate', 'second candidate'],
    );
    assert.equal(server.requests.at(-1)!.body?.n, 2);
  });

  it('counts tokens itself when the server reports no usage', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const result = await client.complete({ model: 'm', prompt: 'nousage' }).result;
    assert.deepEqual(result.tokens, { input: 2, output: 3, source: 'counted' });
  });

  it('fills with the model family template and strips stop tokens the server did not honour', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const call = client.fill(
      { prefix: 'fim(a, b):\n    ', suffix: '\n' },
      { model: 'qwen2.5-coder:1.5b-base' },
    );
    let streamed = '';
    for await (const delta of call) streamed += delta.text;
    const result = await call.result;
    assert.equal(result.text, 'return a + b');
    assert.equal(streamed, 'return a + b');
    const sent = server.requests.at(-1)!;
    assert.equal(sent.body?.prompt, '<|fim_prefix|>fim(a, b):\n    <|fim_suffix|>\n<|fim_middle|>');
    assert.ok((sent.body?.stop as string[]).includes('<|endoftext|>'));
    assert.equal(result.record.sent?.prompt, sent.body?.prompt, 'the log keeps the exact prompt sent');
  });

  it('lists the server models', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const models = await client.listModels();
    assert.deepEqual(
      models.map((model) => model.id),
      ['qwen2.5-coder:1.5b-base', 'qwen2.5-coder:7b-instruct'],
    );
  });

  it('sends the key from the provider, and no Authorization header when there is none', async () => {
    let key: string | undefined = 'sk-test-123';
    const client = new ModelClient({ baseUrl: server.url, apiKey: async () => key });
    await client.complete({ model: 'm', prompt: 'hello' }).result;
    assert.equal(server.requests.at(-1)!.headers.authorization, 'Bearer sk-test-123');
    key = undefined;
    await client.complete({ model: 'm', prompt: 'hello' }).result;
    assert.equal(server.requests.at(-1)!.headers.authorization, undefined);
  });

  it('cancelling closes the connection: the server sees the abort within 50 ms', async () => {
    // Client and server share this process, so a machine busy with other work can stall the event loop
    // between the abort and the server noticing it. Each sample therefore also times a zero-delay timer
    // armed at the abort (how long the loop itself was held up) and the stall is not charged to the
    // client. A connection left open is never seen aborted (or only at the stream's end, seconds later).
    const client = new ModelClient({ baseUrl: server.url });
    const samples: { latency: number; stall: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const call = client.complete({ model: 'm', prompt: 'slow' }, { signal: controller.signal });
      const iterator = call[Symbol.asyncIterator]();
      await iterator.next(); // the first token arrived: the stream is live
      const request = server.requests.at(-1)!;
      const abortedAt = performance.now();
      const loopTurn = new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 0));
      controller.abort();
      const seen = await server.waitForAbort(request, 1000);
      const stall = Math.max(0, (await loopTurn) - abortedAt - 1);
      samples.push({ latency: seen.abortedAt! - abortedAt, stall });
      assert.ok(seen.tokensSent < 150, 'the server stopped generating');
      await assert.rejects(call.result, (error) => isCancellation(error));
      await assert.rejects(iterator.next(), (error) => isCancellation(error));
      assert.equal(call.record.outcome, 'cancelled');
    }
    const charged = samples.map((sample) => sample.latency - Math.min(sample.stall, sample.latency));
    const median = [...charged].sort((a, b) => a - b)[2];
    assert.ok(
      median < 50,
      `the server saw the aborts after ${samples.map((x) => `${x.latency.toFixed(1)} (loop stalled ${x.stall.toFixed(1)})`).join(', ')} ms`,
    );
  });

  it('never reads further after an abort: no delta arrives after it', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const call = client.complete({ model: 'm', prompt: 'slow' });
    let afterAbort = 0;
    let aborted = false;
    await assert.rejects(
      (async () => {
        for await (const delta of call) {
          if (aborted) afterAbort++;
          if (delta.text.includes('token3')) {
            call.abort();
            aborted = true;
          }
        }
      })(),
      (error) => isCancellation(error),
    );
    assert.equal(afterAbort, 0);
  });

  it('leaving a for-await loop early aborts the request', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const call = client.complete({ model: 'm', prompt: 'slow' });
    for await (const delta of call) if (delta.text) break;
    const request = server.requests.at(-1)!;
    await server.waitForAbort(request, 1000);
    await assert.rejects(call.result, (error) => error instanceof ModelError && error.kind === 'cancelled');
  });

  it('abortAll() stops every request in flight', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const calls = [1, 2, 3].map(() => client.complete({ model: 'm', prompt: 'slow' }));
    await Promise.all(calls.map((call) => call[Symbol.asyncIterator]().next()));
    const requests = server.requests.slice(-3);
    client.abortAll();
    await Promise.all(requests.map((request) => server.waitForAbort(request, 1000)));
    for (const call of calls) await assert.rejects(call.result, (error) => isCancellation(error));
    assert.equal(
      (await client.complete({ model: 'm', prompt: 'hello' }).result).text,
      'Hello from the script!',
    );
  });

  it('an already-aborted signal sends nothing', async () => {
    const client = new ModelClient({ baseUrl: server.url });
    const before = server.requests.length;
    const call = client.complete({ model: 'm', prompt: 'hello' }, { signal: AbortSignal.abort() });
    await assert.rejects(call.result, (error) => isCancellation(error));
    assert.equal(server.requests.length, before);
  });

  it('records queued, sent, headers, first token and done in order, with tokens and outcome', async () => {
    const log = new RequestLog({ capacity: 3 });
    const client = new ModelClient({ baseUrl: server.url, log });
    const result = await client.chat(
      { model: 'm', messages: [{ role: 'user', content: 'hello' }] },
      {
        feature: 'panel',
        attachment: { sources: [{ path: 'src/a.ts', range: { startLine: 0, endLine: 3 } }] },
      },
    ).result;
    const record = result.record;
    assert.equal(record.outcome, 'ok');
    assert.equal(record.feature, 'panel');
    assert.equal(record.endpoint, 'chat/completions');
    assert.equal(record.attempts, 1);
    assert.equal(record.status, 200);
    assert.ok(record.queuedAt <= record.sentAt!);
    assert.ok(record.sentAt! <= record.headersAt!);
    assert.ok(record.headersAt! <= record.firstTokenAt!);
    assert.ok(record.firstTokenAt! <= record.doneAt!);
    assert.equal(record.tokens?.source, 'usage');
    assert.equal(record.received, 'Hello from the script!');
    assert.deepEqual(record.attachment?.sources, [{ path: 'src/a.ts', range: { startLine: 0, endLine: 3 } }]);
    assert.equal(log.list()[0], record);
  });

  it('uses a new base URL after configure() without being rebuilt', async () => {
    const other = await startScriptedModelServer({ script: [{ text: 'from the other server' }] });
    try {
      const client = new ModelClient({ baseUrl: server.url });
      assert.equal(
        (await client.complete({ model: 'm', prompt: 'hello' }).result).text,
        'Hello from the script!',
      );
      client.configure({ baseUrl: other.url });
      assert.equal(
        (await client.complete({ model: 'm', prompt: 'hello' }).result).text,
        'from the other server',
      );
    } finally {
      await other.close();
    }
  });
});
