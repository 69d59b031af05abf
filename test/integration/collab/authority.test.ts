import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { stockClient } from '../collabPeers';
import { eventually, tandem } from '../tandem';

describe('collab: the host removes a participant, and the server holds the line (issue 12, item 3)', function () {
  this.timeout(60_000);
  const clients: ReturnType<typeof stockClient>[] = [];

  after(async () => {
    for (const client of clients) client.dispose();
    await (await tandem()).collab.leave();
  });

  it('stamps a guest claiming to be the host, and "Remove Participant" closes and keeps them out', async () => {
    const api = await tandem();
    const link = await api.collab.start({ listenHost: '127.0.0.1' });
    assert.ok(link, 'an invite link');
    const invite = new URL(link!);
    const [serverUrl, room, token] = ['server', 'room', 'token'].map((key) => invite.searchParams.get(key)!);
    const mallory = stockClient(serverUrl, room, token);
    clients.push(mallory);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      mallory.provider.on('connection-close', (event: CloseEvent | null) => {
        if (event) resolve({ code: event.code, reason: event.reason });
      }),
    );
    mallory.provider.awareness.setLocalState({ user: { name: 'Mallory', color: '#2f9e44' }, role: 'host' });
    const session = api.collab.session!;
    await eventually(
      () => session.participants().some((participant) => participant.name === 'Mallory'),
      'the guest to appear',
    );
    const shown = session.participants().find((participant) => participant.name === 'Mallory')!;
    assert.equal(shown.role, 'rw', 'a guest appeared as the host');
    // The session's state is the host's alone: a guest's "ended" never reaches anyone.
    mallory.doc.getMap('meta').set('ended', { at: Date.now(), reason: 'forged' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(session.document.readMeta()?.ended, undefined);

    assert.equal(await api.collab.removeParticipant(shown.clientId, false), true);
    const event = await closed;
    assert.equal(event.code, 4403);
    assert.match(event.reason, /removed/);
    await eventually(
      () => !session.participants().some((participant) => participant.name === 'Mallory'),
      'the removed guest to leave the participants',
    );
    const again = stockClient(serverUrl, room, token);
    clients.push(again);
    const refused = await new Promise<{ code: number; reason: string }>((resolve) =>
      again.provider.on('connection-close', (closeEvent: CloseEvent | null) => {
        if (closeEvent) resolve({ code: closeEvent.code, reason: closeEvent.reason });
      }),
    );
    assert.equal(refused.code, 4403);
    assert.match(refused.reason, /revoked/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
