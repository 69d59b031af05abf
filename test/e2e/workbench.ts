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
    folder?: string | null;
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
  /** Open an empty window (no folder) instead; code-server still gets `folder` as its default. */
  emptyWindow?: boolean;
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
  /**
   * After a failure: the screenshot, plus <name>-<label>.log with the page's URL, its navigations and
   * the browser console (the workbench logs its own errors there), so a broken run explains itself.
   */
  saveDiagnostics(label: string): Promise<void>;
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
    // The walkthrough opens on a first run only where a test asks for it.
    // Next-edit suggestions ask the model after every edit: only the suites about them turn them on.
    settings: {
      'tandem.onboarding.openWalkthrough': false,
      'tandem.nextEdit.enabled': false,
      ...options.settings,
    },
  });
  let context: import('playwright-core').BrowserContext;
  try {
    const owner = options.browser ?? (await browser());
    context = await owner.newContext({ viewport: { width: 1400, height: 900 } });
  } catch (error) {
    // A browser that cannot start must not leave code-server running.
    await server.stop();
    throw error;
  }
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  // What the workbench printed and where the page went, kept for saveDiagnostics.
  const pageLog: string[] = [];
  const note = (line: string) => {
    pageLog.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (pageLog.length > 2000) pageLog.splice(0, pageLog.length - 2000);
  };
  page.on('console', (message) => note(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => note(`[pageerror] ${error.message}`));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) note(`[navigated] ${frame.url()}`);
  });
  const shown = options.emptyWindow ? null : folder;
  const url =
    options.loadTandem === false
      ? server.workbenchUrl({ folder: shown })
      : server.workbenchUrl({ folder: shown, extensionDevelopmentPath: repoRoot });
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
    async saveDiagnostics(label) {
      await workbench.screenshot(label).catch((error) => note(`[diagnostics] no screenshot: ${error}`));
      const file = path.join(screenshotDir, `${options.name}-${label}.log`);
      fs.writeFileSync(file, [`url: ${page.url()}`, ...pageLog].join('\n') + '\n');
    },
    async runCommand(title) {
      // A palette opened while the window is still settling (a notification, a view or an editor
      // taking focus) can close before it lists anything: open it again, three times at most.
      for (let attempt = 1; ; attempt++) {
        await dismissNotifications(page);
        const input = await openQuickInput(page, 'F1');
        await input.fill(`>${title}`);
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
        try {
          await row.waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : 30_000 });
        } catch (error) {
          if (attempt >= 3) throw error;
          note(`[runCommand] "${title}" not listed (attempt ${attempt}); opening the palette again`);
          await page.keyboard.press('Escape');
          continue;
        }
        await input.press('Enter');
        return;
      }
    },
    async openFile(relativePath) {
      const input = await openQuickInput(page, 'Control+P');
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

/**
 * Opens the quick input with `key` and returns its text box. A page that has just reloaded (joining a
 * session can reload the workbench twice) may not have keyboard focus yet: then the key is lost, so
 * focus the page and press it again.
 */
async function openQuickInput(page: Page, key: string) {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    try {
      await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 5000 : 30_000 });
      return input;
    } catch (error) {
      if (attempt >= 3) throw error;
      await page.bringToFront();
      // The middle of the status bar is empty: a click there focuses the page and opens nothing.
      const bar = page.locator('.part.statusbar');
      const box = await bar.boundingBox();
      if (box) await bar.click({ position: { x: box.width / 2, y: box.height / 2 } });
    }
  }
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
