// `npm run bench -- model`: what Tandem's model client costs on top of the HTTP request itself, and how
// fast a cancellation frees the server.
// - client_overhead_*: wall time of a streamed 64-token chat request through ModelClient minus the same
//   request made with bare fetch and a minimal SSE parser, interleaved (alternating which goes first),
//   against the scripted server with zero delays, running in its own process as a real server does.
//   The warm-up is long (1,000 pairs): until the JIT has settled, compiler threads competing for the
//   2 cores stall both sides for milliseconds, and more often the side with more code to compile.
// - abort_to_socket_close_p99_ms: from AbortController.abort() on a live stream to the scripted
//   server seeing the connection close.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelClient } from '../../src/model';
import { startScriptedModelServer } from '../fixtures/model-server';
import { quantile, round, writeSuiteResult } from './results';

const warmupPairs = 1000;
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

/**
 * The scripted server in its own process, as a real model server is: its allocations and garbage
 * collections then land in its own heap, not in the measured client's.
 */
async function startServerProcess(): Promise<{ url: string; child: ChildProcess }> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-model-'));
  const script = path.join(folder, 'script.json');
  fs.writeFileSync(script, JSON.stringify({ rules: [{ match: '64 tokens', tokens }] }));
  // A young generation large enough that the server rarely stops to collect mid-answer.
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=128',
      path.join(__dirname, '..', 'fixtures', 'model-server', 'main.js'),
      ...['--port', '0', '--script', script],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (data: string) => {
      output += data;
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the scripted server exited (${code}): ${output}`)));
  });
  // Its request log lines are read and dropped, so the pipe never fills.
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  child.once('exit', () => fs.rmSync(folder, { recursive: true, force: true }));
  return { url, child };
}

async function main(): Promise<void> {
  const { url, child } = await startServerProcess();
  // One client for the whole run, as the extension keeps one; a small log like the extension's.
  const client = new ModelClient({ baseUrl: url });
  const overheads: number[] = [];
  const tandemTimes: number[] = [];
  const bareTimes: number[] = [];
  try {
    for (let pair = 0; pair < warmupPairs + measuredPairs; pair++) {
      let tandem: number;
      let bare: number;
      if (pair % 2 === 0) {
        tandem = await timed(() => tandemRequest(client));
        bare = await timed(() => bareRequest(url));
      } else {
        bare = await timed(() => bareRequest(url));
        tandem = await timed(() => tandemRequest(client));
      }
      if (pair < warmupPairs) continue;
      overheads.push(tandem - bare);
      tandemTimes.push(tandem);
      bareTimes.push(bare);
    }
  } finally {
    // Also when a request fails: an orphaned server would keep the bench from exiting.
    child.kill();
  }

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

  console.log(
    `tandem p50 ${quantile(tandemTimes, 0.5).toFixed(3)} ms, bare p50 ${quantile(bareTimes, 0.5).toFixed(3)} ms ` +
      `over ${measuredPairs} pairs; abort samples ${abortLatencies.length}`,
  );
  writeSuiteResult('model', {
    client_overhead_p50_ms: round(quantile(overheads, 0.5)),
    client_overhead_p99_ms: round(quantile(overheads, 0.99)),
    // Raw wall-clock tails of whole requests, Tandem's client and the bare baseline (ABAB, same warm-up).
    request_p99_ms: round(quantile(tandemTimes, 0.99)),
    bare_request_p99_ms: round(quantile(bareTimes, 0.99)),
    abort_to_socket_close_p99_ms: round(quantile(abortLatencies, 0.99)),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
