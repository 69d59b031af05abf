// Joining reloads Bob's window into a workspace, and the web workbench sometimes keeps the replaced
// extension host running (CI twice counted its connection as a third participant for over 90 s).
// Here Bob's page is made to keep it every time: of what it sends code-server, the "terminate" and
// "disconnect" messages are dropped (keepReplacedExtensionHosts). The extension host left running
// must leave the session by itself, so both windows count two participants and keep doing so. The
// same seat makes a second tab on Bob's workspace take his place; the first says so and takes the
// session back with Join Here.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Page } from 'playwright-core';
import { freshWorkspace, type Workbench } from './workbench';
import {
  keepDiagnosticsOnFailure,
  keepReplacedExtensionHosts,
  openAliceAndBob,
  type TwoPeople,
  startAndJoin,
  waitForStatus,
} from './twoPeople';

/** What each of the window's extension hosts wrote to Tandem's log so far. */
function tandemLogs(window: Workbench): string[] {
  const logs = path.join(window.stateDir, 'user-data', 'logs');
  const found: string[] = [];
  for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : [])
    for (const host of fs
      .readdirSync(path.join(logs, session))
      .filter((name) => name.startsWith('exthost'))) {
      const file = path.join(logs, session, host, 'tandem.tandem', 'Tandem.log');
      if (fs.existsSync(file)) found.push(fs.readFileSync(file, 'utf8'));
    }
  return found;
}

describe('e2e: joining, while the web workbench keeps the replaced extension host running', function () {
  this.timeout(240_000);
  let people: TwoPeople | undefined;
  let alice: Workbench;
  let bob: Workbench;
  let stateDir: string;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-join-reload-'));
    const aliceFolder = freshWorkspace(stateDir, 'alice-shared');
    ({ alice, bob } = people = await openAliceAndBob({ name: 'join-reload', aliceFolder }));
  });

  after(async () => {
    await people?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  afterEach(keepDiagnosticsOnFailure(() => [alice, bob]));

  it('the extension host left running leaves the session; both windows count two participants', async () => {
    // The routing applies to pages loaded after it: Bob's page loads again first.
    await keepReplacedExtensionHosts(bob.page);
    await bob.page.reload();
    await bob.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });

    await startAndJoin(alice, bob, ['alice-shared (Alice, Tandem)']);

    // The host that joined before the reload was still running, and left by itself.
    const deadline = Date.now() + 60_000;
    let left: string | undefined;
    while (!left && Date.now() < deadline) {
      left = tandemLogs(bob)
        .flatMap((log) => log.split('\n'))
        .find((line) => line.includes('a later extension host of this window joined the session'));
      if (!left) await bob.page.waitForTimeout(500);
    }
    assert.ok(left, 'the extension host Bob’s window replaced says it gave way to the later one');
    console.log(`      (${left.replace(/^.*\[collab\] /, '')})`);

    // And nobody comes back: a while later, still two in both windows.
    await bob.page.waitForTimeout(3000);
    await waitForStatus(alice.page, /connected, 2 participants/, 5000);
    await waitForStatus(bob.page, /connected, 2 participants/, 5000);
    await bob.screenshot('two-participants');
  });

  it('Bob opens the same workspace in a second tab: the first says it left and takes the session back with Join Here', async () => {
    const leftNotice = (page: Page) =>
      page.locator('.notification-toast', { hasText: 'this window left the session' });
    const secondTab = await bob.page.context().newPage();
    try {
      await secondTab.setViewportSize({ width: 1400, height: 900 });
      await secondTab.goto(bob.page.url());
      await waitForStatus(secondTab, /connected, 2 participants/);
      await bob.page.bringToFront();
      await leftNotice(bob.page).waitFor({ timeout: 30_000 });
      await bob.screenshot('first-tab-left');
      await waitForStatus(alice.page, /connected, 2 participants/, 10_000);

      await leftNotice(bob.page).getByRole('button', { name: 'Join Here' }).click();
      await waitForStatus(bob.page, /connected, 2 participants/);
      await secondTab.bringToFront();
      await leftNotice(secondTab).waitFor({ timeout: 30_000 });
      await waitForStatus(alice.page, /connected, 2 participants/, 10_000);
    } finally {
      await secondTab.close();
    }
  });
});
