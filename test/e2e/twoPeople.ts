// Two people in two code-server windows: what the session e2e suites share.
import * as path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { dismissNotifications, openWorkbench, repoRoot, type Workbench } from './workbench';

/**
 * One browser per person: two people means two windows in the foreground at once, while two pages
 * of one headless Chromium make one of them a background tab, which neither runs its timers on time
 * nor paints (the editor's lines are drawn in animation frames), so its screen would lag by seconds
 * whatever Tandem does.
 */
export async function personalBrowser(): Promise<Browser> {
  const load = new Function('p', 'return import(p)') as (
    file: string,
  ) => Promise<{ launchBrowser(options: { extraArgs: string[] }): Promise<Browser> }>;
  const { launchBrowser } = await load(path.join(repoRoot, 'test', 'host', 'browser.mjs'));
  return launchBrowser({
    extraArgs: [
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
      '--disable-renderer-backgrounding',
    ],
  });
}

export interface TwoPeople {
  alice: Workbench;
  bob: Workbench;
  /** Alice's browser, then Bob's. */
  browsers: Browser[];
  /** Closes both windows and both browsers. */
  close(): Promise<void>;
}

/**
 * Alice's window on `aliceFolder` and Bob's on a fresh copy of the fixture workspace, each in a
 * browser of its own (personalBrowser), named `<name>-alice` and `<name>-bob`, with their names set
 * and the given settings. If either cannot open, what did is closed again.
 */
export async function openAliceAndBob(options: {
  name: string;
  aliceFolder: string;
  alice?: Record<string, unknown>;
  bob?: Record<string, unknown>;
}): Promise<TwoPeople> {
  const browsers: Browser[] = [];
  const windows: Workbench[] = [];
  const close = async () => {
    for (const window of windows.splice(0)) await window.close();
    for (const owner of browsers.splice(0)) await owner.close();
  };
  try {
    browsers.push(await personalBrowser(), await personalBrowser());
    const alice = await openWorkbench({
      name: `${options.name}-alice`,
      folder: options.aliceFolder,
      browser: browsers[0],
      settings: { 'tandem.collab.name': 'Alice', ...options.alice },
    });
    windows.push(alice);
    const bob = await openWorkbench({
      name: `${options.name}-bob`,
      browser: browsers[1],
      settings: { 'tandem.collab.name': 'Bob', ...options.bob },
    });
    windows.push(bob);
    return { alice, bob, browsers: [...browsers], close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The session status bar item, by the accessible label Tandem gives it. */
export function sessionStatus(page: Page) {
  return page.locator('.statusbar-item[aria-label^="Tandem session"]').first();
}

export async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last =
      (await sessionStatus(page)
        .getAttribute('aria-label', { timeout: 1000 })
        .catch(() => '')) ?? '';
    if (pattern.test(last)) return;
    await page.waitForTimeout(200);
  }
  throw new Error(`session status never matched ${pattern}; last: "${last}"`);
}

/** Runs a palette command and answers the quick input that follows with `text`. */
export async function answerQuickInput(page: Page, text: string, pickRow?: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  if (pickRow)
    await page.locator('.quick-input-list .monaco-list-row', { hasText: pickRow }).first().waitFor();
  await input.press('Enter');
}

/** Waits until the Explorer shows every one of `folders` (root names, as the Explorer prints them). */
export async function explorerShows(page: Page, folders: string[], timeoutMs = 30_000): Promise<void> {
  const roots = page.locator('.explorer-folders-view .monaco-list-row[aria-level="1"]');
  const deadline = Date.now() + timeoutMs;
  let shown: string[] = [];
  while (Date.now() < deadline) {
    shown = (await roots.allInnerTexts().catch(() => [])).map((text) => text.trim());
    if (folders.every((folder) => shown.some((root) => root.toLowerCase() === folder.toLowerCase()))) return;
    await page.waitForTimeout(250);
  }
  throw new Error(`the Explorer never showed ${JSON.stringify(folders)}; it shows ${JSON.stringify(shown)}`);
}

/**
 * After a join that adds the session's folder: the window reloads into a workspace (the web
 * workbench), and has settled once the reloaded window is connected again with `participants`
 * people and its Explorer shows `folders`. Joining connects before the folder is added, so the
 * status matches in the window before the reload too: only what the reloaded page shows counts,
 * and the reload itself (seconds to well over 30 s on a loaded machine) is waited for on its own.
 */
export async function settledAfterJoinReload(
  window: Workbench,
  participants: number,
  folders: string[],
): Promise<void> {
  const { page } = window;
  await page.waitForURL(/[?&]workspace=/, { timeout: 120_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  await waitForStatus(page, new RegExp(`connected, ${participants} participants`), 90_000).catch(
    async (error: Error) => {
      // Kept for whoever reads a failed run: what the window showed.
      await window.screenshot('join-failed');
      throw error;
    },
  );
  await explorerShows(page, folders, 60_000);
}

/**
 * Alice starts a session on this machine and Bob joins with her link: his window reloads into a
 * workspace (the web workbench), and has settled once his Explorer shows `bobFolders`.
 */
export async function startAndJoin(alice: Workbench, bob: Workbench, bobFolders: string[]): Promise<void> {
  await alice.runCommand('Tandem: Start Shared Session');
  await answerQuickInput(alice.page, 'This machine only', 'This machine only');
  await waitForStatus(alice.page, /connected, 1 participants/);
  const link = await alice.page.evaluate(() => navigator.clipboard.readText());
  await bob.runCommand('Tandem: Join Shared Session');
  await answerQuickInput(bob.page, link);
  await settledAfterJoinReload(bob, 2, bobFolders);
  await waitForStatus(alice.page, /connected, 2 participants/);
  await dismissNotifications(bob.page);
}

/** For afterEach: a failed test leaves every window's picture and console log under test/e2e/screenshots/. */
export function keepDiagnosticsOnFailure(windows: () => readonly (Workbench | undefined)[]) {
  return async function (this: Mocha.Context): Promise<void> {
    if (this.currentTest?.state !== 'failed') return;
    const label = `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`;
    await Promise.all(windows().map((window) => window?.saveDiagnostics(label)));
  };
}

/**
 * Makes `page` leave its extension hosts running when it reloads, as the web workbench sometimes
 * does: of what the page sends code-server over its WebSockets, VS Code's "terminate" message to an
 * extension host (a regular protocol message of one byte, 3) and protocol "disconnect" messages
 * (type 5) are taken out. Everything else passes both ways unchanged.
 */
export async function keepReplacedExtensionHosts(page: Page): Promise<void> {
  // Playwright's routing reads what the server sends as Blobs (VS Code's sockets keep the default
  // binary type) with Blob.arrayBuffer(), whose promises may settle out of order: a large message
  // could then reach the page after a smaller one behind it, and VS Code's byte stream breaks. Made
  // to settle in call order here, in the page, before its scripts run.
  await page.addInitScript(() => {
    const read = Blob.prototype.arrayBuffer;
    let last: Promise<unknown> = Promise.resolve();
    Blob.prototype.arrayBuffer = function (this: Blob) {
      const next = last.then(() => read.call(this));
      last = next.catch(() => undefined);
      return next;
    };
  });
  await page.routeWebSocket(
    () => true,
    (socket) => {
      const server = socket.connectToServer();
      const filter = goodbyeFilter();
      socket.onMessage((message) => {
        if (typeof message === 'string') return server.send(message);
        const rest = filter(message);
        if (rest.length > 0) server.send(rest);
      });
    },
  );
}

/**
 * Reads one direction of VS Code's remote protocol (messages of a 13-byte header — type, id, ack,
 * body length — and a body, cut into WebSocket messages anywhere) and passes on all but goodbyes.
 */
function goodbyeFilter(): (chunk: Buffer) => Buffer {
  const HEADER = 13;
  const REGULAR = 1;
  const DISCONNECT = 5;
  const TERMINATE = 3;
  let held = Buffer.alloc(0);
  let bodyLeft = 0;
  let dropping = false;
  return (chunk) => {
    const data = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
    held = Buffer.alloc(0);
    const out: Buffer[] = [];
    for (let at = 0; at < data.length;) {
      if (bodyLeft > 0) {
        const take = Math.min(bodyLeft, data.length - at);
        if (!dropping) out.push(data.subarray(at, at + take));
        bodyLeft -= take;
        at += take;
        continue;
      }
      const type = data.length - at >= HEADER ? data.readUInt8(at) : -1;
      const length = type >= 0 ? data.readUInt32BE(at + 9) : 0;
      // A header (and the body byte that tells a terminate) not all here yet: wait for the rest.
      if (type < 0 || (type === REGULAR && length === 1 && data.length - at < HEADER + 1)) {
        held = Buffer.from(data.subarray(at));
        break;
      }
      dropping =
        type === DISCONNECT ||
        (type === REGULAR && length === 1 && data.readUInt8(at + HEADER) === TERMINATE);
      if (!dropping) out.push(data.subarray(at, at + HEADER));
      bodyLeft = length;
      at += HEADER;
    }
    return Buffer.concat(out);
  };
}
