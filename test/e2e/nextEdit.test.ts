import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nextEditRegion, startScriptedModelServer, type ScriptedModelServer } from '../fixtures/model-server';
import {
  closeBrowser,
  freshWorkspace,
  openWorkbench,
  statusBarItem,
  visibleEditorText,
  waitUntil,
  type Workbench,
} from './workbench';

/** A function whose parameter is used 30 lines below its signature (off screen at this zoom). */
function source(param: string): string {
  const body = Array.from({ length: 29 }, (_, i) => `  const step${i} = ${i};`);
  return [`export function price(${param}: number) {`, ...body, `  return ${param} * 2;`, '}', ''].join('\n');
}

describe('e2e: next-edit suggestions in the workbench', function () {
  let server: ScriptedModelServer;
  let workbench: Workbench;
  let folder: string;
  const file = () => path.join(folder, 'src', 'price.ts');

  before(async function () {
    server = await startScriptedModelServer({
      timeToFirstTokenMs: 30,
      perTokenDelayMs: 1,
      script: (request) => {
        const region = nextEditRegion(request.promptText);
        if (region === undefined) return { text: '' };
        // Once the parameter reads `total`, the model suggests the same rename where it is used.
        const renamed = request.promptText.includes('+export function price(total: number) {');
        return { text: '```ts\n' + (renamed ? region.replace(/\bamount\b/g, 'total') : region) + '\n```' };
      },
    });
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-nextedit-folder-'));
    folder = freshWorkspace(stateDir);
    fs.writeFileSync(file(), source('amount'));
    workbench = await openWorkbench({
      name: 'nextedit',
      folder,
      settings: {
        'tandem.model.baseUrl': server.url,
        'tandem.nextEdit.enabled': true,
        // Ghost text is tested on its own; here the next edit is the only suggestion.
        'tandem.completion.enabled': false,
        'editor.quickSuggestions': { other: false, comments: false, strings: false },
        'editor.suggestOnTriggerCharacters': false,
        'editor.wordBasedSuggestions': 'off',
        // Big lines, so line 31 is below the visible part of the editor.
        'editor.lineHeight': 40,
        'editor.fontSize': 20,
        'editor.minimap.enabled': false,
      },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !workbench) return;
    await workbench.screenshot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
    console.log(
      `model server requests:\n  ${server.requests.map((r) => `${r.path} ${r.status ?? ''}`).join('\n  ')}`,
    );
    console.log(`editor shows:\n${await visibleEditorText(workbench.page)}`);
    const images = await workbench.page.evaluate(() =>
      [...document.querySelectorAll('.monaco-editor .cgmr')].map(
        (el) => `${el.tagName} ${el.className} ${getComputedStyle(el).backgroundImage}`,
      ),
    );
    console.log(`decorations: ${JSON.stringify(await decorationTexts())}`);
    console.log(`gutter icons:\n${images.join('\n')}\narrows: ${await gutterArrows()}`);
  });

  after(async function () {
    await workbench?.close();
    await closeBrowser();
    await server?.close();
  });

  /** Whether some element drawn in the editor's text is struck through and reads `text`. */
  async function struckThrough(text: string): Promise<boolean> {
    return workbench.page.evaluate((wanted) => {
      const spans = document.querySelectorAll('.editor-instance .monaco-editor .view-lines span');
      return [...spans].some(
        (span) =>
          getComputedStyle(span).textDecorationLine.includes('line-through') &&
          (span.textContent ?? '').replace(/\u00a0/g, ' ') === wanted,
      );
    }, text);
  }

  /** Text drawn by decorations beside text in the editor (`::before` / `::after` content), e.g. the inserted text. */
  async function decorationTexts(): Promise<string[]> {
    return workbench.page.evaluate(() =>
      [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines span')]
        .flatMap((span) => [
          getComputedStyle(span, '::before').content,
          getComputedStyle(span, '::after').content,
        ])
        .filter((content) => content && content !== 'none' && content !== 'normal')
        .map((content) => (JSON.parse(content) as string).replace(/\u00a0/g, ' ')),
    );
  }

  /** The number of gutter icons (the next-edit arrow) drawn in the editor's margin. */
  async function gutterArrows(): Promise<number> {
    return workbench.page.evaluate(
      () =>
        [...document.querySelectorAll('.monaco-editor .cgmr')].filter((el) =>
          /next-edit-(down|up)/.test(getComputedStyle(el).backgroundImage),
        ).length,
    );
  }

  it('shows an off-screen edit with a gutter arrow; Tab jumps to the struck-through preview and Tab accepts it', async function () {
    const { page } = workbench;
    await workbench.openFile('src/price.ts');
    // Select the parameter's name (line 1, after "export function price(") and type the new one.
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 22; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 6; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type('total', { delay: 60 });

    await waitUntil(async () => (await gutterArrows()) > 0, 'the gutter arrow shows', 30_000);
    assert.ok((await decorationTexts()).includes('Tab: next edit at line 31 ↓'), 'the arrow says where');
    assert.doesNotMatch(await visibleEditorText(page), /return amount/, 'line 31 is off screen');
    await statusBarItem(page, 'next edit (Tab)').waitFor({ timeout: 10_000 });
    await workbench.screenshot('offscreen-arrow');

    await page.keyboard.press('Tab');
    await waitUntil(() => struckThrough('amount'), 'the struck-through preview shows at line 31');
    await waitUntil(
      async () => (await decorationTexts()).includes('total'),
      'the new name is drawn beside the old',
    );
    assert.match(await visibleEditorText(page), /return amount \* 2;/, 'the file still reads the old name');
    assert.equal(await gutterArrows(), 0, 'no arrow once the edit is on screen');
    await workbench.screenshot('preview');
    const onDisk = fs.readFileSync(file(), 'utf8');
    assert.ok(
      onDisk === source('amount') || onDisk === source('amount').replace('price(amount', 'price(total'),
      'the jump changed nothing',
    );

    await page.keyboard.press('Tab');
    await waitUntil(
      async () => /return total \* 2;/.test(await visibleEditorText(page)),
      'the edit is applied',
    );
    assert.equal(await struckThrough('amount'), false);
    await page.keyboard.press('Control+S');
    await waitUntil(
      () => fs.readFileSync(file(), 'utf8') === source('total'),
      'the file is saved with both renames',
    );
    await workbench.screenshot('accepted');
  });

  it('Tab indents as usual when no suggestion is shown', async function () {
    const { page } = workbench;
    await page.keyboard.press('Control+End');
    await page.waitForTimeout(1500); // whatever prediction the last edit asked for has come and gone
    assert.equal(await gutterArrows(), 0);
    await page.keyboard.press('Tab');
    await page.keyboard.type('// end', { delay: 30 });
    await page.keyboard.press('Control+S');
    await waitUntil(
      () => /\n\s+\/\/ end$/.test(fs.readFileSync(file(), 'utf8')),
      'the indented line is saved',
    );
  });
});
