import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { fillPrefix, startScriptedModelServer, type ScriptedModelServer } from '../fixtures/model-server';
import {
  closeBrowser,
  freshWorkspace,
  openWorkbench,
  ghostText,
  statusBarItem,
  visibleEditorText,
  waitUntil,
  type Workbench,
} from './workbench';

/** The scripted model: what it answers for the text before the cursor. */
const ANSWERS: [RegExp, string][] = [
  [/\n {2}return $/, 'clamp(a + b, MIN, MAX);'],
  [/\n {2}const limit = $/, 'Math.max(first, second);'],
  [/\n {2}const total = $/, 'values.reduce((sum, value) => sum + value, 0);'],
];

const CALC = ['export function add(a: number, b: number): number {', '  ', '}', ''].join('\n');

/** Waits until the ghost text reads `expected`; the error says what it read instead. */
async function waitForGhost(page: Page, expected: string, what: string): Promise<void> {
  let seen = '';
  try {
    await waitUntil(async () => (seen = await ghostText(page)) === expected, what);
  } catch {
    throw new Error(
      `timed out waiting until ${what}: ghost text ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}; ` +
        `the editor shows ${JSON.stringify(await visibleEditorText(page))}`,
    );
  }
}

describe('e2e: inline suggestions in the workbench', function () {
  let server: ScriptedModelServer;
  let workbench: Workbench;
  let folder: string;
  const completionRequests = () => server.requests.filter((request) => request.path === '/v1/completions');

  before(async function () {
    server = await startScriptedModelServer({
      timeToFirstTokenMs: 30,
      perTokenDelayMs: 3,
      script: (request) => {
        const prefix = fillPrefix(request.promptText);
        const answer = ANSWERS.find(([pattern]) => pattern.test(prefix));
        return { text: answer ? answer[1] : '' };
      },
    });
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-completion-folder-'));
    folder = freshWorkspace(stateDir);
    fs.writeFileSync(path.join(folder, 'src', 'calc.ts'), CALC);
    fs.writeFileSync(path.join(folder, '.env'), 'DATABASE_URL=postgres://app:s3cr3t@db/app\n');
    workbench = await openWorkbench({
      name: 'completion',
      folder,
      settings: {
        'tandem.model.baseUrl': server.url,
        // The word-suggestion widget would cover the ghost text in screenshots; it is not under test.
        'editor.quickSuggestions': { other: false, comments: false, strings: false },
        'editor.suggestOnTriggerCharacters': false,
        'editor.autoClosingBrackets': 'never',
      },
    });
  });

  afterEach(async function () {
    // A failed step leaves a picture of the workbench and what the model server saw.
    if (this.currentTest?.state !== 'failed' || !workbench) return;
    await workbench.screenshot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
    const seen = server.requests.map(
      (request) =>
        `${request.path} ${request.status ?? ''} ${JSON.stringify(fillPrefix(request.promptText ?? '').slice(-40))}`,
    );
    console.log(`model server requests:\n  ${seen.join('\n  ')}`);
  });

  after(async function () {
    await workbench?.close();
    await closeBrowser();
    await server?.close();
  });

  async function typeOnEmptyLine(text: string) {
    const { page } = workbench;
    // Line 2 holds the indentation only: go there, clear the line, and type.
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type(`  ${text}`, { delay: 40 });
  }

  /** Saves the active editor; resolves with line 2 of src/calc.ts on disk once it reads `expected` (or at the timeout). */
  async function savedLine(expected: string): Promise<string> {
    await workbench.page.keyboard.press('Control+S');
    let line = '';
    await waitUntil(() => {
      line = fs.readFileSync(path.join(folder, 'src', 'calc.ts'), 'utf8').split('\n')[1];
      return line === expected;
    }, 'the file is saved').catch(() => undefined);
    return line;
  }

  it('shows ghost text after typing in a TypeScript file, and Tab inserts exactly the scripted text', async function () {
    await workbench.openFile('src/calc.ts');
    const before = completionRequests().length;
    await typeOnEmptyLine('return ');
    await waitForGhost(workbench.page, 'clamp(a + b, MIN, MAX);', 'the ghost text shows');
    await workbench.screenshot('ghost-text');
    assert.ok(completionRequests().length > before, 'a request went to the model server');
    const sent = completionRequests().at(-1)!;
    assert.match(
      fillPrefix(sent.promptText ?? ''),
      /export function add\(a: number, b: number\): number \{\n {2}return $/,
    );
    assert.match(await statusBarItem(workbench.page, 'Tandem').innerText(), /ms|ready/);
    await workbench.page.keyboard.press('Tab');
    await waitForGhost(workbench.page, '', 'the ghost text is gone');
    assert.equal(await savedLine('  return clamp(a + b, MIN, MAX);'), '  return clamp(a + b, MIN, MAX);');
    await workbench.screenshot('accepted');
  });

  it('accepts the next word with the built-in command (Ctrl+Right)', async function () {
    await typeOnEmptyLine('const limit = ');
    await waitForGhost(workbench.page, 'Math.max(first, second);', 'the ghost text shows');
    await workbench.page.keyboard.press('Control+ArrowRight');
    await waitForGhost(workbench.page, '.max(first, second);', 'the rest stays shown');
    assert.equal(await savedLine('  const limit = Math'), '  const limit = Math');
    await workbench.screenshot('accept-word');
  });

  it('serves the rest of a suggestion while its first characters are typed, with no new request', async function () {
    await typeOnEmptyLine('const total = ');
    await waitForGhost(
      workbench.page,
      'values.reduce((sum, value) => sum + value, 0);',
      'the ghost text shows',
    );
    const requestsBefore = completionRequests().length;
    await workbench.page.keyboard.type('values.re', { delay: 120 });
    await waitForGhost(workbench.page, 'duce((sum, value) => sum + value, 0);', 'the rest is shown');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(completionRequests().length, requestsBefore, 'the server saw no new request');
    await workbench.screenshot('type-along');

    await workbench.page.keyboard.press('Escape');
    await waitForGhost(workbench.page, '', 'Escape hides the ghost text');
    await workbench.screenshot('escaped');
  });

  it('sends no request at all from a .env file', async function () {
    const before = server.requests.length;
    await workbench.openFile('.env');
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.type('API_KEY=', { delay: 60 });
    await workbench.page.keyboard.press('Enter');
    await workbench.page.keyboard.type('SECRET=', { delay: 60 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(server.requests.length, before, 'no request reached the model server');
    assert.equal(await ghostText(workbench.page), '');
    // The status bar says why there are no suggestions here.
    await statusBarItem(workbench.page, 'not sent').waitFor({ timeout: 10_000 });
    await workbench.screenshot('env-no-request');
  });
});
