// What the assistant wrote, in a shared session: two code-server windows, two browsers, the scripted
// model server. Alice asks her assistant for an edit of a shared file, Bob accepts it, and both
// windows mark the accepted line in the gutter; Alice types inside the accepted text; Bob runs
// "Tandem: Revert Assistant Edits": only the assistant's characters go, in both windows, and the
// text is byte-identical (both editors, and Alice's disk once she saves); the proposal's card says
// reverted (by Bob) in both windows' panels, and accepted again in both after Bob's Undo.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Page } from 'playwright-core';
import { startScriptedModelServer, type ScriptedModelServer } from '../fixtures/model-server';
import {
  dismissNotifications,
  freshWorkspace,
  visibleEditorText,
  waitUntil,
  type Workbench,
} from './workbench';
import {
  answerQuickInput,
  keepDiagnosticsOnFailure,
  openAliceAndBob,
  type TwoPeople,
  startAndJoin,
} from './twoPeople';

const ORIGINAL = fs.readFileSync(
  path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'workspace', 'src', 'greeter.ts'),
  'utf8',
);

const LANGUAGE_LINE = "  language: 'en' | 'fr' | 'de';";
const ACCEPTED_LINE = "  language: 'en' | 'fr' | 'de' | 'es';";
const ANSWER = `Spanish needs a language code.

src/greeter.ts
<<<<<<< SEARCH
${LANGUAGE_LINE}
=======
${ACCEPTED_LINE}
>>>>>>> REPLACE
`;
/** What Alice types inside the assistant's characters (" | 'es'"), between its "e" and "s". */
const ALICE_TYPES = 'x';

/** The active editor's text as shown, line by line in screen order. */
async function editorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.editor-instance .monaco-editor .view-lines .view-line')]
      .map((line) => ({ top: parseFloat(line.style.top) || 0, text: line.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text.replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}

/** The screen rows (top offsets) of the authorship gutter marks in the active editor. */
async function gutterMarks(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.editor-instance .monaco-editor .cgmr')]
      .filter((element) => /authorship-gutter/.test(getComputedStyle(element).backgroundImage))
      .map((element) => Math.round(element.getBoundingClientRect().top)),
  );
}

/** The screen row (top offset) of the editor line showing `text`, if it is on screen. */
async function rowOf(page: Page, text: string): Promise<number | undefined> {
  return page.evaluate((text) => {
    const line = [
      ...document.querySelectorAll<HTMLElement>('.editor-instance .monaco-editor .view-lines .view-line'),
    ].find((element) => element.textContent?.replace(/\u00a0/g, ' ') === text);
    return line ? Math.round(line.getBoundingClientRect().top) : undefined;
  }, text);
}

describe('e2e: what the assistant wrote in a shared session, and taking it back', function () {
  this.timeout(240_000);
  let people: TwoPeople | undefined;
  let alice: Workbench;
  let bob: Workbench;
  let aliceFolder: string;
  let stateDir: string;
  let model: ScriptedModelServer;

  before(async () => {
    model = await startScriptedModelServer({
      script: [{ endpoint: 'chat/completions', match: 'Add Spanish', text: ANSWER }],
    });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-shared-authorship-'));
    aliceFolder = freshWorkspace(stateDir, 'alice-project');
    ({ alice, bob } = people = await openAliceAndBob({
      name: 'shared-authorship',
      aliceFolder,
      alice: {
        'tandem.collab.color': '#e8590c',
        'tandem.model.baseUrl': model.url,
        'tandem.completion.enabled': false,
        'editor.codeLens': true,
      },
      bob: {
        'tandem.collab.color': '#1c7ed6',
        'tandem.completion.enabled': false,
        'editor.codeLens': true,
      },
    }));
  });

  after(async () => {
    await people?.close();
    await model?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  afterEach(keepDiagnosticsOnFailure(() => [alice, bob]));

  it('Alice shares her folder, Bob joins, both open src/greeter.ts', async () => {
    await startAndJoin(alice, bob, ['alice-project (Alice, Tandem)', 'WORKSPACE']);
    await alice.openFile('src/greeter.ts');
    await bob.runCommand('Tandem: Open Shared File');
    await answerQuickInput(bob.page, 'greeter.ts', 'greeter.ts');
    await bob.page.locator('.tab.active[aria-label*="greeter.ts"]').first().waitFor({ timeout: 30_000 });
    await waitUntil(
      async () => (await visibleEditorText(bob.page)).includes('export function greetAll'),
      "Bob's editor shows the shared greeter.ts",
      30_000,
    );
  });

  it('Alice asks for an edit, Bob accepts it: both windows mark the accepted line in the gutter', async () => {
    await alice.runCommand('Tandem: New Conversation');
    const panel = await alice.webviewFrame('#request');
    const input = panel.locator('#request');
    await input.click();
    await input.fill('Add Spanish to the greetings');
    await input.press('Enter');
    const accept = bob.page.locator('.codelens-decoration a', { hasText: 'Accept (' });
    await accept.first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await gutterMarks(bob.page), [], 'no marks before anything is accepted');
    await accept.first().click();
    for (const [page, who] of [
      [alice.page, 'Alice'],
      [bob.page, 'Bob'],
    ] as const) {
      await waitUntil(
        async () => (await rowOf(page, ACCEPTED_LINE)) !== undefined,
        `${who}'s editor shows the accepted line`,
        20_000,
      );
      let marks: number[] = [];
      await waitUntil(
        async () => {
          marks = await gutterMarks(page);
          const row = await rowOf(page, ACCEPTED_LINE);
          return marks.length === 1 && row !== undefined && Math.abs(marks[0] - row) <= 2;
        },
        `${who}'s gutter marks exactly the accepted line`,
        20_000,
      ).catch(async (error: Error) => {
        throw new Error(
          `${error.message}; marks at ${JSON.stringify(marks)}, line at ${await rowOf(page, ACCEPTED_LINE)}`,
        );
      });
    }
    await dismissNotifications(alice.page);
    await dismissNotifications(bob.page);
    await alice.screenshot('marked');
    await bob.screenshot('marked');
  });

  it("Alice types inside the accepted text; Bob's Revert takes back only the assistant's characters, in both windows", async () => {
    // Alice: inside what the assistant wrote on the accepted line, before the "s" of 'es'.
    await alice.page
      .locator('.editor-instance .monaco-editor .view-line', { hasText: "'es';" })
      .first()
      .click();
    await alice.page.keyboard.press('End');
    const column = ACCEPTED_LINE.indexOf("s';") + 1;
    for (let i = 0; i < 3; i++) await alice.page.keyboard.press('ArrowLeft');
    await waitUntil(
      async () => (await alice.page.locator('.statusbar').innerText()).includes(`Col ${column}`),
      `Alice's cursor at column ${column}`,
      10_000,
    );
    await alice.page.keyboard.type(ALICE_TYPES, { delay: 20 });
    const typedLine = ACCEPTED_LINE.replace("'es';", `'e${ALICE_TYPES}s';`);
    await waitUntil(
      async () => (await rowOf(bob.page, typedLine)) !== undefined,
      "Alice's typing in Bob's editor",
      20_000,
    );
    // The line still holds assistant characters: it keeps its mark.
    await waitUntil(
      async () => (await gutterMarks(bob.page)).length === 1,
      "Bob's mark after Alice typed",
      10_000,
    );

    await bob.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await bob.runCommand('Tandem: Revert Assistant Edits');
    await answerQuickInput(bob.page, 'In this file', 'In this file');
    // The assistant wrote " | 'es'" (the rest of the line was there before): those characters go,
    // Alice's stay, and nothing is restored in their place (it was a pure insertion).
    const expected = ORIGINAL.replace(LANGUAGE_LINE, `${LANGUAGE_LINE.slice(0, -1)}${ALICE_TYPES};`);
    const shown = expected.trimEnd();
    for (const [page, who] of [
      [alice.page, 'Alice'],
      [bob.page, 'Bob'],
    ] as const) {
      let last = '';
      await waitUntil(
        async () => (last = (await editorText(page)).trimEnd()) === shown,
        `${who}'s editor shows the revert`,
        20_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; it shows:\n${last}`);
      });
      await waitUntil(
        async () => (await gutterMarks(page)).length === 0,
        `no marks left in ${who}'s gutter`,
        10_000,
      );
    }
    assert.equal(await editorText(bob.page), await editorText(alice.page));
    // Alice saves: her disk holds exactly that text.
    await alice.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await alice.page.keyboard.press('Control+S');
    const file = path.join(aliceFolder, 'src', 'greeter.ts');
    await waitUntil(
      () => fs.readFileSync(file, 'utf8') === expected,
      "Alice's disk holds the result",
      20_000,
    );
    await alice.screenshot('reverted');
    await bob.screenshot('reverted');
  });

  it("says reverted, by Bob, on the proposal's card in both windows; Bob's Undo makes it accepted again in both", async () => {
    const alicePanel = await alice.webviewFrame('#request');
    await bob.runCommand('Tandem: New Conversation');
    const bobPanel = await bob.webviewFrame('#request');
    for (const [panel, who, bob] of [
      [alicePanel, 'Alice', 'Bob'],
      [bobPanel, 'Bob', 'you'],
    ] as const) {
      const reverted = panel.locator('.hunk.reverted').first();
      await reverted.waitFor({ timeout: 20_000 });
      const label = (await reverted.getAttribute('aria-label')) ?? '';
      assert.match(label, new RegExp(`accepted by ${bob} · reverted by ${bob} (at|on) `), `${who}: ${label}`);
      assert.equal(await panel.locator('.hunk.accepted').count(), 0, `${who}: no card says accepted`);
    }
    await dismissNotifications(alice.page);
    await dismissNotifications(bob.page);
    await alice.screenshot('card-reverted');
    await bob.screenshot('card-reverted');
    // Bob's Undo of his revert, in his editor: the assistant's characters come back, and both cards say accepted.
    await bob.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await bob.page.keyboard.press('Control+Z');
    const typedLine = ACCEPTED_LINE.replace("'es';", `'e${ALICE_TYPES}s';`);
    for (const [page, panel, who] of [
      [alice.page, alicePanel, 'Alice'],
      [bob.page, bobPanel, 'Bob'],
    ] as const) {
      await waitUntil(
        async () => (await rowOf(page, typedLine)) !== undefined,
        `${who}'s editor shows the undone revert`,
        20_000,
      );
      await panel.locator('.hunk.accepted').first().waitFor({ timeout: 20_000 });
      assert.equal(await panel.locator('.hunk.reverted').count(), 0, `${who}: no card says reverted`);
    }
  });
});
