// A next-edit suggestion in a shared-session file: VS Code is a guest of a Tandem host session in the
// test process; the accepted edit must reach a stock y-websocket client through the document binding.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildInviteLink } from '../../../src/collab/invite';
import type { CollabSession } from '../../../src/collab/session';
import { startCollabServer, type CollabServer } from '../../../src/server';
import {
  nextEditRegion,
  startScriptedModelServer,
  type ScriptedModelServer,
} from '../../fixtures/model-server';
import { startHostSession, stockClient } from '../collabPeers';
import { eventually, tandem } from '../tandem';

function source(param: string): string {
  const body = Array.from({ length: 29 }, (_, i) => `  const step${i} = ${i};`);
  return [`export function price(${param}: number) {`, ...body, `  return ${param} * 2;`, '}', ''].join('\n');
}

describe('next-edit suggestions in a shared session', function () {
  this.timeout(90_000);
  let collab: CollabServer;
  let model: ScriptedModelServer;
  let host: CollabSession;
  let root: string;
  const room = 'integration-next-edit-room';

  before(async () => {
    const api = await tandem();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-next-edit-host-'));
    fs.writeFileSync(path.join(root, 'price.ts'), source('amount'));
    collab = await startCollabServer({ secret: 'integration-secret-0123456789' });
    host = await startHostSession({ server: collab, room, root, folderName: 'shop' });
    model = await startScriptedModelServer({
      timeToFirstTokenMs: 20,
      script: (request) => {
        const region = nextEditRegion(request.promptText);
        if (region === undefined) return { text: '' };
        const renamed = request.promptText.includes('+export function price(total: number) {');
        return { text: '```ts\n' + (renamed ? region.replace(/\bamount\b/g, 'total') : region) + '\n```' };
      },
    });
    await api.settings.set('model.baseUrl', model.url);
    await api.settings.set('completion.enabled', false);
    // The suite runner turns next-edit suggestions off for other suites; on for this one.
    await api.settings.set('nextEdit.enabled', true);
  });

  after(async () => {
    const api = await tandem();
    await api.settings.set('model.baseUrl', undefined);
    await api.settings.set('completion.enabled', undefined);
    await api.settings.set('nextEdit.enabled', false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api.nextEdit.engine.cancel();
    await api.collab.leave();
    host.dispose();
    await collab.close();
    await model.close();
    api.model.requestLog.clear();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('accepts the suggested edit through the binding: a stock peer sees it like a keystroke', async () => {
    const api = await tandem();
    const link = buildInviteLink({
      serverUrl: collab.url,
      room,
      token: collab.createToken({ room, role: 'rw', name: 'guest' }),
    });
    assert.equal(await api.collab.join(link, { addFolder: false }), true);
    // The file's shared text exists once someone opens it.
    const uri = vscode.Uri.parse(`tandem://${room}/price.ts`);
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    await eventually(() => !!api.collab.bindings?.bindingFor(uri), 'the document to be bound');
    const peer = stockClient(collab.url, room, collab.createToken({ room, role: 'rw', name: 'peer' }));
    try {
      await eventually(
        () => peer.text('price.ts')?.toString() === source('amount'),
        'the stock peer to sync',
      );
      const before = model.requests.length;
      await editor.edit((builder) => builder.replace(new vscode.Range(0, 22, 0, 28), 'total'));
      await eventually(
        () => model.requests.length > before,
        `a next-edit request for the session file (status: ${JSON.stringify(api.nextEdit.lastStatus)})`,
        60_000,
      );
      await eventually(
        () => api.nextEdit.shown?.docKey === uri.toString(),
        'a suggestion in the session file',
        30_000,
      );
      // The model sees the file by its session address, as every feature's requests name it.
      assert.match(
        model.requests.at(-1)!.promptText ?? '',
        /path="tandem:\/\/integration-next-edit-room\/price\.ts"/,
      );
      await vscode.commands.executeCommand('tandem.nextEdit.tab');
      await eventually(() => api.nextEdit.shown?.mode === 'accept', 'the jump to the edit');
      await vscode.commands.executeCommand('tandem.nextEdit.tab');
      assert.equal(document.getText(), source('total'));
      await eventually(
        () => peer.text('price.ts')!.toString() === source('total'),
        'the accepted edit at the peer',
      );
    } finally {
      peer.dispose();
    }
  });

  it("does not predict from a teammate's edit arriving in the open file, only from the user's own", async () => {
    const uri = vscode.Uri.parse(`tandem://${room}/price.ts`);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const peer = stockClient(collab.url, room, collab.createToken({ room, role: 'rw', name: 'peer' }));
    try {
      await eventually(
        () => peer.text('price.ts')?.toString() === editor.document.getText(),
        'the peer to sync',
      );
      const before = model.requests.length;
      // The teammate renames the parameter's first use, as the user did in the test before: the kind
      // of edit next-edit predicts from when the user makes it.
      const shared = peer.text('price.ts')!;
      const at = shared.toString().indexOf('total');
      peer.doc.transact(() => {
        shared.delete(at, 'total'.length);
        shared.insert(at, 'amount');
      });
      await eventually(
        () => editor.document.getText() === shared.toString(),
        "the teammate's edit in the editor",
      );
      assert.equal(vscode.window.activeTextEditor?.document, editor.document);
      // Predictions start 10-20 ms after an edit; a second is ample for one to have been asked for.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(model.requests.length, before, "a teammate's edit sent a next-edit request");
      // The same kind of edit made by the user here does.
      await editor.edit((builder) => builder.replace(new vscode.Range(0, 22, 0, 28), 'total'));
      await eventually(
        () => model.requests.length > before,
        "a next-edit request for the user's own edit",
        60_000,
      );
    } finally {
      peer.dispose();
    }
  });
});
