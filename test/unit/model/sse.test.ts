import * as assert from 'node:assert/strict';
import { ModelClient, SseParser, type SseEvent } from '../../../src/model';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';

const encoder = new TextEncoder();

/** Feeds `text` to a parser cut into pieces of `size` bytes (splitting UTF-8 sequences too). */
function parseInPieces(text: string, size: number): { events: SseEvent[]; clean: boolean } {
  const bytes = encoder.encode(text);
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (let at = 0; at < bytes.length; at += size) events.push(...parser.push(bytes.subarray(at, at + size)));
  return { events, clean: parser.end() };
}

describe('SSE parsing', () => {
  const stream =
    ': keep-alive\n\n' +
    'data: {"a":1}\n\n' +
    'event: ping\r\ndata: first line\r\ndata:second line\r\n\r\n' +
    'data: héllo ✓ 🚀\r\rdata: [DONE]\n\n';
  const expected: SseEvent[] = [
    { event: undefined, data: '{"a":1}' },
    { event: 'ping', data: 'first line\nsecond line' },
    { event: undefined, data: 'héllo ✓ 🚀' },
    { event: undefined, data: '[DONE]' },
  ];

  for (const size of [1, 2, 3, 7, 64, 4096]) {
    it(`parses LF, CRLF and CR line ends, comments and multi-line data in ${size}-byte pieces`, () => {
      const { events, clean } = parseInPieces(stream, size);
      assert.deepEqual(events, expected);
      assert.equal(clean, true);
    });
  }

  it('reports an event cut off before its blank line as not clean', () => {
    const { events, clean } = parseInPieces('data: {"a":1}\n\ndata: {"b":', 5);
    assert.deepEqual(events, [{ event: undefined, data: '{"a":1}' }]);
    assert.equal(clean, false);
  });

  it('ignores a field without a colon and an empty data line still counts', () => {
    const { events } = parseInPieces('retry\ndata\n\n', 3);
    assert.deepEqual(events, [{ event: undefined, data: '' }]);
  });
});

describe('streams as OpenAI and Ollama frame them, read through the client', () => {
  let server: ScriptedModelServer;
  const reply = 'def add(a, b):\n    return a + b  # ✓';

  for (const flavor of ['openai', 'ollama'] as const) {
    describe(flavor, () => {
      before(async () => {
        server = await startScriptedModelServer({ flavor, script: [{ match: 'add', text: reply }] });
      });
      after(() => server.close());

      it('chat: every delta in order, the whole text, usage from the server', async () => {
        const client = new ModelClient({ baseUrl: server.url });
        const call = client.chat({ model: 'm', messages: [{ role: 'user', content: 'write add' }] });
        const deltas: string[] = [];
        for await (const delta of call) deltas.push(delta.text);
        const result = await call.result;
        assert.equal(deltas.join(''), reply);
        assert.ok(deltas.length > 5, 'arrived in several pieces');
        assert.equal(result.text, reply);
        assert.equal(result.tokens.source, 'usage');
        assert.equal(result.tokens.output, deltas.length);
        assert.equal(result.choices[0].finishReason, 'stop');
      });

      it('completions: streamed and plain give the same text', async () => {
        const client = new ModelClient({ baseUrl: server.url });
        const streamed = await client.complete({ model: 'm', prompt: 'add' }).result;
        const plain = await client.complete({ model: 'm', prompt: 'add', stream: false }).result;
        assert.equal(streamed.text, reply);
        assert.equal(plain.text, reply);
        const [first, second] = server.requests.slice(-2);
        assert.equal(first.body?.stream, true);
        assert.deepEqual(first.body?.stream_options, { include_usage: true });
        assert.equal(second.body?.stream, false);
      });
    });
  }

  it('the raw bytes on the wire are `data: {json}\\n\\n` frames ending in `data: [DONE]`', async () => {
    server = await startScriptedModelServer({ script: [{ text: 'a b' }] });
    try {
      const response = await fetch(`${server.url}/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', prompt: 'x', stream: true }),
      });
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const text = await response.text();
      const frames = text.split('\n\n');
      assert.equal(frames.pop(), '', 'ends with a blank line');
      assert.equal(frames.pop(), 'data: [DONE]');
      for (const frame of frames) {
        assert.match(frame, /^data: \{.*\}$/);
        assert.equal(JSON.parse(frame.slice(6)).object, 'text_completion');
      }
      assert.deepEqual(
        frames.map((frame) => JSON.parse(frame.slice(6)).choices[0].text),
        ['a', ' b', ''],
      );
    } finally {
      await server.close();
    }
  });
});
