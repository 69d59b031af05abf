import * as assert from 'node:assert/strict';
import { LineDocument } from '../../../src/completion/documentText';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { fimParts, harness, TypingSession } from './engineHarness';

const source = [
  "import { readFile } from 'node:fs/promises';",
  '',
  'export async function loadConfig(path: string) {',
  '  const text = await ',
  '}',
  '',
].join('\n');

const completionRequests = (server: ScriptedModelServer) =>
  server.requests.filter((request) => request.endpoint === 'completions');

describe('completion engine (scripted model server, real client and trust gate)', () => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await startScriptedModelServer({
      timeToFirstTokenMs: 40,
      perTokenDelayMs: 5,
      script: (request) => {
        const { prefix, suffix } = fimParts(request.promptText);
        if (prefix.endsWith('const text = await '))
          return { text: "readFile(path, 'utf8');\n  return JSON.parse(text);\n}\n", perTokenDelayMs: 30 };
        if (prefix.endsWith('const text = await fetch')) return { text: '(url);' };
        if (prefix.endsWith('const user = '))
          return { text: ['db.users.find(id);', 'await load(id);', 'cache.get(id);'] };
        if (suffix.startsWith(')')) return { text: 'path, "utf8"));' };
        if (prefix.endsWith('const answer = ')) return { text: '', timeToFirstTokenMs: 150 };
        if (prefix.endsWith('const answer = 4')) return { text: '2;' };
        if (prefix.endsWith('fail')) return { failure: { status: 500, message: 'model runner crashed' } };
        return { text: '' };
      },
    });
  });
  afterEach(() => server.close());

  it('sends the text around the cursor through the gate and shows the cleaned answer', async () => {
    const { engine, statuses, metrics } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    const result = await session.provide();
    assert.deepEqual(
      result?.suggestions,
      ["readFile(path, 'utf8');"],
      'one line: text follows below in a block',
    );
    const [request] = completionRequests(server);
    const { prefix, suffix } = fimParts(request.promptText!);
    assert.ok(prefix.startsWith("import { readFile } from 'node:fs/promises';"));
    assert.ok(prefix.endsWith('  const text = await '));
    assert.equal(suffix, '\n}\n');
    assert.ok(
      !((request.body?.stop as string[] | undefined) ?? []).includes('\n'),
      'at the end of a line it reads on for the next lines',
    );
    assert.equal(request.body?.max_tokens, 256, 'with the multi-line budget');
    assert.equal(statuses[0].state, 'waiting');
    assert.equal(statuses.at(-1)!.state, 'idle');
    assert.equal(metrics[0].outcome, 'ok');
    assert.equal(metrics[0].reason, 'typing');
    engine.dispose();
  });

  it('serves typed-along characters and Backspace from the cache with no new request', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    await session.provide();
    for (const char of 'readFile(') {
      session.type(char);
      const result = await session.provide();
      assert.ok(result, `a suggestion after typing "${char}"`);
      assert.equal(result.source, 'cache');
    }
    assert.deepEqual((await session.provide())?.suggestions, ["path, 'utf8');"]);
    session.backspace(4);
    assert.deepEqual((await session.provide())?.suggestions, ["ile(path, 'utf8');"]);
    assert.equal(completionRequests(server).length, 1);
    engine.dispose();
  });

  it('keeps a request whose answer still fits what is typed meanwhile, and shows the rest', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    const first = session.provide();
    await server.waitForRequest((request) => request.path === '/v1/completions');
    session.type('re'); // while the request runs
    const result = await session.provide();
    assert.equal(await first, undefined, 'the first call was cancelled by the keystroke');
    assert.equal(result?.source, 'in-flight');
    assert.deepEqual(result?.suggestions, ["adFile(path, 'utf8');"]);
    assert.equal(completionRequests(server).length, 1);
    assert.equal(completionRequests(server)[0].aborted, false);
    engine.dispose();
  });

  it('aborts a request that can no longer be shown and asks again', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    void session.provide();
    const first = await server.waitForRequest((request) => request.path === '/v1/completions');
    // Once the first token ("readFile") has reached the client, typing something else contradicts it.
    while (first.tokensSent === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    session.type('fetch');
    const result = await session.provide();
    await server.waitForAbort(first);
    assert.deepEqual(result?.suggestions, ['(url);']);
    assert.equal(completionRequests(server).length, 2);
    engine.dispose();
  });

  it('asks again when the request it waited for brings nothing for the new position', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument('file:///work/a.ts', '/work/a.ts', 'typescript', 'const answer = \n');
    const session = new TypingSession(engine, doc, { line: 0, character: 15 });
    void session.provide();
    await server.waitForRequest((request) => request.path === '/v1/completions');
    session.type('4'); // while the first request runs; it answers nothing
    assert.deepEqual((await session.provide())?.suggestions, ['2;']);
    assert.equal(completionRequests(server).length, 2);
  });

  it('waits the policy delay while typing: a keystroke within it sends nothing', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    const pending = session.provide();
    session.type('x'); // cancels the call above during its wait
    assert.equal(await pending, undefined);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(completionRequests(server).length, 0);
    engine.dispose();
  });

  it('asks at once at the start of a line', async () => {
    const { engine, metrics } = harness(server);
    const doc = new LineDocument('file:///work/a.ts', '/work/a.ts', 'typescript', 'function f() {\n  \n}\n');
    const session = new TypingSession(engine, doc, { line: 1, character: 2 });
    await session.provide();
    assert.equal(metrics[0].reason, 'line-start');
  });

  it('sends nothing at all for excluded files', async () => {
    const { engine, statuses } = harness(server);
    for (const path of [
      '/work/.env',
      '/work/.env.local',
      '/work/certs/server.pem',
      '/work/keys/deploy.key',
      '/home/u/.ssh/id_rsa',
    ]) {
      const doc = new LineDocument(
        `file://${path}`,
        path,
        'plaintext',
        'API_KEY=sk-live-123\nconst text = await ',
      );
      const session = new TypingSession(engine, doc, { line: 1, character: 19 });
      assert.equal(await session.provide(true), undefined, path);
    }
    assert.equal(server.requests.length, 0);
    assert.equal(statuses.length, 5, 'each refusal is reported');
    for (const status of statuses) {
      assert.equal(status.state, 'excluded');
      assert.match(status.state === 'excluded' ? status.message : '', /not sent|excluded|never sent/i);
    }
  });

  it('asks for several candidates when asked explicitly, and returns them all', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument('file:///work/u.ts', '/work/u.ts', 'typescript', 'const user = \n');
    const session = new TypingSession(engine, doc, { line: 0, character: 13 });
    const result = await session.provide(true);
    assert.deepEqual(result?.suggestions, ['db.users.find(id);', 'await load(id);', 'cache.get(id);']);
    assert.equal(completionRequests(server)[0].body?.n, 3);
  });

  it('cleans what the model repeats of the text after the cursor', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument(
      'file:///work/r.ts',
      '/work/r.ts',
      'typescript',
      'const data = JSON.parse(await readFile());\n',
    );
    const session = new TypingSession(engine, doc, { line: 0, character: 39 });
    assert.deepEqual((await session.provide(true))?.suggestions, ['path, "utf8"']);
    const [request] = completionRequests(server);
    assert.ok(
      (request.body?.stop as string[]).includes('\n'),
      'text follows: the server stops at the line end',
    );
    assert.equal(request.body?.max_tokens, 64);
  });

  it('reports a failed request as an error the user can act on', async () => {
    const { engine, statuses, metrics } = harness(server);
    const doc = new LineDocument('file:///work/f.ts', '/work/f.ts', 'typescript', 'fail\n');
    const session = new TypingSession(engine, doc, { line: 0, character: 4 });
    assert.equal(await session.provide(true), undefined);
    const last = statuses.at(-1)!;
    assert.equal(last.state, 'error');
    assert.match(last.state === 'error' ? last.error.message : '', /500|server/i);
    assert.equal(metrics[0].outcome, 'error');
    // The server failed: typing elsewhere sends nothing for a while; asking explicitly still does.
    const other = new TypingSession(
      engine,
      new LineDocument('file:///work/g.ts', '/work/g.ts', 'typescript', 'const user = \n'),
      {
        line: 0,
        character: 13,
      },
    );
    assert.equal(await other.provide(), undefined);
    assert.equal(completionRequests(server).length, 1);
    assert.equal((await other.provide(true))?.suggestions.length, 3);
    assert.equal(completionRequests(server).length, 2);
  });

  it('asks nothing at the end of a line the model finished, and at once after the acceptance', async () => {
    const { engine, metrics } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    await session.provide();
    session.type("readFile(path, 'utf8');");
    assert.equal(await session.provide(), undefined);
    assert.equal(completionRequests(server).length, 1, 'the model already said the line ends here');
    session.type('\n  if'); // not the line the model went on with
    assert.equal(await session.provide(), undefined); // nothing scripted for this place
    assert.equal(completionRequests(server).length, 2);
    assert.equal(metrics.at(-1)!.reason, 'after-accept');
    const delay = engine.policy.currentDelayMs();
    assert.ok(delay < 30, `the acceptance shortened the wait: ${delay}`);
  });

  it('shows the line as soon as it is complete, and after Enter the next line the same request brought', async () => {
    const { engine, metrics } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    const first = await session.provide();
    assert.deepEqual(first?.suggestions, ["readFile(path, 'utf8');"]);
    const [request] = completionRequests(server);
    assert.ok(request.finishedAt === undefined, 'shown while the next lines still stream (30 ms a token)');
    session.type("readFile(path, 'utf8');");
    assert.equal(await session.provide(), undefined, 'the line is complete');
    session.type('\n  ');
    const next = await session.provide();
    assert.deepEqual(next?.suggestions, ['return JSON.parse(text);']);
    assert.equal(completionRequests(server).length, 1, 'no request after Enter');
    session.type('return JSON.parse(text);');
    assert.equal(await session.provide(), undefined, 'that line is complete too');
    assert.equal(completionRequests(server).length, 1);
    assert.equal(metrics.length, 1);
    engine.dispose();
  });

  it('stops reading on when the user types something else than the line', async () => {
    const { engine } = harness(server);
    const doc = new LineDocument('file:///work/src/config.ts', '/work/src/config.ts', 'typescript', source);
    const session = new TypingSession(engine, doc, { line: 3, character: 21 });
    await session.provide();
    const [request] = completionRequests(server);
    session.type('fetch');
    engine.cursorChanged(doc, session.pos);
    await server.waitForAbort(request);
    assert.ok(request.aborted);
    engine.dispose();
  });
});
