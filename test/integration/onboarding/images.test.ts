import * as assert from 'node:assert/strict';
import type { TandemApi } from '../../../src/extension';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, tandem } from '../tandem';

/** A real 1×1 PNG, as the webview sends a pasted screenshot (base64 of the file). */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('images in the panel', function () {
  this.timeout(60_000);
  let api: TandemApi;
  let server: ScriptedModelServer;

  before(async () => {
    api = await tandem();
    server = await startScriptedModelServer({
      models: ['llava:7b', 'qwen2.5-coder:7b-instruct', 'qwen2.5-coder:1.5b-base'],
      modelInfo: { 'llava:7b': { capabilities: ['completion', 'vision'] } },
      script: [{ text: 'The screenshot shows a red button.' }],
    });
    await api.settings.set('model.baseUrl', server.url);
    await eventually(() => api.model.client.baseUrl === server.url, 'the client to use the scripted server');
  });
  after(async () => {
    await api.settings.set('model.baseUrl', undefined);
    await api.settings.set('model.chatModel', undefined);
    await server.close();
    api.model.requestLog.clear();
  });

  /** What the webview posts when an image was pasted into the request box and Send pressed. */
  const sendWithImage = (text: string) =>
    api.panel.view.receive({
      type: 'send',
      text,
      chips: [],
      images: [{ name: 'pasted image 1.png', mimeType: 'image/png', data: PNG }],
    });
  const lastAnswer = () => api.panel.store.current.messages.at(-1)!;

  it('sends a pasted image to a vision model as image content, and shows it in What was sent', async () => {
    await api.settings.set('model.chatModel', 'llava:7b');
    await sendWithImage('What does this show?');
    assert.equal(lastAnswer().status, 'done', lastAnswer().error);
    assert.equal(lastAnswer().text, 'The screenshot shows a red button.');
    const chat = server.requests.filter((request) => request.endpoint === 'chat/completions').at(-1)!;
    const messages = chat.body!.messages as { role: string; content: unknown }[];
    assert.deepEqual(messages.at(-1)!.content, [
      { type: 'text', text: 'What does this show?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
    ]);
    const report = api.panel.assistant.reportOf(lastAnswer().requestId!);
    assert.deepEqual(report?.images, ['pasted image 1.png, image/png, 1 KB']);
    // The user's message in the conversation names the image.
    assert.deepEqual(api.panel.store.current.messages.at(-2)!.chips, ['image: pasted image 1.png']);
  });

  it('refuses an image for a model that does not take images, with the reason, and sends nothing', async () => {
    await api.settings.set('model.chatModel', 'qwen2.5-coder:7b-instruct');
    const before = server.requests.filter((request) => request.endpoint === 'chat/completions').length;
    await sendWithImage('And now?');
    assert.equal(lastAnswer().status, 'error');
    assert.match(lastAnswer().error!, /qwen2\.5-coder:7b-instruct does not take images/);
    assert.match(lastAnswer().error!, /tandem\.model\.visionModels/);
    assert.equal(server.requests.filter((request) => request.endpoint === 'chat/completions').length, before);
    // Named in the setting, the same model gets it.
    await api.settings.set('model.visionModels', ['qwen2.5-coder:*']);
    try {
      await sendWithImage('And with the setting?');
      assert.equal(lastAnswer().status, 'done', lastAnswer().error);
    } finally {
      await api.settings.set('model.visionModels', undefined);
    }
  });
});
