// Shared sessions inside a real VS Code: a guest joining a session on a real server (the host is a
// Tandem host session in this test process over a temporary folder), and VS Code as the host with a
// stock y-websocket client as the guest. Peers outside the extension use their own copy of Yjs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildInviteLink } from '../../../src/collab/invite';
import type { CollabSession } from '../../../src/collab/session';
import { startCollabServer, type CollabServer } from '../../../src/server';
import { eventually, tandem } from '../tandem';
import { startHostSession, stockClient } from '../collabPeers';

describe('collab: guest in VS Code', function () {
  this.timeout(60_000);
  let server: CollabServer;
  let root: string;
  let host: CollabSession;
  const room = 'integration-guest-room';

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-collab-host-'));
    fs.writeFileSync(path.join(root, 'notes.txt'), 'first line\r\nsecond line\r\n');
    fs.writeFileSync(path.join(root, '.env'), 'SECRET=1\n');
    server = await startCollabServer({ secret: 'integration-secret-0123456789' });
    host = await startHostSession({ server, room, root, folderName: 'project', excludeGlobs: ['.env*'] });
  });

  after(async () => {
    const api = await tandem();
    await api.collab.leave();
    host.dispose();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('joins with an invite link and opens a file it does not have, with its CRLF line ends', async () => {
    const api = await tandem();
    const link = buildInviteLink({
      serverUrl: server.url,
      room,
      token: server.createToken({ room, role: 'rw', name: 'guest' }),
    });
    assert.equal(await api.collab.join(link, { addFolder: false }), true);
    assert.equal(api.collab.session?.role, 'rw');
    const uri = vscode.Uri.parse(`tandem://${room}/notes.txt`);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    assert.equal(document.getText(), 'first line\r\nsecond line\r\n');
    assert.equal(document.eol, vscode.EndOfLine.CRLF);
    await eventually(() => !!api.collab.bindings?.bindingFor(uri), 'the document to be bound');
    assert.match(api.collab.statusText, /2/, `status shows two participants: ${api.collab.statusText}`);
    // Verified sync: the first digest check after connecting matched.
    await eventually(() => /in sync/.test(api.collab.statusText), `"in sync" in the status bar`);
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.parse(`tandem://${room}/.env`))),
    );
  });

  it('shows remote edits in the TextDocument and sends local edits to a stock y-websocket client', async () => {
    const api = await tandem();
    const peer = stockClient(server.url, room, server.createToken({ room, role: 'rw', name: 'stock' }));
    try {
      await eventually(() => !!peer.text('notes.txt'), 'the stock client to sync');
      peer.text('notes.txt')!.insert(0, 'from stock\n');
      const uri = vscode.Uri.parse(`tandem://${room}/notes.txt`);
      const document = await vscode.workspace.openTextDocument(uri);
      await eventually(
        () => document.getText().startsWith('from stock\r\n'),
        'the remote edit in the document',
      );
      const editor = await vscode.window.showTextDocument(document);
      await editor.edit((builder) => builder.insert(document.lineAt(3).range.end, 'typed in VS Code'));
      await eventually(
        () => peer.text('notes.txt')!.toString() === 'from stock\nfirst line\nsecond line\ntyped in VS Code',
        'the local edit at the stock client',
      );
      assert.equal(document.getText(), 'from stock\r\nfirst line\r\nsecond line\r\ntyped in VS Code');
      await eventually(() => api.collab.session?.connection.unsynced === false, 'the edit to be confirmed');
    } finally {
      peer.dispose();
    }
  });

  it('undoes only its own edit and leaves the peer’s text alone', async () => {
    const peer = stockClient(server.url, room, server.createToken({ room, role: 'rw', name: 'stock' }));
    try {
      await eventually(() => !!peer.text('notes.txt'), 'the stock client to sync');
      const uri = vscode.Uri.parse(`tandem://${room}/notes.txt`);
      const document = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(document);
      await editor.edit((builder) => builder.insert(new vscode.Position(0, 0), 'MINE '));
      await eventually(() => peer.text('notes.txt')!.toString().startsWith('MINE '), 'my edit at the peer');
      peer.text('notes.txt')!.insert(peer.text('notes.txt')!.length, '\nPEER');
      await eventually(() => document.getText().endsWith('\r\nPEER'), 'the peer edit in my document');
      await vscode.commands.executeCommand('tandem.collab.undo');
      await eventually(() => !document.getText().startsWith('MINE '), 'my edit undone');
      assert.ok(document.getText().endsWith('\r\nPEER'), 'the peer’s text stays');
      await eventually(() => peer.text('notes.txt')!.toString().endsWith('\nPEER'), 'peer text at the peer');
      assert.ok(!peer.text('notes.txt')!.toString().includes('MINE'));
      await vscode.commands.executeCommand('tandem.collab.redo');
      await eventually(() => document.getText().startsWith('MINE '), 'my edit redone');
    } finally {
      peer.dispose();
    }
  });

  it('saves through the host: the host’s disk gets the text with its CRLF line ends', async () => {
    const uri = vscode.Uri.parse(`tandem://${room}/notes.txt`);
    const document = await vscode.workspace.openTextDocument(uri);
    assert.ok(await document.save(), 'saved');
    const onDisk = fs.readFileSync(path.join(root, 'notes.txt'), 'utf8');
    assert.equal(onDisk, document.getText());
    assert.ok(onDisk.includes('\r\n') && !/[^\r]\n/.test(onDisk));
  });

  it('says "link expired" for an expired link instead of trying again', async () => {
    const api = await tandem();
    await api.collab.leave();
    const expired = buildInviteLink({
      serverUrl: server.url,
      room,
      token: server.createToken({ room, role: 'rw', name: 'late', ttlMs: 1 }),
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await api.collab.join(expired, { addFolder: false }), false);
    assert.equal(api.collab.session, undefined);
  });

  it('keeps a read-only guest’s document read-only while remote edits still arrive', async () => {
    const api = await tandem();
    const link = buildInviteLink({
      serverUrl: server.url,
      room,
      token: server.createToken({ room, role: 'ro', name: 'viewer' }),
    });
    assert.equal(await api.collab.join(link, { addFolder: false }), true);
    assert.equal(api.collab.session?.role, 'ro');
    const uri = vscode.Uri.parse(`tandem://${room}/notes.txt`);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const stat = await vscode.workspace.fs.stat(uri);
    assert.equal(stat.permissions, vscode.FilePermission.Readonly);
    host.document.text('notes.txt')!.insert(0, 'HOST ');
    await eventually(() => document.getText().startsWith('HOST '), 'a remote edit in the read-only document');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('overwrite'))));
    assert.ok(!fs.readFileSync(path.join(root, 'notes.txt'), 'utf8').startsWith('overwrite'));
    await api.collab.leave();
  });
});

describe('collab: VS Code as the host', function () {
  this.timeout(60_000);
  const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  after(async () => (await tandem()).collab.leave());

  it('shares the workspace folder with a stock y-websocket guest, both ways', async () => {
    const api = await tandem();
    fs.writeFileSync(path.join(folder(), 'shared.txt'), 'hello\nworld\n');
    const link = await api.collab.start({ listenHost: '127.0.0.1' });
    assert.ok(link, 'an invite link');
    const invite = new URL(link!);
    const serverUrl = invite.searchParams.get('server')!;
    const room = invite.searchParams.get('room')!;
    const token = invite.searchParams.get('token')!;
    assert.match(serverUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
    const guest = stockClient(serverUrl, room, token);
    try {
      await eventually(() => guest.doc.getMap('tree').has('shared.txt'), 'the folder listing at the guest');
      assert.ok(!guest.doc.getMap('tree').has('.env'), '.env is not shared');
      // A stock client asks for a file the way Tandem guests do: through its presence.
      guest.provider.awareness.setLocalState({
        user: { name: 'Stock', color: '#2f9e44' },
        role: 'rw',
        active: Date.now(),
        want: ['shared.txt'],
      });
      await eventually(() => !!guest.text('shared.txt'), 'the host to share the file');
      const uri = vscode.Uri.file(path.join(folder(), 'shared.txt'));
      const document = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(document);
      await eventually(() => !!api.collab.bindings?.bindingFor(uri), 'the host document to be bound');
      guest.text('shared.txt')!.insert(6, 'brave new ');
      await eventually(
        () => document.getText() === 'hello\nbrave new world\n',
        'the guest edit in the host editor',
      );
      await editor.edit((builder) => builder.insert(new vscode.Position(0, 0), '# '));
      await eventually(
        () => guest.text('shared.txt')!.toString() === '# hello\nbrave new world\n',
        'the host edit at the guest',
      );
      assert.equal(api.collab.session?.participants().length, 2);
    } finally {
      guest.dispose();
      await api.collab.leave();
    }
    assert.equal(api.collab.session, undefined);
    assert.equal(api.collab.statusText, '');
  });

  it('publishes what the host keeps from models, and its changes, for guests’ trust gates', async () => {
    const api = await tandem();
    await api.settings.set('trust.excludeGlobs', ['customers/']);
    const link = new URL((await api.collab.start({ listenHost: '127.0.0.1' }))!);
    const param = (name: string) => link.searchParams.get(name)!;
    const guest = stockClient(param('server'), param('room'), param('token'));
    const published = () => JSON.stringify(guest.doc.getMap('meta').get('modelExclude'));
    try {
      await eventually(() => published() === '["customers/"]', 'the host’s model exclusions at the guest');
      await api.settings.set('trust.excludeGlobs', ['customers/', '/contracts/']);
      await eventually(
        () => published() === '["customers/","/contracts/"]',
        'the changed exclusions at the guest',
      );
    } finally {
      guest.dispose();
      await api.settings.set('trust.excludeGlobs', undefined);
      await api.collab.leave();
    }
    assert.equal(api.collab.statusText, '');
  });
});

describe('collab: typing while remote edits land (real applyEdit races)', function () {
  this.timeout(90_000);

  it('loses no keystroke and no remote edit when both happen at once', async () => {
    const api = await tandem();
    const server = await startCollabServer({ secret: 'race-secret-0123456789abcdef' });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-collab-race-'));
    fs.writeFileSync(path.join(root, 'race.txt'), 'start\r\n');
    const room = 'race-room';
    const host = await startHostSession({ server, room, root, folderName: 'race' });
    const peer = stockClient(server.url, room, server.createToken({ room, role: 'rw', name: 'peer' }));
    try {
      const link = buildInviteLink({
        serverUrl: server.url,
        room,
        token: server.createToken({ room, role: 'rw', name: 'me' }),
      });
      assert.equal(await api.collab.join(link, { addFolder: false }), true);
      const uri = vscode.Uri.parse(`tandem://${room}/race.txt`);
      const document = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(document);
      await eventually(
        () => !!peer.text('race.txt') && !!api.collab.bindings?.bindingFor(uri),
        'both sides ready',
      );
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      // The peer appends numbered lines at the end while this editor types letters at the start.
      let remote = 0;
      const timer = setInterval(() => {
        const text = peer.text('race.txt')!;
        text.insert(text.length, `\nremote ${remote++}`);
      }, 7);
      const typed: string[] = [];
      for (let i = 0; i < 100; i++) {
        const letter = String.fromCharCode(97 + (i % 26));
        typed.push(letter);
        await vscode.commands.executeCommand('type', { text: letter });
        // A fast typist: 10-40 ms between keys (back-to-back commands would leave no gap at all).
        await new Promise((resolve) => setTimeout(resolve, 10 + (i % 4) * 10));
      }
      clearInterval(timer);
      const expectedStart = typed.join('') + 'start';
      await eventually(
        () => peer.text('race.txt')!.toString() === document.getText().replace(/\r\n/g, '\n'),
        'the editor and the peer to agree',
        20_000,
      );
      const final = peer.text('race.txt')!.toString();
      assert.ok(
        final.startsWith(expectedStart),
        `every keystroke in order: ${JSON.stringify(final.slice(0, 200))}`,
      );
      for (let i = 0; i < remote; i++)
        assert.ok(final.includes(`\nremote ${i}`), `remote line ${i} is there`);
      const binding = api.collab.bindings!.bindingFor(uri)!;
      assert.equal(binding.stats.repairs, 0, 'no divergence had to be repaired');
      assert.ok(binding.stats.remoteApplies > 1, 'remote edits showed while typing, not only at the end');
      console.log(
        `      ${typed.length} keystrokes, ${remote} remote edits, ${binding.stats.rejectedApplies} applies lost the race`,
      );
    } finally {
      peer.dispose();
      await api.collab.leave();
      host.dispose();
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('collab: the host leaves; a team server', function () {
  this.timeout(60_000);

  it('tells the guest the host ended the session, and the guest can save a copy', async () => {
    const api = await tandem();
    const server = await startCollabServer({ secret: 'ended-secret-0123456789abcdef' });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-collab-ended-'));
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-collab-copy-'));
    fs.mkdirSync(path.join(root, 'docs'));
    fs.writeFileSync(path.join(root, 'docs', 'plan.md'), '# Plan\r\n');
    const room = 'ended-room';
    const host = await startHostSession({
      server,
      room,
      root,
      folderName: 'plans',
      name: 'Hosty',
      color: '#2f9e44',
    });
    try {
      const link = buildInviteLink({
        serverUrl: server.url,
        room,
        token: server.createToken({ room, role: 'rw' }),
      });
      assert.equal(await api.collab.join(link, { addFolder: false }), true);
      const uri = vscode.Uri.parse(`tandem://${room}/docs/plan.md`);
      const document = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(document);
      await editor.edit((builder) => builder.insert(document.lineAt(0).range.end, ' (guest draft)'));
      await eventually(
        () => host.document.text('docs/plan.md')?.toString() === '# Plan (guest draft)\n',
        'the edit at the host',
      );
      await host.leave();
      await eventually(
        () => api.collab.session?.endedReason !== undefined,
        'the guest to hear the session ended',
      );
      assert.match(api.collab.session!.endedReason!, /Hosty ended the session/);
      assert.match(api.collab.statusText, /ended|offline|left/);
      assert.equal(await api.collab.saveCopy(vscode.Uri.file(copy)), 1);
      assert.equal(fs.readFileSync(path.join(copy, 'docs', 'plan.md'), 'utf8'), '# Plan (guest draft)\r\n');
      await assert.rejects(
        Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('x'))),
        /not connected/,
      );
    } finally {
      await api.collab.leave();
      host.dispose();
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('hosts on a team server given its secret, and guests join with the invite link', async () => {
    const api = await tandem();
    const server = await startCollabServer({ secret: 'team-server-secret-0123456789ab' });
    try {
      const link = await api.collab.start({
        serverUrl: server.url,
        secret: 'team-server-secret-0123456789ab',
      });
      assert.ok(link);
      const invite = new URL(link!);
      assert.equal(invite.searchParams.get('server'), server.url);
      const guest = stockClient(
        server.url,
        invite.searchParams.get('room')!,
        invite.searchParams.get('token')!,
      );
      try {
        await eventually(
          () => guest.doc.getMap('tree').size > 0,
          'the folder listing through the team server',
        );
        assert.equal(server.connectionCount(), 2);
        const readOnly = await api.collab.inviteLink('ro');
        assert.ok(readOnly && readOnly !== link, 'a read-only link signed with the same secret');
      } finally {
        guest.dispose();
      }
    } finally {
      await api.collab.leave();
      await server.close();
    }
  });
});
