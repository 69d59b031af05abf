import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  classifyModel,
  discoverServers,
  modelChoices,
  probePort,
  recommendedPair,
  type DiscoveredServer,
} from '../../../src/model/discovery';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('model discovery', () => {
  let ollama: ScriptedModelServer;
  let studio: ScriptedModelServer;
  /** Accepts connections and never answers: a hung server must not hold the probe up. */
  let silent: http.Server;
  let silentPort: number;

  before(async () => {
    ollama = await startScriptedModelServer({
      flavor: 'ollama',
      models: ['qwen2.5-coder:1.5b-base', 'qwen2.5-coder:7b-instruct', 'llava:7b', 'nomic-embed-text'],
      modelInfo: { 'llava:7b': { capabilities: ['completion', 'vision'] } },
    });
    studio = await startScriptedModelServer({ models: ['llama-3.2-3b-instruct'] });
    silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });
  after(async () => {
    await ollama.close();
    await studio.close();
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('classifies models as FIM, chat or both from their names, and vision from the list entry', () => {
    assert.deepEqual(
      [
        classifyModel('qwen2.5-coder:1.5b-base'),
        classifyModel('qwen2.5-coder:7b-instruct'),
        classifyModel('llama3.2:3b'),
        classifyModel('starcoder2:3b'),
        classifyModel('nomic-embed-text'),
      ].map(({ fim, chat }) => [fim, chat]),
      [
        [true, false],
        [true, true],
        [false, true],
        [true, false],
        [false, false],
      ],
    );
    assert.equal(classifyModel('llava', { capabilities: ['vision'] }).vision, true);
    assert.equal(
      classifyModel('qwen2-vl', { architecture: { input_modalities: ['text', 'image'] } }).vision,
      true,
    );
    assert.equal(classifyModel('llava', { type: 'vlm' }).vision, true);
    assert.equal(classifyModel('llava').vision, false);
  });

  it('finds the servers that answer among the probed ports, with their models, in parallel', async () => {
    const dead = await closedPort();
    const started = performance.now();
    const servers = await discoverServers({
      ports: [ollama.port, dead, silentPort, studio.port],
      timeoutMs: 300,
    });
    const elapsed = performance.now() - started;
    assert.deepEqual(
      servers.map((server) => [server.baseUrl, server.models.map((model) => model.id)]),
      [
        [
          `http://127.0.0.1:${ollama.port}/v1`,
          ['qwen2.5-coder:1.5b-base', 'qwen2.5-coder:7b-instruct', 'llava:7b', 'nomic-embed-text'],
        ],
        [`http://127.0.0.1:${studio.port}/v1`, ['llama-3.2-3b-instruct']],
      ],
    );
    assert.equal(servers[0].models.find((model) => model.id === 'llava:7b')?.vision, true);
    // The hung server costs one timeout, not one per port: the probes run at once.
    assert.ok(elapsed < 1500, `four probes took ${elapsed.toFixed(0)} ms`);
  });

  it('gives up on a server that accepts the connection but never answers', async () => {
    assert.equal(await probePort(silentPort, { timeoutMs: 150 }), undefined);
  });

  it('ignores an HTTP server that is not OpenAI-compatible', async () => {
    const other = http.createServer((_req, res) => {
      res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      assert.equal(await probePort((other.address() as AddressInfo).port, { timeoutMs: 300 }), undefined);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('recommends a FIM model for suggestions and a chat model for the panel, and lists the configured server first', async () => {
    const servers: DiscoveredServer[] = await discoverServers({
      ports: [studio.port, ollama.port],
      timeoutMs: 300,
    });
    const ollamaFound = servers.find((server) => server.port === ollama.port)!;
    const pair = recommendedPair(ollamaFound);
    assert.equal(pair.completion?.id, 'qwen2.5-coder:1.5b-base');
    assert.equal(pair.chat?.id, 'qwen2.5-coder:7b-instruct');
    const rows = modelChoices(servers, ollamaFound.baseUrl);
    assert.equal(rows[0].kind, 'server');
    assert.equal(rows[0].kind === 'server' && rows[0].server.port, ollama.port);
    assert.equal(rows[1].kind, 'pair');
    // A server with one chat-only model offers it for both.
    const single = recommendedPair(servers.find((server) => server.port === studio.port)!);
    assert.deepEqual(
      [single.completion?.id, single.chat?.id],
      ['llama-3.2-3b-instruct', 'llama-3.2-3b-instruct'],
    );
  });
});
