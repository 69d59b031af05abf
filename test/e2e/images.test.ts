import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { startScriptedModelServer, type ScriptedModelServer } from '../fixtures/model-server';
import { closeBrowser, openWorkbench, type Workbench } from './workbench';

/** A real 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('e2e: an image pasted into the panel', function () {
  let server: ScriptedModelServer;
  let workbench: Workbench | undefined;
  let panel: Frame;

  before(async () => {
    server = await startScriptedModelServer({
      models: ['llava:7b', 'qwen2.5-coder:1.5b-base'],
      modelInfo: { 'llava:7b': { capabilities: ['completion', 'vision'] } },
      script: [{ endpoint: 'chat/completions', text: 'A single pixel.' }],
    });
    workbench = await openWorkbench({
      name: 'images',
      settings: { 'tandem.model.baseUrl': server.url, 'tandem.model.chatModel': 'llava:7b' },
    });
  });
  after(async () => {
    await workbench?.close();
    await closeBrowser();
    await server.close();
  });

  it('shows the pasted screenshot in the request box and sends it to a vision model as image content', async function () {
    await workbench!.runCommand('Tandem: New Conversation');
    panel = await workbench!.webviewFrame('#request');
    const input = panel.locator('#request');
    await input.click();
    // What the browser does when a screenshot is pasted: a paste event carrying an image file.
    await input.evaluate((element, base64) => {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      element.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    }, PNG);
    await panel.locator('.image-chip img').waitFor({ timeout: 10_000 });
    await input.fill('What is in this screenshot?');
    await workbench!.screenshot('pasted');
    await input.press('Enter');
    const request = await server.waitForRequest(
      (candidate) => candidate.path === '/v1/chat/completions',
      30_000,
    );
    const messages = request.body!.messages as { content: unknown }[];
    assert.deepEqual(messages.at(-1)!.content, [
      { type: 'text', text: 'What is in this screenshot?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
    ]);
    await panel
      .locator('.message.assistant .markdown', { hasText: 'A single pixel.' })
      .waitFor({ timeout: 30_000 });
    assert.equal(await panel.locator('.image-chip').count(), 0, 'the tray empties once sent');
    assert.match(await panel.locator('.message.user').last().innerText(), /image: pasted image 1\.png/);
    await workbench!.screenshot('answered');
  });
});
