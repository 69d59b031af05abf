import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { closeBrowser, openWorkbench, statusBarItem, type Workbench } from './workbench';

describe('e2e: Tandem in the real workbench', function () {
  let workbench: Workbench;

  before(async function () {
    workbench = await openWorkbench({ name: 'foundation' });
  });

  after(async function () {
    await workbench?.close();
    await closeBrowser();
  });

  it('activates and shows its status bar item', async function () {
    const item = statusBarItem(workbench.page, 'Tandem');
    await item.waitFor({ state: 'visible' });
    assert.match(await item.innerText(), /Tandem/);
    assert.ok(fs.existsSync(await workbench.screenshot('status-bar')));
  });

  it('"Tandem: Show Log" opens the Tandem log', async function () {
    await workbench.runCommand('Tandem: Show Log');
    const page = workbench.page;
    // The Output panel shows the Tandem channel and the line activate() wrote.
    await page
      .locator('.panel .monaco-editor .view-line', { hasText: 'activated in' })
      .first()
      .waitFor({ timeout: 20_000 });
    const select = page.locator('.panel .monaco-select-box').first();
    assert.match((await select.getAttribute('title')) ?? (await select.inputValue()), /Tandem/);
    await workbench.screenshot('show-log');
  });
});
