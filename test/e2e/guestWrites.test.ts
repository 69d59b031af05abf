// A read-write guest tries to rewrite the host's configuration: Bob saves .vscode/settings.json and
// .tandemignore in the folder Alice shares; Alice is asked, with the diff, and denies; her disk is
// unchanged. Two code-server instances, two browsers, as in collab.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser } from 'playwright-core';
import { dismissNotifications, freshWorkspace, openWorkbench, type Workbench } from './workbench';
import { answerQuickInput, explorerShows, personalBrowser, waitForStatus } from './twoPeople';

const SETTINGS = '{\n  "editor.tabSize": 2\n}\n';
const IGNORE = 'private/\n';

describe('e2e: a guest cannot rewrite the host configuration without the host', function () {
  this.timeout(240_000);
  let alice: Workbench;
  let bob: Workbench;
  let aliceFolder: string;
  let stateDir: string;
  const browsers: Browser[] = [];

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-guest-writes-'));
    aliceFolder = freshWorkspace(stateDir, 'alice-config');
    fs.mkdirSync(path.join(aliceFolder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(aliceFolder, '.vscode', 'settings.json'), SETTINGS);
    fs.writeFileSync(path.join(aliceFolder, '.tandemignore'), IGNORE);
    browsers.push(await personalBrowser(), await personalBrowser());
    alice = await openWorkbench({
      name: 'guest-writes-alice',
      folder: aliceFolder,
      browser: browsers[0],
      settings: { 'tandem.collab.name': 'Alice' },
    });
    bob = await openWorkbench({
      name: 'guest-writes-bob',
      browser: browsers[1],
      settings: { 'tandem.collab.name': 'Bob' },
    });
  });

  after(async () => {
    await alice?.close();
    await bob?.close();
    for (const owner of browsers) await owner.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    // A failed wait leaves both windows' pictures and console logs under test/e2e/screenshots/.
    if (this.currentTest?.state !== 'failed') return;
    const label = `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`;
    await Promise.all([alice?.saveDiagnostics(label), bob?.saveDiagnostics(label)]);
  });

  /** Bob edits a shared file and saves it; Alice gets the prompt with the diff and denies. */
  async function bobSavesAndAliceDenies(file: string, typed: string): Promise<void> {
    await bob.runCommand('Tandem: Open Shared File');
    await answerQuickInput(bob.page, path.basename(file), path.basename(file));
    await bob.page
      .locator(`.tab.active[aria-label*="${path.basename(file)}"]`)
      .first()
      .waitFor({ timeout: 30_000 });
    await bob.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await bob.page.keyboard.press('Control+End');
    await bob.page.keyboard.type(typed, { delay: 10 });
    await bob.page.keyboard.press('Control+S');
    const dialog = alice.page.locator('.monaco-dialog-box', { hasText: `Bob wants to change ${file}` });
    await dialog.waitFor({ timeout: 60_000 });
    // The prompt shows what would change.
    assert.match(await dialog.innerText(), new RegExp(typed.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await alice.screenshot(`prompt-${path.basename(file)}`);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
  }

  it('Bob joins Alice’s session read-write', async () => {
    await alice.runCommand('Tandem: Start Shared Session');
    await answerQuickInput(alice.page, 'This machine only', 'This machine only');
    await waitForStatus(alice.page, /connected, 1 participants/);
    const link = await alice.page.evaluate(() => navigator.clipboard.readText());
    await bob.runCommand('Tandem: Join Shared Session');
    await answerQuickInput(bob.page, link);
    await bob.page.waitForURL(/[?&]workspace=/, { timeout: 60_000 });
    await bob.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await waitForStatus(bob.page, /connected, 2 participants/, 90_000).catch(async (error: Error) => {
      // Kept for whoever reads a failed run: what Bob's window showed.
      await bob.screenshot('join-failed');
      throw error;
    });
    // The shared folder is in Bob's Explorer: the window has settled into the workspace it joined.
    await explorerShows(bob.page, ['alice-config (Alice, Tandem)']);
    await waitForStatus(alice.page, /connected, 2 participants/);
    await dismissNotifications(bob.page);
  });

  it('Bob saves .vscode/settings.json and .tandemignore; Alice denies; her disk is unchanged', async () => {
    await bobSavesAndAliceDenies('.vscode/settings.json', ' // "tandem.model.baseUrl": "http://evil"');
    await bobSavesAndAliceDenies('.tandemignore', '!.env');
    // Whatever Bob's window does next (it may retry a save), nothing reaches Alice's disk.
    await alice.page.waitForTimeout(2000);
    assert.equal(fs.readFileSync(path.join(aliceFolder, '.vscode', 'settings.json'), 'utf8'), SETTINGS);
    assert.equal(fs.readFileSync(path.join(aliceFolder, '.tandemignore'), 'utf8'), IGNORE);
    await bob.screenshot('after-denial');
  });
});
