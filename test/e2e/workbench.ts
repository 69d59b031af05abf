// Helpers for e2e tests: a real code-server workbench with Tandem loaded, driven in Chromium.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';

// The host modules are plain ESM shared with `npm start` and the integration launcher.
type CodeServer = {
  url: string;
  port: number;
  process: import('node:child_process').ChildProcess;
  workbenchUrl(options?: {
    folder?: string;
    extensionDevelopmentPath?: string;
    extensionTestsPath?: string;
  }): string;
  stop(): Promise<void>;
};
const importHost = <T>(name: string): Promise<T> =>
  // Kept as a runtime import: esbuild must not bundle the launcher's ESM into this CJS test.
  new Function('p', 'return import(p)')(path.join(repoRoot, 'test', 'host', name)) as Promise<T>;

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const screenshotDir = path.join(repoRoot, 'test', 'e2e', 'screenshots');

export interface WorkbenchOptions {
  /** Names the state folder and the screenshots. */
  name: string;
  /** Extra user settings (merged over quiet defaults). */
  settings?: Record<string, unknown>;
  /** Environment for code-server and so for the extension host. */
  env?: NodeJS.ProcessEnv;
  /** Workspace folder to open; default: a fresh copy of test/fixtures/workspace. */
  folder?: string;
  /** Load Tandem in development mode (default true). */
  loadTandem?: boolean;
  /** An already running browser to open the page in (two users = two pages). */
  browser?: Browser;
}

export interface Workbench {
  page: Page;
  folder: string;
  stateDir: string;
  server: CodeServer;
  /** Saves test/e2e/screenshots/<name>-<label>.png and returns its path. */
  screenshot(label: string): Promise<string>;
  /** Runs a command from the palette by its title, e.g. "Tandem: Show Log". */
  runCommand(title: string): Promise<void>;
  /** Opens a workspace file by its path relative to the folder, and focuses its editor. */
  openFile(relativePath: string): Promise<void>;
  /** The frames of webviews whose HTML contains `selector`. */
  webviewFrame(selector: string, timeoutMs?: number): Promise<Frame>;
  close(): Promise<void>;
}

let sharedBrowser: Browser | undefined;

/** One Chromium per test process, closed by `closeBrowser()` (call it in an after hook). */
export async function browser(): Promise<Browser> {
  if (!sharedBrowser) {
    const { launchBrowser } = await importHost<{ launchBrowser(): Promise<Browser> }>('browser.mjs');
    sharedBrowser = await launchBrowser();
  }
  return sharedBrowser;
}

export async function closeBrowser(): Promise<void> {
  await sharedBrowser?.close();
  sharedBrowser = undefined;
}

export function freshWorkspace(stateDir: string, name = 'workspace'): string {
  const target = path.join(stateDir, name);
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), target, { recursive: true });
  return target;
}

/** Starts code-server, opens the workbench in a new page, and waits until Tandem is active. */
export async function openWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `tandem-e2e-${options.name}-`));
  const folder = options.folder ?? freshWorkspace(stateDir);
  const { startCodeServer } = await importHost<{ startCodeServer(o: object): Promise<CodeServer> }>(
    'codeServer.mjs',
  );
  const server = await startCodeServer({
    folder,
    stateDir,
    env: options.env,
    // Next-edit suggestions ask the model after every edit: only the suites about them turn them on.
    settings: { 'tandem.nextEdit.enabled': false, ...options.settings },
  });
  const owner = options.browser ?? (await browser());
  const context = await owner.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  const url =
    options.loadTandem === false
      ? server.workbenchUrl({ folder })
      : server.workbenchUrl({ folder, extensionDevelopmentPath: repoRoot });
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  if (options.loadTandem !== false) await statusBarItem(page, 'Tandem').waitFor({ timeout: 60_000 });

  const workbench: Workbench = {
    page,
    folder,
    stateDir,
    server,
    async screenshot(label) {
      fs.mkdirSync(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, `${options.name}-${label}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async runCommand(title) {
      await dismissNotifications(page);
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible' });
      await input.press('Enter');
    },
    async openFile(relativePath) {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(relativePath);
      const base = path.basename(relativePath);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first().waitFor();
      await input.press('Enter');
      await page.locator(`.tab.active[aria-label*="${base}"]`).first().waitFor();
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    },
    async webviewFrame(selector, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const frame of page.frames()) {
          try {
            if (await frame.locator(selector).count()) return frame;
          } catch {
            // Frames come and go while webviews load.
          }
        }
        await page.waitForTimeout(200);
      }
      throw new Error(`no webview frame shows ${selector} within ${timeoutMs} ms`);
    },
    async close() {
      await context.close();
      await server.stop();
      if (!process.env.TANDEM_KEEP_STATE) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return workbench;
}

/** The status bar entry whose text contains `text`. */
export function statusBarItem(page: Page, text: string) {
  return page.locator('.statusbar-item', { hasText: text }).first();
}

/** Closes notification toasts that would cover the editor or steal focus. */
export async function dismissNotifications(page: Page): Promise<void> {
  const toasts = page.locator(
    '.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close',
  );
  const count = await toasts.count();
  for (let i = 0; i < count; i++)
    await toasts
      .nth(i)
      .click({ timeout: 1000 })
      .catch(() => undefined);
}

/** Polls `check` every 100 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The inline suggestion (ghost text) shown in the editor, or '' when none is. */
export async function ghostText(page: Page): Promise<string> {
  const parts = await page.locator('.monaco-editor .ghost-text-decoration').allTextContents();
  return parts.join('').replace(/\u00a0/g, ' ');
}

/** The text of the active editor's visible lines (as rendered, with non-breaking spaces normalised). */
export async function visibleEditorText(page: Page): Promise<string> {
  const lines = page.locator('.editor-instance .monaco-editor .view-lines .view-line');
  const texts = await lines.allInnerTexts();
  return texts.join('\n').replace(/\u00a0/g, ' ');
}
