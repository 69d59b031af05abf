import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { startScriptedModelServer, type ScriptedModelServer } from '../fixtures/model-server';
import { closeBrowser, dismissNotifications, openWorkbench, waitUntil, type Workbench } from './workbench';

const ORIGINAL = fs.readFileSync(
  path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'workspace', 'src', 'greeter.ts'),
  'utf8',
);

/** The scripted model's answer: two SEARCH/REPLACE blocks for src/greeter.ts, so two hunks. */
const ANSWER = `Spanish needs a language code and a salutation.

src/greeter.ts
\`\`\`ts
<<<<<<< SEARCH
  language: 'en' | 'fr' | 'de';
=======
  language: 'en' | 'fr' | 'de' | 'es';
>>>>>>> REPLACE
\`\`\`

\`\`\`ts
<<<<<<< SEARCH
  de: 'Hallo',
};
=======
  de: 'Hallo',
  es: 'Hola',
};
>>>>>>> REPLACE
\`\`\`
`;

/** An answer that only deletes a line: nothing of it is left to mark in the file. */
const DELETE_ANSWER = `German is not needed.

src/greeter.ts
\`\`\`ts
<<<<<<< SEARCH
  fr: 'Bonjour',
  de: 'Hallo',
=======
  fr: 'Bonjour',
>>>>>>> REPLACE
\`\`\`
`;

describe('e2e: side panel proposes edits reviewed hunk by hunk', function () {
  let server: ScriptedModelServer;
  let workbench: Workbench;
  let panel: Frame;
  const cspViolations: string[] = [];

  before(async function () {
    server = await startScriptedModelServer({
      script: [
        { endpoint: 'chat/completions', match: 'Add Spanish', text: ANSWER, perTokenDelayMs: 2 },
        // A fast answer: its last words and its end reach the panel within one frame.
        { endpoint: 'chat/completions', match: 'Drop the German', text: DELETE_ANSWER },
        {
          endpoint: 'chat/completions',
          match: 'Explain briefly',
          text: 'It greets people in their language.',
        },
      ],
    });
    workbench = await openWorkbench({
      name: 'panel',
      settings: { 'tandem.model.baseUrl': server.url, 'editor.codeLens': true },
    });
    workbench.page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  after(async function () {
    await workbench?.close();
    await closeBrowser();
    await server?.close();
  });

  it('answers a request typed in the panel with a proposal of two hunks', async function () {
    await workbench.openFile('src/greeter.ts');
    await workbench.runCommand('Tandem: New Conversation');
    panel = await workbench.webviewFrame('#request');
    const input = panel.locator('#request');
    await input.click();
    await input.fill('Add Spanish to the greetings');
    // Every change of the number of pending hunks drawn, as the panel's DOM changes.
    await panel.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { pendingCounts: number[] }).pendingCounts = seen;
      new MutationObserver(() => {
        const count = document.querySelectorAll('.hunk.pending').length;
        if (seen.at(-1) !== count) seen.push(count);
      }).observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    await input.press('Enter');
    // The server records the endpoint after announcing a request, so match on the path.
    const request = await server.waitForRequest(
      (candidate) => candidate.path === '/v1/chat/completions',
      30_000,
    );
    assert.match(request.rawBody, /export function greet/, 'the active file was sent as context');
    await panel.locator('.hunk.pending').nth(1).waitFor({ timeout: 30_000 });
    assert.equal(await panel.locator('.hunk.pending').count(), 2);
    // The proposal ends up with its answer, and once drawn it was never drawn nowhere on its way there.
    await panel.locator('.message.assistant .hunk.pending').nth(1).waitFor({ timeout: 10_000 });
    const counts = await panel.evaluate(
      () => (window as unknown as { pendingCounts: number[] }).pendingCounts,
    );
    assert.deepEqual(counts.slice(counts.indexOf(2)), [2], `pending hunks drawn over time: ${counts}`);
    assert.match(
      await panel.locator('.message.assistant .markdown').last().innerText(),
      /Spanish needs a language code/,
    );
    await workbench.screenshot('panel-proposal');
  });

  it('shows the hunks in the editor, accepts one in the panel and rejects the other by its CodeLens', async function () {
    const page = workbench.page;
    await dismissNotifications(page);
    // The decorated editor: removed lines highlighted, the replacement shown beside them, CodeLens above.
    await page.locator('.codelens-decoration a', { hasText: 'Reject' }).nth(1).waitFor({ timeout: 20_000 });
    await workbench.screenshot('editor-decorated');

    // Accept the first hunk from the panel.
    const first = panel.locator('.hunk.pending').first();
    assert.match(await first.innerText(), /'de' \| 'es'/);
    await first.getByRole('button', { name: /^Accept the change at line/ }).click();
    await panel.locator('.hunk.accepted').first().waitFor({ timeout: 10_000 });

    // The panel's summary of the file: the assistant wrote " | 'es'" (7 characters) on one line.
    const summary = panel.locator('#authorship summary');
    await summary.waitFor({ timeout: 10_000 });
    assert.match(
      await summary.innerText(),
      /Assistant wrote \d+ % of src\/greeter\.ts · 7 characters of \d+, 1 line of \d+/,
    );
    // Keyboard operable: Enter on the summary opens the details.
    await summary.press('Enter');
    const run = panel.locator('#authorship .authorship-run').first();
    await run.waitFor({ timeout: 5_000 });
    assert.match(await run.innerText(), /line \d+ · 7 characters, 1 line/);
    assert.equal(await run.getByRole('button', { name: /^Open the conversation/ }).count(), 1);
    assert.equal(await run.getByRole('button', { name: /^Revert proposal .* in this file$/ }).count(), 1);
    await workbench.screenshot('authorship-summary');

    // Reject the other from its CodeLens in the editor.
    const reject = page.locator('.codelens-decoration a', { hasText: 'Reject' });
    await waitUntil(async () => (await reject.count()) === 1, 'one hunk is left to decide', 10_000);
    await reject.first().click();
    await panel.locator('.hunk.rejected').first().waitFor({ timeout: 10_000 });
    await waitUntil(async () => (await reject.count()) === 0, 'no CodeLens is left', 10_000);

    // Save and compare the file on disk byte for byte.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+S');
    const file = path.join(workbench.folder, 'src', 'greeter.ts');
    const expected = ORIGINAL.replace(
      "language: 'en' | 'fr' | 'de';",
      "language: 'en' | 'fr' | 'de' | 'es';",
    );
    const deadline = Date.now() + 10_000;
    while (fs.readFileSync(file, 'utf8') !== expected && Date.now() < deadline)
      await page.waitForTimeout(100);
    assert.equal(fs.readFileSync(file, 'utf8'), expected);
    await workbench.screenshot('after-review');
  });

  it('is keyboard operable: @ lists workspace files, Enter picks one as a chip', async function () {
    const input = panel.locator('#request');
    await input.focus();
    await input.pressSequentially('Look at @gree');
    const option = panel.locator('#mentions [role="option"]', { hasText: 'src/greeter.ts' });
    await option.waitFor({ timeout: 10_000 });
    await input.press('Enter');
    await panel.getByRole('button', { name: 'Remove @src/greeter.ts' }).waitFor({ timeout: 5_000 });
    assert.equal(await input.inputValue(), 'Look at ');
    assert.deepEqual(cspViolations, [], 'the webview loads nothing its Content Security Policy forbids');
  });

  it('finishes a fast first answer of a new conversation: no typing dots left, "What was sent" offered', async function () {
    // The panel's own New button (the keyboard test left the focus in the panel).
    await panel.locator('button', { hasText: /^New$/ }).first().click();
    await waitUntil(
      async () => (await panel.locator('.message').count()) === 0,
      'an empty conversation',
      10_000,
    );
    const input = panel.locator('#request');
    await input.click();
    await input.fill('Explain briefly what greet does');
    await input.press('Enter');
    await server.waitForRequest(
      (candidate) =>
        candidate.path === '/v1/chat/completions' && candidate.rawBody.includes('Explain briefly'),
      30_000,
    );
    const answer = panel.locator('.message.assistant', { hasText: 'greets people' });
    await answer.waitFor({ timeout: 30_000 });
    await answer
      .getByRole('button', { name: 'Show exactly what was sent to the model' })
      .waitFor({ timeout: 10_000 });
    assert.equal(
      await panel.locator('.message.assistant.streaming').count(),
      0,
      'no answer is left streaming',
    );
    assert.equal(await panel.locator('.typing').count(), 0, 'no typing dots are left');
    await workbench.screenshot('panel-fast-answer');
  });

  it("opens the conversation that asked for a proposal from the file's authorship summary", async function () {
    // The new conversation is open; greeter.ts (with the accepted hunk) is still the active editor.
    await waitUntil(
      async () => (await panel.locator('.message.user', { hasText: 'Add Spanish' }).count()) === 0,
      'the other conversation on screen',
      10_000,
    );
    const details = panel.locator('#authorship details');
    if ((await details.getAttribute('open')) === null) await panel.locator('#authorship summary').click();
    const open = panel.getByRole('button', { name: /^Open the conversation that asked for proposal/ });
    await open.first().focus();
    await open.first().press('Enter');
    await panel
      .locator('.message.user', { hasText: 'Add Spanish to the greetings' })
      .waitFor({ timeout: 10_000 });
  });

  it("says a hunk taken back by the summary's Revert is reverted on its card; Undo makes it accepted again", async function () {
    const card = panel.locator('.message.assistant .proposal').first();
    await card.locator('.hunk.accepted').first().waitFor({ timeout: 10_000 });
    const details = panel.locator('#authorship details');
    if ((await details.getAttribute('open')) === null) await panel.locator('#authorship summary').click();
    await panel
      .getByRole('button', { name: /^Revert proposal .* in this file$/ })
      .first()
      .click();
    const reverted = card.locator('.hunk.reverted').first();
    await reverted.waitFor({ timeout: 10_000 });
    assert.match((await reverted.getAttribute('aria-label')) ?? '', /· reverted$/);
    assert.equal(await card.locator('.hunk.accepted').count(), 0, 'no card says accepted any more');
    await workbench.screenshot('hunk-reverted');
    // Undo in the editor brings the assistant's text back: the card says accepted again.
    const page = workbench.page;
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Z');
    await card.locator('.hunk.accepted').first().waitFor({ timeout: 10_000 });
    assert.equal(await card.locator('.hunk.reverted').count(), 0);
  });

  it('lists an accepted change that only deleted a line in the summary, with what it deleted', async function () {
    // A conversation of its own: the scripted model answers by what the request holds.
    await panel.locator('button', { hasText: /^New$/ }).first().click();
    await waitUntil(
      async () => (await panel.locator('.message').count()) === 0,
      'an empty conversation',
      10_000,
    );
    const input = panel.locator('#request');
    await input.click();
    await input.fill('Drop the German greeting');
    await input.press('Enter');
    const hunk = panel.locator('.message.assistant .hunk.pending').first();
    await hunk.waitFor({ timeout: 30_000 });
    await hunk.getByRole('button', { name: /^Accept the change at line/ }).click();
    await panel.locator('.message.assistant .hunk.accepted').last().waitFor({ timeout: 10_000 });
    const summary = panel.locator('#authorship summary');
    await waitUntil(
      async () => /it deleted 15 characters/.test(await summary.innerText()),
      'the deletion in the summary headline',
      10_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; the summary reads "${await summary.innerText()}"`);
    });
    const details = panel.locator('#authorship details');
    if ((await details.getAttribute('open')) === null) await summary.click();
    const removed = panel.locator('#authorship .authorship-run-removed');
    await removed.first().waitFor({ timeout: 5_000 });
    assert.equal(await removed.count(), 1, 'one proposal deleted text');
    assert.match(await removed.first().innerText(), /deleted 15 characters: “ {2}de: 'Hallo',⏎”/);
    await workbench.screenshot('authorship-deleted');
  });
});
