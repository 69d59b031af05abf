// A read-write guest tries to rewrite the host's configuration: Bob saves .vscode/settings.json and
// .tandemignore in the folder Alice shares; Alice is asked, with the diff, and denies; her disk is
// unchanged. Two code-server instances, two browsers, as in collab.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freshWorkspace, type Workbench } from './workbench';
import {
  answerQuickInput,
  keepDiagnosticsOnFailure,
  openAliceAndBob,
  type TwoPeople,
  startAndJoin,
} from './twoPeople';

const SETTINGS = '{\n  "editor.tabSize": 2\n}\n';
const IGNORE = 'private/\n';

describe('e2e: a guest cannot rewrite the host configuration without the host', function () {
  this.timeout(240_000);
  let people: TwoPeople | undefined;
  let alice: Workbench;
  let bob: Workbench;
  let aliceFolder: string;
  let stateDir: string;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-guest-writes-'));
    aliceFolder = freshWorkspace(stateDir, 'alice-config');
    fs.mkdirSync(path.join(aliceFolder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(aliceFolder, '.vscode', 'settings.json'), SETTINGS);
    fs.writeFileSync(path.join(aliceFolder, '.tandemignore'), IGNORE);
    ({ alice, bob } = people = await openAliceAndBob({ name: 'guest-writes', aliceFolder }));
  });

  after(async () => {
    await people?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  afterEach(keepDiagnosticsOnFailure(() => [alice, bob]));

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
    await startAndJoin(alice, bob, ['alice-config (Alice, Tandem)']);
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
