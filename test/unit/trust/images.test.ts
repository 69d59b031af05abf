import * as assert from 'node:assert/strict';
import { matchesModelName } from '../../../src/model/discovery';
import { ModelClient, RequestLog, formatRecordDetails } from '../../../src/model';
import { parseWebviewMessage } from '../../../src/panel/protocol';
import { ExclusionRules, MAX_IMAGE_BYTES, SecretVault, TrustGate, TrustImageError } from '../../../src/trust';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';

/** A real 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('images through the trust gate', () => {
  let server: ScriptedModelServer;
  let log: RequestLog;
  let gate: TrustGate;
  before(async () => {
    server = await startScriptedModelServer({ script: [{ text: 'I see a pixel.' }] });
  });
  after(() => server.close());
  beforeEach(() => {
    log = new RequestLog();
    gate = new TrustGate({
      model: new ModelClient({ baseUrl: server.url, log }),
      rules: new ExclusionRules({ roots: ['/work/app'] }),
      vault: new SecretVault('1mg5'),
    });
  });

  it('sends an image as an image_url content part of the user message, and logs it without its bytes', async () => {
    const gated = gate.chat({
      feature: 'panel',
      model: 'llava',
      instructions: 'What is in this screenshot?',
      images: [{ name: 'shot.png', mimeType: 'image/png', data: PNG }],
    });
    assert.equal((await gated.call.result).text, 'I see a pixel.');
    const body = server.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    assert.equal(typeof body.messages[0].content, 'string', 'the system message stays a string');
    assert.deepEqual(body.messages.at(-1)!.content, [
      { type: 'text', text: 'What is in this screenshot?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
    ]);
    assert.deepEqual(gated.report.images, ['shot.png, image/png, 1 KB']);
    const details = formatRecordDetails(log.list()[0]).join('\n');
    assert.match(details, /\[image: shot\.png, image\/png, 1 KB\]/);
    assert.ok(!details.includes(PNG), 'the request log shows the image, not its bytes');
  });

  it('refuses an image over the size limit, and one that is not an image, before anything is sent', () => {
    const before = server.requests.length;
    const big = 'A'.repeat(Math.ceil(((MAX_IMAGE_BYTES + 1024) * 4) / 3 / 4) * 4);
    assert.throws(
      () =>
        gate.chat({
          feature: 'panel',
          model: 'llava',
          instructions: 'look',
          images: [{ name: 'huge.png', mimeType: 'image/png', data: big }],
        }),
      (error: unknown) =>
        error instanceof TrustImageError && /huge\.png is 5\.0 MB; images up to 5 MB/.test(error.message),
    );
    assert.throws(
      () =>
        gate.chat({
          feature: 'panel',
          model: 'llava',
          instructions: 'look',
          images: [{ name: 'x.svg', mimeType: 'image/svg+xml' as 'image/png', data: PNG }],
        }),
      TrustImageError,
    );
    assert.equal(server.requests.length, before, 'nothing reached the server');
  });

  it('takes images from the webview only in the shape it expects', () => {
    const image = { name: 'a.png', mimeType: 'image/png', data: PNG };
    assert.deepEqual(parseWebviewMessage({ type: 'send', text: 'x', chips: [], images: [image] }), {
      type: 'send',
      text: 'x',
      chips: [],
      images: [image],
    });
    assert.equal(
      parseWebviewMessage({
        type: 'send',
        text: 'x',
        chips: [],
        images: [{ ...image, mimeType: 'text/html' }],
      }),
      undefined,
    );
    assert.equal(
      parseWebviewMessage({ type: 'send', text: 'x', chips: [], images: Array(5).fill(image) }),
      undefined,
    );
  });

  it('matches vision models by name or glob from the setting', () => {
    assert.equal(matchesModelName(['llava*'], 'llava:13b'), true);
    assert.equal(matchesModelName(['*-vl*'], 'qwen2.5-vl-7b-instruct'), true);
    assert.equal(matchesModelName(['gpt-4o'], 'gpt-4o-mini'), false);
    assert.equal(matchesModelName(['qwen2.5-coder:7b'], 'qwen2.5-coder:7b'), true);
    assert.equal(matchesModelName([''], 'anything'), false);
  });
});
