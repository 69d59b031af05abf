// The assistant as a co-editor in a shared session: two code-server windows, two browsers, the
// scripted model server. Alice asks her assistant for an edit of a shared file; Bob sees both hunks in
// his editor and panel, types above them and they stay on their lines in both windows; Bob accepts
// one hunk and Alice rejects the other; both end with the same text, only the accepted hunk applied.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Frame, type Page } from 'playwright-core';
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
  sessionStatus,
  startAndJoin,
} from './twoPeople';

const ORIGINAL = fs.readFileSync(
  path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'workspace', 'src', 'greeter.ts'),
  'utf8',
);

/** Two SEARCH/REPLACE blocks for src/greeter.ts: a changed line (hunk 1) and an added one (hunk 2). */
const ANSWER = `Spanish needs a language code and a salutation.

src/greeter.ts
<<<<<<< SEARCH
  language: 'en' | 'fr' | 'de';
=======
  language: 'en' | 'fr' | 'de' | 'es';
>>>>>>> REPLACE

src/greeter.ts
<<<<<<< SEARCH
  de: 'Hallo',
};
=======
  de: 'Hallo',
  es: 'Hola',
};
>>>>>>> REPLACE
`;

const BOB_LINE = 'const bob = 1;\n';
const LANGUAGE_LINE = "  language: 'en' | 'fr' | 'de';";
const HALLO_LINE = "  de: 'Hallo',";
/** 1-based line of `text` in `content`. */
const lineOf = (content: string, text: string) => content.split('\n').indexOf(text) + 1;

/**
 * True when the active editor draws a hunk on the line holding `lineText`: the proposed text is
 * shown beside that very line (Tandem's decoration puts it in the line's ::after content).
 */
async function hunkDrawnOn(page: Page, lineText: string, proposed: string): Promise<boolean> {
  return page.evaluate(
    ({ lineText, proposed }) => {
      const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')];
      const line = lines.find((element) => element.textContent?.replace(/\u00a0/g, ' ') === lineText);
      if (!line) return false;
      return [...line.querySelectorAll('span')].some((span) =>
        getComputedStyle(span, '::after')
          .content.replace(/\u00a0/g, ' ')
          .includes(proposed),
      );
    },
    { lineText, proposed },
  );
}

/**
 * The active editor's text as shown, line by line in screen order (the editor reuses line elements,
 * so their order in the page is not the order on screen).
 */
async function editorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.editor-instance .monaco-editor .view-lines .view-line')]
      .map((line) => ({ top: parseFloat(line.style.top) || 0, text: line.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text.replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}

/** The "Line N · …" titles of the hunks a panel lists. */
async function hunkTitles(panel: Frame): Promise<string[]> {
  return panel.locator('.hunk .hunk-title').allInnerTexts();
}

async function openSharedFile(bench: Workbench, name: string): Promise<void> {
  await bench.runCommand('Tandem: Open Shared File');
  await answerQuickInput(bench.page, name, name);
  await bench.page.locator(`.tab.active[aria-label*="${name}"]`).first().waitFor({ timeout: 30_000 });
}

describe('e2e: the assistant in a shared session, its proposal reviewed by Alice and Bob', function () {
  this.timeout(240_000);
  let people: TwoPeople | undefined;
  let alice: Workbench;
  let bob: Workbench;
  let aliceFolder: string;
  let stateDir: string;
  let model: ScriptedModelServer;
  let alicePanel: Frame;
  let bobPanel: Frame;

  before(async () => {
    // Slow enough to be seen at work (about three seconds), as a real model is.
    model = await startScriptedModelServer({
      script: [{ endpoint: 'chat/completions', match: 'Add Spanish', text: ANSWER, perTokenDelayMs: 60 }],
    });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-shared-assistant-'));
    aliceFolder = freshWorkspace(stateDir, 'alice-project');
    ({ alice, bob } = people = await openAliceAndBob({
      name: 'shared-assistant',
      aliceFolder,
      alice: {
        'tandem.collab.color': '#e8590c',
        'tandem.model.baseUrl': model.url,
        'tandem.collab.shareAssistantThread': true,
        'tandem.completion.enabled': false,
        'editor.codeLens': true,
      },
      bob: {
        'tandem.collab.color': '#1c7ed6',
        // Bob has no model of his own: Alice's assistant is the one at work.
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
    await openSharedFile(bob, 'greeter.ts');
    await waitUntil(
      async () => (await visibleEditorText(bob.page)).includes('export function greetAll'),
      "Bob's editor shows the shared greeter.ts",
      30_000,
    );
  });

  it('Alice asks for an edit; the Participants view shows the assistant at work; Bob sees both hunks', async () => {
    // Bob's Explorer shows the session's participants while Alice's assistant answers.
    const participants = bob.page.locator('.monaco-list-row', { hasText: 'Assistant · asked by Alice' });
    await bob.runCommand('Explorer: Focus on Tandem Participants View');
    await bob.page.locator('.monaco-list-row', { hasText: 'Alice' }).first().waitFor({ timeout: 30_000 });

    await alice.runCommand('Tandem: New Conversation');
    alicePanel = await alice.webviewFrame('#request');
    const input = alicePanel.locator('#request');
    await input.click();
    await input.fill('Add Spanish to the greetings');
    await input.press('Enter');
    await model.waitForRequest((candidate) => candidate.path === '/v1/chat/completions', 30_000);
    await participants.first().waitFor({ timeout: 20_000 });
    await bob.screenshot('assistant-in-participants');
    // Follow works on it: a click on its row, and Bob's status says whom he follows.
    await participants.first().click();
    await waitUntil(
      async () => (await sessionStatus(bob.page).innerText()).includes('Assistant · asked by Alice'),
      "Bob's status to say he follows the assistant",
      10_000,
    );
    // Once the answer is in, the assistant leaves the room again.
    await participants.first().waitFor({ state: 'detached', timeout: 30_000 });

    // Alice's panel lists the proposal with its two hunks, shared in the session.
    await alicePanel.locator('.hunk.pending').nth(1).waitFor({ timeout: 30_000 });
    assert.match(await alicePanel.locator('.shared-origin').first().innerText(), /asked by you/);

    // Bob: both hunks drawn in his editor where they would land, with their CodeLens.
    await waitUntil(
      async () =>
        (await hunkDrawnOn(bob.page, LANGUAGE_LINE, "'de' | 'es'")) &&
        (await hunkDrawnOn(bob.page, HALLO_LINE, "es: 'Hola'")),
      "both hunks drawn in Bob's editor",
      30_000,
    );
    await bob.page
      .locator('.codelens-decoration a', { hasText: 'Reject' })
      .nth(1)
      .waitFor({ timeout: 20_000 });
    assert.ok(
      (await bob.page.locator('.codelens-decoration', { hasText: 'asked by Alice' }).count()) > 0,
      "Bob's CodeLens says who asked",
    );
    // And in his panel, with who asked and (Alice shares her thread) why.
    await bob.runCommand('Tandem: New Conversation');
    bobPanel = await bob.webviewFrame('#request');
    await bobPanel.locator('.hunk.pending').nth(1).waitFor({ timeout: 20_000 });
    assert.equal(await bobPanel.locator('.hunk.pending').count(), 2);
    const origin = await bobPanel.locator('.shared-origin').first().innerText();
    assert.match(origin, /Assistant · asked by Alice/);
    assert.match(origin, /Request and answer/);
    await bob.screenshot('hunks-shared');
  });

  it('Bob types above the hunks: they stay on their lines in both windows', async () => {
    await bob.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await bob.page.keyboard.press('Control+Home');
    await bob.page.keyboard.type(BOB_LINE, { delay: 15 });
    const moved = BOB_LINE + ORIGINAL;
    const expectedTitles = [
      new RegExp(`^Line ${lineOf(moved, LANGUAGE_LINE)} `),
      // A pure insertion sits after the line above it.
      new RegExp(`^Line ${lineOf(moved, HALLO_LINE) + 1} `),
    ];
    for (const [page, panel, who] of [
      [alice.page, alicePanel, 'Alice'],
      [bob.page, bobPanel, 'Bob'],
    ] as const) {
      await waitUntil(
        async () => (await editorText(page)).startsWith(BOB_LINE.trim()),
        `${who}'s editor shows Bob's line`,
        20_000,
      );
      await waitUntil(
        async () => {
          const titles = await hunkTitles(panel);
          return titles.length === 2 && titles.every((title, i) => expectedTitles[i].test(title));
        },
        `${who}'s panel lists the hunks one line lower (${JSON.stringify(await hunkTitles(panel))})`,
        20_000,
      );
      await waitUntil(
        async () =>
          (await hunkDrawnOn(page, LANGUAGE_LINE, "'de' | 'es'")) &&
          (await hunkDrawnOn(page, HALLO_LINE, "es: 'Hola'")),
        `${who}'s editor draws both hunks on their lines`,
        20_000,
      );
    }
  });

  it('Bob accepts hunk 1 and Alice rejects hunk 2: both end with the same text, only hunk 1 applied', async () => {
    await bobPanel
      .locator('.hunk.pending')
      .first()
      .getByRole('button', { name: /^Accept the change at line/ })
      .click();
    await alicePanel.locator('.hunk.accepted').first().waitFor({ timeout: 20_000 });
    await dismissNotifications(alice.page);
    const reject = alice.page.locator('.codelens-decoration a', { hasText: 'Reject' });
    await waitUntil(
      async () => (await reject.count()) === 1,
      "one hunk left to decide in Alice's editor",
      20_000,
    );
    await reject.first().click();
    for (const [panel, who] of [
      [alicePanel, 'Alice'],
      [bobPanel, 'Bob'],
    ] as const) {
      await panel.locator('.hunk.rejected').first().waitFor({ timeout: 20_000 });
      const titles = await hunkTitles(panel);
      assert.match(titles[0], who === 'Bob' ? /accepted by you/ : /accepted by Bob/);
      assert.match(titles[1], who === 'Alice' ? /rejected by you/ : /rejected by Alice/);
    }
    // Only the one who accepted may undo it: Bob's panel offers Undo, Alice's does not.
    assert.equal(await bobPanel.getByRole('button', { name: /^Undo your accept/ }).count(), 1);
    assert.equal(await alicePanel.getByRole('button', { name: /^Undo your accept/ }).count(), 0);

    const expected = (BOB_LINE + ORIGINAL).replace(LANGUAGE_LINE, "  language: 'en' | 'fr' | 'de' | 'es';");
    // The editor's last (empty) line renders as an empty row: compare without trailing line breaks.
    const shown = expected.trimEnd();
    for (const [page, who] of [
      [alice.page, 'Alice'],
      [bob.page, 'Bob'],
    ] as const) {
      let last = '';
      await waitUntil(
        async () => (last = (await editorText(page)).trimEnd()) === shown,
        `${who}'s editor shows only hunk 1 applied`,
        20_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; it shows:\n${last}`);
      });
    }
    const bobRejects = bob.page.locator('.codelens-decoration a', { hasText: 'Reject' });
    await waitUntil(async () => (await bobRejects.count()) === 0, "no CodeLens left in Bob's editor", 10_000);
    // Alice saves: the file on disk is exactly the text both editors show.
    await alice.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await alice.page.keyboard.press('Control+S');
    const file = path.join(aliceFolder, 'src', 'greeter.ts');
    await waitUntil(
      () => fs.readFileSync(file, 'utf8') === expected,
      "Alice's disk holds the result",
      20_000,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), expected);
    assert.equal(await editorText(bob.page), await editorText(alice.page));
    await alice.screenshot('decided');
    await bob.screenshot('decided');
  });
});
