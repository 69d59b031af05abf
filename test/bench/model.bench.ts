// `npm run bench -- model`: what Tandem's model client costs on top of the HTTP request itself, and how
// fast a cancellation frees the server.
// - client_overhead_*: wall time of a streamed 64-token chat request through ModelClient minus the same
//   request made with bare fetch and a minimal SSE parser, interleaved (alternating which goes first),
//   after warm-up, against the scripted server with zero delays.
// - abort_to_socket_close_p99_ms: from AbortController.abort() on a live stream to the scripted
//   server seeing the connection close.
import { ModelClient } from '../../src/model';
import { startScriptedModelServer } from '../fixtures/model-server';
import { quantile, round, writeSuiteResult } from './results';

const warmupPairs = 200;
const measuredPairs = 1000;
const abortSamples = 300;
const tokens = Array.from({ length: 64 }, (_, i) => (i === 0 ? 'token0' : ` token${i}`));
const expected = tokens.join('');
const messages = [{ role: 'user' as const, content: 'Write 64 tokens.' }];

/** The baseline: fetch, read the body, split SSE frames, parse each chunk, keep the text. */
async function bareRequest(url: string): Promise<string> {
  const response = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'bench',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!frame.startsWith('data: ')) continue;
      const data = frame.slice(6);
      if (data === '[DONE]') return text;
      const chunk = JSON.parse(data);
      text += chunk.choices[0]?.delta?.content ?? '';
    }
  }
  return text;
}

async function tandemRequest(client: ModelClient): Promise<string> {
  const call = client.chat({ model: 'bench', messages });
  let text = '';
  for await (const delta of call) text += delta.text;
  await call.result;
  return text;
}

async function timed(run: () => Promise<string>): Promise<number> {
  const started = performance.now();
  const text = await run();
  const elapsed = performance.now() - started;
  if (text !== expected) throw new Error(`unexpected answer: ${JSON.stringify(text.slice(0, 80))}`);
  return elapsed;
}

async function main(): Promise<void> {
  const server = await startScriptedModelServer({ script: [{ match: '64 tokens', tokens }] });
  // One client for the whole run, as the extension keeps one; a small log like the extension's.
  const client = new ModelClient({ baseUrl: server.url });
  const overheads: number[] = [];
  const tandemTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let pair = 0; pair < warmupPairs + measuredPairs; pair++) {
    let tandem: number;
    let bare: number;
    if (pair % 2 === 0) {
      tandem = await timed(() => tandemRequest(client));
      bare = await timed(() => bareRequest(server.url));
    } else {
      bare = await timed(() => bareRequest(server.url));
      tandem = await timed(() => tandemRequest(client));
    }
    if (pair < warmupPairs) continue;
    overheads.push(tandem - bare);
    tandemTimes.push(tandem);
    bareTimes.push(bare);
  }
  server.requests.length = 0;

  const slow = await startScriptedModelServer({
    script: [{ tokens: Array.from({ length: 2000 }, () => ' x'), perTokenDelayMs: 2 }],
  });
  const abortClient = new ModelClient({ baseUrl: slow.url });
  const abortLatencies: number[] = [];
  for (let i = 0; i < abortSamples + 20; i++) {
    const controller = new AbortController();
    const call = abortClient.chat({ model: 'bench', messages }, { signal: controller.signal });
    const iterator = call[Symbol.asyncIterator]();
    await iterator.next();
    const request = slow.requests.at(-1)!;
    const closed = slow.waitForAbort(request, 2000);
    const abortedAt = performance.now();
    controller.abort();
    const seen = await closed;
    if (i >= 20) abortLatencies.push(seen.abortedAt! - abortedAt);
    await call.result.catch(() => undefined);
    slow.requests.length = 0;
  }
  await slow.close();
  await server.close();

  console.log(
    `tandem p50 ${quantile(tandemTimes, 0.5).toFixed(3)} ms, bare p50 ${quantile(bareTimes, 0.5).toFixed(3)} ms ` +
      `over ${measuredPairs} pairs; abort samples ${abortLatencies.length}`,
  );
  writeSuiteResult('model', {
    client_overhead_p50_ms: round(quantile(overheads, 0.5)),
    client_overhead_p99_ms: round(quantile(overheads, 0.99)),
    abort_to_socket_close_p99_ms: round(quantile(abortLatencies, 0.99)),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
