// The server's authority, tried as an attacker would against the real dist/server.js process with
// stock y-websocket clients: forged Yjs client ids, a read-only token claiming to be the host, a
// non-host writing host-only state, and a removed participant coming back (also after a restart).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Y from 'yjs';
import { encodeRemoveParticipant } from '../../../src/server/authority';
import { encodeUpdate } from '../../../src/server/protocol';
import { signToken, type CollabRole } from '../../../src/server/token';
import {
  closeEvent,
  connectClient,
  rawSocket,
  startServerProcess,
  testSecret,
  waitFor,
  type ServerProcess,
  type TestClient,
} from './harness';

// Each call a different token, as each invite link is: two signed in the same millisecond with the same
// claims would be one token, and removing one participant would remove the other.
let minted = 0;
const token = (room: string, role: CollabRole, name = '') =>
  signToken(testSecret, { room, role, name, exp: Date.now() + 600_000 + minted++ });

describe('server process: authority is enforced, not assumed', function () {
  this.timeout(30_000);
  let server: ServerProcess;
  let dataDir: string;
  const clients: TestClient[] = [];
  const client = (room: string, tokenValue: string) => {
    const created = connectClient(server.url, room, tokenValue);
    clients.push(created);
    return created;
  };
  const states = (observer: TestClient) => [...observer.provider.awareness.getStates().values()];

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-authority-'));
    server = await startServerProcess(['--data', dataDir]);
  });
  afterEach(() => {
    for (const created of clients.splice(0)) created.destroy();
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("closes a connection that forges another participant's client id, and that person's edits survive", async () => {
    const room = 'forged-ids';
    const alice = client(room, token(room, 'rw'));
    const observer = client(room, token(room, 'rw'));
    await Promise.all([alice.synced, observer.synced]);
    alice.text.insert(0, 'alice: one;');
    await waitFor(() => observer.text.toString() === 'alice: one;', 'alice to reach the observer');
    // Mallory takes Alice's client id and writes the structs Alice's next edit will carry.
    const forge = new Y.Doc();
    Y.applyUpdate(forge, Y.encodeStateAsUpdate(observer.doc));
    const before = Y.encodeStateVector(forge);
    forge.clientID = alice.doc.clientID;
    forge.getText('text').insert(0, 'FORGED;');
    const mallory = await rawSocket(server.url, room, token(room, 'rw'));
    const closing = closeEvent(mallory);
    mallory.send(encodeUpdate(Y.encodeStateAsUpdate(forge, before)));
    const closed = await closing;
    // "Try again later": a forger reconnects whatever it is told, and never gets its structs in; an
    // honest client passing on a peer's edits the server lost must not be stopped for good.
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /belongs to another participant/);
    alice.text.insert(alice.text.length, ' two;');
    await waitFor(() => observer.text.toString().endsWith(' two;'), "alice's next edit to arrive");
    assert.equal(observer.text.toString(), 'alice: one; two;');
  });

  it('stops closing a client whose resend keeps carrying a held id: its own edits go in, those structs never do', async () => {
    const room = 'held-resend';
    const alice = client(room, token(room, 'rw'));
    const observer = client(room, token(room, 'rw'));
    await Promise.all([alice.synced, observer.synced]);
    alice.text.insert(0, 'alice;');
    await waitFor(() => observer.text.toString() === 'alice;', 'alice to reach the observer');
    // Bob's copy holds structs under Alice's id the server lacks (as after a crash that lost her last
    // edit) beside his own edit, and his client resends both on every reconnect.
    const bobToken = token(room, 'rw');
    const bob = new Y.Doc();
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(observer.doc));
    const before = Y.encodeStateVector(bob);
    // Bob's edit first, at the end, so it does not depend on Alice's lost one.
    bob.getText('text').insert(bob.getText('text').length, 'bob;');
    bob.clientID = alice.doc.clientID;
    bob.getText('text').insert(0, 'LOST;');
    const resend = encodeUpdate(Y.encodeStateAsUpdate(bob, before));
    for (let attempt = 1; attempt <= 3; attempt++) {
      const socket = await rawSocket(server.url, room, bobToken);
      const closing = closeEvent(socket);
      socket.send(resend);
      const closed = await closing;
      assert.equal(closed.code, 1013, `attempt ${attempt} was not closed with "try again later"`);
    }
    // The fourth: kept open, told, and only Alice's structs left out.
    const socket = await rawSocket(server.url, room, bobToken);
    let closedCode: number | undefined;
    const told = new Promise<string>((resolve, reject) => {
      socket.on('message', (data: Buffer) => {
        const text = Buffer.from(data).toString('latin1');
        if (text.includes('not shared')) resolve(text);
      });
      socket.on('close', (code: number, reason: Buffer) => {
        closedCode = code;
        reject(new Error(`the fourth connection was closed: ${code} ${reason.toString()}`));
      });
    });
    socket.send(resend);
    assert.match(await told, /another participant/);
    await waitFor(() => observer.text.toString().includes('bob;'), "bob's own edit at the observer");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(closedCode, undefined, 'the fourth connection was closed');
    assert.doesNotMatch(observer.text.toString(), /LOST/);
    socket.close();
  });

  it('stamps presence with the token: a read-only token cannot claim to be the host', async () => {
    const room = 'presence';
    const host = client(room, token(room, 'host', 'Alice'));
    const reader = client(room, token(room, 'ro', 'Rita'));
    const guest = client(room, token(room, 'rw'));
    const observer = client(room, token(room, 'rw', 'Olga'));
    await Promise.all([host.synced, reader.synced, guest.synced, observer.synced]);
    host.provider.awareness.setLocalState({ user: { name: 'Alice', color: '#1c7ed6' }, role: 'host' });
    reader.provider.awareness.setLocalState({ user: { name: 'Alice', color: '#e8590c' }, role: 'host' });
    guest.provider.awareness.setLocalState({ user: { name: 'alice', color: '#2f9e44' }, role: 'host' });
    await waitFor(() => states(observer).length >= 4, 'every presence to arrive');
    const seen = () =>
      states(observer)
        .filter((state) => state.user)
        .map((state) => `${state.user.name}/${state.role}`)
        .sort();
    await waitFor(() => seen().length === 3, 'three stamped presences');
    assert.deepEqual(seen(), ['Alice/host', 'Rita/ro', 'alice (guest)/rw']);
  });

  it("drops a non-host's writes to the host-only state; the host's go through", async () => {
    const room = 'host-only';
    const host = client(room, token(room, 'host', 'Alice'));
    const guest = client(room, token(room, 'rw', 'Bob'));
    const observer = client(room, token(room, 'ro'));
    await Promise.all([host.synced, guest.synced, observer.synced]);
    host.doc.transact(() => {
      host.doc.getMap('meta').set('hostName', 'Alice');
      host.doc.getMap('tree').set('a.txt', { type: 'file', size: 1, mtime: 1 });
      const text = new Y.Text();
      host.doc.getMap('texts').set('a.txt', text);
      text.insert(0, 'shared');
    });
    await waitFor(() => observer.doc.getMap('texts').has('a.txt'), 'the host state to arrive');
    // Each attack on its own, so one refusal does not hide another.
    guest.doc.getMap('meta').set('ended', { at: 1, reason: 'forged by Bob' });
    guest.doc.getMap('tree').delete('a.txt');
    guest.doc.getMap('tree').set('.vscode/settings.json', { type: 'file', size: 1, mtime: 1 });
    guest.doc.getMap('texts').set('evil.txt', new Y.Text('x'));
    guest.doc.getMap('texts').delete('a.txt');
    // What a read-write guest may do: edit a shared text, ask the host through `requests`.
    const fresh = client(room, token(room, 'rw'));
    await fresh.synced;
    (fresh.doc.getMap('texts').get('a.txt') as Y.Text).insert(6, ' text');
    fresh.doc.getMap('requests').set('r1', { op: 'save', path: 'a.txt' });
    await waitFor(
      () => (observer.doc.getMap('texts').get('a.txt') as Y.Text | undefined)?.toString() === 'shared text',
      'the allowed edit to arrive',
    );
    await waitFor(() => observer.doc.getMap('requests').has('r1'), 'the request to arrive');
    const late = client(room, token(room, 'ro'));
    await late.synced;
    for (const doc of [observer.doc, late.doc]) {
      assert.equal(doc.getMap('meta').get('ended'), undefined, 'a guest ended the session');
      assert.deepEqual([...doc.getMap('tree').keys()], ['a.txt'], 'a guest rewrote the tree');
      assert.deepEqual([...doc.getMap('texts').keys()], ['a.txt'], 'a guest added or removed a shared file');
      assert.equal(doc.getMap('meta').get('hostName'), 'Alice');
    }
  });

  it('a removed participant is closed, and their token stays revoked after a restart', async () => {
    const room = 'removal';
    const hostToken = token(room, 'host', 'Alice');
    const bobToken = token(room, 'rw');
    const host = client(room, hostToken);
    const bob = client(room, bobToken);
    const carol = client(room, token(room, 'rw'));
    await Promise.all([host.synced, bob.synced, carol.synced]);
    bob.provider.awareness.setLocalState({ user: { name: 'Bob' } });
    carol.provider.awareness.setLocalState({ user: { name: 'Carol' } });
    await waitFor(() => states(host).length >= 3, 'presences at the host');
    // A guest cannot remove anyone.
    (carol.provider.ws as WebSocket).send(encodeRemoveParticipant(bob.doc.clientID));
    (host.provider.ws as WebSocket).send(encodeRemoveParticipant(bob.doc.clientID));
    const closed = await bob.closed;
    assert.equal(closed.code, 4403);
    assert.match(closed.reason, /removed/);
    bob.provider.disconnect();
    carol.text.insert(0, 'carol is still here');
    await waitFor(() => host.text.toString() === 'carol is still here', 'carol to stay connected');

    const again = client(room, bobToken);
    const refused = await again.closed;
    assert.equal(refused.code, 4403);
    assert.match(refused.reason, /revoked/);
    again.provider.disconnect();

    await server.stop();
    server = await startServerProcess(['--data', dataDir]);
    const afterRestart = client(room, bobToken);
    const stillRefused = await afterRestart.closed;
    assert.equal(stillRefused.code, 4403);
    assert.match(stillRefused.reason, /revoked/);
    afterRestart.provider.disconnect();
    const hostAgain = client(room, hostToken);
    await hostAgain.synced;
    assert.equal(hostAgain.text.toString(), 'carol is still here');
  });
});
