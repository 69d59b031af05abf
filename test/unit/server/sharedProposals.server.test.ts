// Shared proposals against the real dist/server.js process, tried as an attacker would: a tampered
// read-only client that proposes and decides anyway, writers forging a decision "by" someone else,
// a writer writing the host's outcomes or removing others' entries, a writer forging or erasing
// the record of what the assistant wrote, a reader showing an assistant, a reader marking a hunk as
// reverted.
import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { SessionConnection } from '../../../src/collab/connection';
import { SessionDocument } from '../../../src/collab/sessionDocument';
import {
  applySharedRevertInChunks,
  attributeInsert,
  sharedAuthorshipView,
} from '../../../src/authorship/sharedAuthorship';
import { REVERT_MARK_PREFIX } from '../../../src/authorship/revertMarks';
import { planRevert } from '../../../src/authorship/revertPlan';
import { outcomeOf } from '../../../src/proposals/shared/sharedState';
import { HostApplier } from '../../../src/proposals/shared/hostApplier';
import { SharedProposals } from '../../../src/proposals/shared/sharedProposals';
import { encodeUpdate } from '../../../src/server/protocol';
import { signToken, type CollabRole } from '../../../src/server/token';
import {
  connectClient,
  rawSocket,
  startServerProcess,
  testSecret,
  waitFor,
  type ServerProcess,
  type TestClient,
} from './harness';

let minted = 0;
const token = (room: string, role: CollabRole, name = '') =>
  signToken(testSecret, { room, role, name, exp: Date.now() + 600_000 + minted++ });

const FILE = 'app.ts';
const CONTENT = 'one\ntwo\nthree\n';

describe('server process: who may propose and decide', function () {
  this.timeout(30_000);
  let server: ServerProcess;
  const clients: TestClient[] = [];
  const disposables: { dispose(): void }[] = [];
  const client = async (room: string, tokenValue: string, name?: string) => {
    const created = connectClient(server.url, room, tokenValue);
    clients.push(created);
    if (name) created.provider.awareness.setLocalState({ user: { name, color: '#1c7ed6' } });
    await created.synced;
    return created;
  };
  const sharedOf = (peer: TestClient, name: string) => {
    const shared = new SharedProposals(new SessionDocument(peer.doc), {
      name: () => name,
      canWrite: () => true,
    });
    disposables.push(shared);
    return shared;
  };
  /** Waits until the server has logged refusing an update with a reason matching `pattern`. */
  const refused = (pattern: RegExp) =>
    waitFor(
      () => server.logs().some((line) => line.msg === 'update refused' && pattern.test(String(line.reason))),
      `the server to refuse: ${pattern}`,
    );

  /** A room with Alice hosting (her applier running) and a proposal of two hunks by Bob. */
  async function session(room: string) {
    const host = await client(room, token(room, 'host', 'Alice'), 'Alice');
    const hostSession = new SessionDocument(host.doc);
    hostSession.seed(FILE, CONTENT, { eol: '\n', bom: false });
    const applier = new HostApplier(hostSession);
    applier.start();
    disposables.push(applier);
    const bob = await client(room, token(room, 'rw', 'Bob'), 'Bob');
    const observer = await client(room, token(room, 'ro', 'Olga'), 'Olga');
    await waitFor(() => new SessionDocument(bob.doc).text(FILE), 'the file at Bob');
    const proposal = sharedOf(bob, 'Bob').publish({
      path: FILE,
      reason: 'capitalise',
      model: 'm',
      hunks: [
        { line: 0, removed: ['one\n'], added: ['ONE\n'] },
        { line: 2, removed: ['three\n'], added: ['THREE\n'] },
      ],
    });
    await waitFor(() => observer.doc.getMap('proposals').has(proposal.id), 'the proposal at the observer');
    return { host, bob, observer, proposal, observed: sharedOf(observer, 'Olga') };
  }

  /**
   * `session(room)` with Bob's accept of the first hunk applied for everyone; `reverted()` says who
   * the observer's card names as having reverted it (undefined: nobody; 'not accepted').
   */
  async function acceptedHunk(room: string) {
    const started = await session(room);
    const { bob, observer, proposal, observed } = started;
    const hunk = proposal.hunks[0].id;
    sharedOf(bob, 'Bob').decide(hunk, 'accept');
    await waitFor(() => observed.hunk(hunk)?.status.state === 'accepted', 'the accept at the observer');
    const reverted = () => {
      const status = observed.hunk(hunk)?.status;
      return status?.state === 'accepted' ? status.reverted?.by.name : 'not accepted';
    };
    return { ...started, observedDoc: new SessionDocument(observer.doc), hunk, reverted };
  }

  before(async () => {
    server = await startServerProcess();
  });
  afterEach(() => {
    for (const disposable of disposables.splice(0)) disposable.dispose();
    for (const created of clients.splice(0)) created.destroy();
  });
  after(async () => {
    await server?.stop();
  });

  it("keeps a tampered read-only client's proposals and decisions out of the session", async () => {
    const room = 'ro-proposals';
    const { observer, proposal, observed } = await session(room);
    const rita = await client(room, token(room, 'ro', 'Rita'), 'Rita');
    await waitFor(() => rita.doc.getMap('proposals').has(proposal.id), 'the proposal at Rita');
    // Rita's client ignores that she is read-only.
    const tampered = sharedOf(rita, 'Rita');
    tampered.decide(proposal.hunks[0].id, 'accept');
    tampered.publish({
      path: FILE,
      reason: 'mine',
      model: 'm',
      hunks: [{ line: 1, removed: ['two\n'], added: ['2\n'] }],
    });
    await waitFor(
      () => server.logs().some((line) => line.msg === 'read-only update dropped' && line.name === 'Rita'),
      "the server to drop Rita's update",
    );
    // A writer's decision after Rita's still goes through, and Rita's never arrives.
    const bob = clients[1];
    sharedOf(bob, 'Bob').decide(proposal.hunks[1].id, 'reject');
    await waitFor(() => observed.hunk(proposal.hunks[1].id)?.status.state === 'rejected', "Bob's rejection");
    assert.equal(observer.doc.getMap('decisions').size, 1);
    assert.equal(observer.doc.getMap('proposals').size, 1);
    assert.equal(observed.hunk(proposal.hunks[0].id)?.status.state, 'pending');
    assert.equal(new SessionDocument(observer.doc).text(FILE)?.toString(), CONTENT);
  });

  it('refuses a decision recorded "by" someone else; the real one is applied once for everyone', async () => {
    const room = 'forged-decisions';
    const { host, bob, observer, proposal, observed } = await session(room);
    const hunk = proposal.hunks[0].id;
    // Mallory names Bob and his client id, writing under her own.
    const mallory = await client(room, token(room, 'rw', 'Mallory'), 'Mallory');
    mallory.doc
      .getMap('decisions')
      .set('m1', { hunk, action: 'accept', by: { name: 'Bob', clientId: bob.doc.clientID }, at: 1 });
    await refused(/must name its writer's own client id/);
    // Mallory's next try: her own client id, Bob's name.
    const mallory2 = await client(room, token(room, 'rw', 'Mallory'), 'Mallory');
    mallory2.doc
      .getMap('decisions')
      .set('m2', { hunk, action: 'accept', by: { name: 'Bob', clientId: mallory2.doc.clientID }, at: 1 });
    await refused(/must carry the name the session knows you by \(Mallory\)/);
    // An unnamed invite whose presence says "Bob": the server stamps it "Bob (guest)".
    const nameless = await client(room, token(room, 'rw'), 'Bob');
    await waitFor(
      () =>
        [...observer.provider.awareness.getStates().values()].some(
          (state) => state.user?.name === 'Bob (guest)',
        ),
      'the stamped guest name',
    );
    nameless.doc
      .getMap('decisions')
      .set('m3', { hunk, action: 'reject', by: { name: 'Bob', clientId: nameless.doc.clientID }, at: 1 });
    await refused(/must carry the name the session knows you by \(Bob \(guest\)\)/);
    // Bob's own decision goes through and the host applies it.
    sharedOf(bob, 'Bob').decide(hunk, 'accept');
    await waitFor(() => observed.hunk(hunk)?.status.state === 'accepted', 'the accept at the observer');
    const status = observed.hunk(hunk)!.status;
    assert.deepEqual(status.state === 'accepted' && status.by, { name: 'Bob', clientId: bob.doc.clientID });
    assert.deepEqual([...observer.doc.getMap('decisions').keys()].length, 1);
    assert.equal(new SessionDocument(observer.doc).text(FILE)?.toString(), 'ONE\ntwo\nthree\n');
    assert.equal(new SessionDocument(host.doc).text(FILE)?.toString(), 'ONE\ntwo\nthree\n');
  });

  it("passes on an absent participant's entries (a resend after a restart), never one naming someone present", async () => {
    const room = 'pass-on';
    const { observer } = await session(room);
    // Bobby decided while connected to a server that has since lost the room; Carol's copy has it.
    const bobby = new Y.Doc();
    bobby.getMap('decisions').set('b1', {
      hunk: 'gone/0',
      action: 'reject',
      by: { name: 'Bobby', clientId: bobby.clientID },
      at: 1,
    });
    const carol = connectClient(server.url, room, token(room, 'rw', 'Carol'), { connect: false });
    clients.push(carol);
    Y.applyUpdate(carol.doc, Y.encodeStateAsUpdate(bobby));
    carol.provider.awareness.setLocalState({ user: { name: 'Carol', color: '#1c7ed6' } });
    carol.provider.connect();
    await waitFor(() => observer.doc.getMap('decisions').has('b1'), "Bobby's decision passed on by Carol");
    // Mallory makes up a client id and signs as Alice, who is in the session.
    const forge = new Y.Doc();
    Y.applyUpdate(forge, Y.encodeStateAsUpdate(observer.doc));
    const before = Y.encodeStateVector(forge);
    forge.getMap('decisions').set('m1', {
      hunk: 'gone/0',
      action: 'accept',
      by: { name: 'Alice', clientId: forge.clientID },
      at: 1,
    });
    const mallory = await rawSocket(server.url, room, token(room, 'rw', 'Mallory'));
    mallory.send(encodeUpdate(Y.encodeStateAsUpdate(forge, before)));
    await refused(/may not name Alice, who is in the session under another client id/);
    mallory.close();
    // Mallory takes the client id of Olga, a reader (who never writes), and her name.
    const asOlga = new Y.Doc();
    Y.applyUpdate(asOlga, Y.encodeStateAsUpdate(observer.doc));
    const sinceOlga = Y.encodeStateVector(asOlga);
    asOlga.clientID = observer.doc.clientID;
    asOlga.getMap('decisions').set('m2', {
      hunk: 'gone/0',
      action: 'accept',
      by: { name: 'Olga', clientId: observer.doc.clientID },
      at: 1,
    });
    const mallory2 = await rawSocket(server.url, room, token(room, 'rw', 'Mallory'));
    mallory2.send(encodeUpdate(Y.encodeStateAsUpdate(asOlga, sinceOlga)));
    await refused(/entry cannot come from a read-only participant/);
    mallory2.close();
    assert.equal(observer.doc.getMap('decisions').has('m2'), false);
    assert.equal(observer.doc.getMap('decisions').has('m1'), false);
  });

  it('gets every proposal, decision and outcome back after a restart of a server that kept nothing', async () => {
    const room = 'restart';
    const { host, bob, proposal } = await session(room);
    const carol = await client(room, token(room, 'rw', 'Carol'), 'Carol');
    sharedOf(carol, 'Carol').decide(proposal.hunks[0].id, 'accept');
    sharedOf(bob, 'Bob').decide(proposal.hunks[1].id, 'reject');
    const expected = 'ONE\ntwo\nthree\n';
    await waitFor(
      () =>
        [host, bob, carol].every(
          (peer) =>
            new SessionDocument(peer.doc).outcomes.size === 2 && peer.doc.getMap('decisions').size === 2,
        ),
      'both outcomes everywhere',
    );
    const port = server.port;
    await server.stop();
    server = await startServerProcess(['--port', String(port)]);
    // Every client reconnects and sends back what the new server lacks, its peers' entries included.
    const late = await client(room, token(room, 'ro', 'Late'), 'Late');
    const seen = sharedOf(late, 'Late');
    await waitFor(
      () =>
        seen.hunk(proposal.hunks[0].id)?.status.state === 'accepted' &&
        seen.hunk(proposal.hunks[1].id)?.status.state === 'rejected' &&
        new SessionDocument(late.doc).text(FILE)?.toString() === expected,
      'the whole state at a newcomer after the restart',
      15_000,
    );
    // (A guest's resend of the host's `texts` entries is refused as before; the host's own resend brings them.)
    const refusedSigned = server
      .logs()
      .filter((line) => line.msg === 'update refused' && /proposals|decisions/.test(String(line.reason)));
    assert.deepEqual(refusedSigned, [], 'no resend was refused for its proposals or decisions');
  });

  it("keeps writers from writing outcomes and from removing others' decisions and proposals", async () => {
    const room = 'outcomes';
    const { bob, observer, proposal, observed } = await session(room);
    const carol = await client(room, token(room, 'rw', 'Carol'), 'Carol');
    await waitFor(() => carol.doc.getMap('proposals').has(proposal.id), 'the proposal at Carol');
    carol.doc.getMap('outcomes').set(proposal.hunks[0].id, {
      state: 'accepted',
      by: { name: 'Alice', clientId: 1 },
      at: 1,
      log: [],
    });
    await refused(/only the host may change the session's outcomes/);
    sharedOf(bob, 'Bob').decide(proposal.hunks[1].id, 'reject');
    await waitFor(() => observed.hunk(proposal.hunks[1].id)?.status.state === 'rejected', "Bob's rejection");
    const carol2 = await client(room, token(room, 'rw', 'Carol'), 'Carol');
    await waitFor(() => carol2.doc.getMap('decisions').size === 1, 'the decision at Carol');
    carol2.doc.getMap('decisions').clear();
    await refused(/only the host may remove decisions entries/);
    const carol3 = await client(room, token(room, 'rw', 'Carol'), 'Carol');
    carol3.doc.getMap('proposals').delete(proposal.id);
    await refused(/only the host may remove proposals entries/);
    // Bob may withdraw his own proposal.
    bob.doc.getMap('proposals').delete(proposal.id);
    await waitFor(() => !observer.doc.getMap('proposals').has(proposal.id), 'the withdrawal to arrive');
    assert.equal(observer.doc.getMap('decisions').size, 1);
    assert.equal(observed.hunk(proposal.hunks[0].id), undefined);
  });

  it('keeps writers from forging or erasing the record of what the assistant wrote', async () => {
    const room = 'authorship';
    const { bob, observer, proposal } = await session(room);
    sharedOf(bob, 'Bob').decide(proposal.hunks[0].id, 'accept');
    const observedDoc = new SessionDocument(observer.doc);
    const marks = () => {
      const text = observedDoc.text(FILE)!;
      const content = text.toString();
      return sharedAuthorshipView(text, observedDoc.authorship).runs.map((run) => [
        content.slice(run.start, run.end),
        run.meta.askedBy,
      ]);
    };
    await waitFor(() => marks().length === 1, "the host's mark of the accepted hunk at the observer");
    assert.deepEqual(marks(), [['ONE', 'Bob']]);
    const genuine = [...observedDoc.authorship.keys()][0];
    // Carol claims "two" was written by the assistant at Bob's request: a record and the mark, in one update.
    const carol = await client(room, token(room, 'rw', 'Carol'), 'Carol');
    await waitFor(() => new SessionDocument(carol.doc).authorship.size === 1, 'the record at Carol');
    const carolSession = new SessionDocument(carol.doc);
    const carolText = carolSession.text(FILE)!;
    carol.doc.transact(() =>
      attributeInsert(carolText, carolSession.authorship, 4, 4, 'two\n', {
        edit: 'forged',
        proposal: proposal.id,
        model: 'm',
        askedBy: 'Bob',
        at: 1,
      }),
    );
    await refused(/only the host may change the session's authorship/);
    // Another tries to erase the genuine record, so the assistant's text would pass for a person's.
    const carol2 = await client(room, token(room, 'rw', 'Carol'), 'Carol');
    await waitFor(() => new SessionDocument(carol2.doc).authorship.size === 1, 'the record at Carol again');
    new SessionDocument(carol2.doc).authorship.delete(genuine);
    await refused(/only the host may change the session's authorship/);
    // A writer's edit after both still goes through, and neither forgery arrived.
    const text = new SessionDocument(bob.doc).text(FILE)!;
    text.insert(text.length, 'four\n');
    await waitFor(() => observedDoc.text(FILE)!.toString().endsWith('four\n'), "Bob's edit at the observer");
    assert.deepEqual([...observedDoc.authorship.keys()], [genuine]);
    assert.deepEqual(marks(), [['ONE', 'Bob']]);
    assert.equal(observedDoc.text(FILE)!.toString(), 'ONE\ntwo\nthree\nfour\n');
  });

  it('keeps a tampered read-only client from taking back an accepted hunk and marking it reverted; a writer only marks what it really reverted', async () => {
    const room = 'reverted-marks';
    const { bob, observedDoc, hunk, reverted } = await acceptedHunk(room);
    assert.equal(reverted(), undefined);
    const edit = outcomeOf(observedDoc, hunk).applied!.edit!;
    const key = REVERT_MARK_PREFIX + edit;
    // Rita, read-only, takes the assistant's "ONE" out and marks the hunk reverted, as a revert would.
    const rita = await client(room, token(room, 'ro', 'Rita'), 'Rita');
    await waitFor(
      () => new SessionDocument(rita.doc).text(FILE)?.toString().startsWith('ONE'),
      'the text at Rita',
    );
    const ritaText = new SessionDocument(rita.doc).text(FILE)!;
    rita.doc.transact(() => {
      ritaText.delete(0, 3);
      ritaText.insert(0, 'one');
      ritaText.setAttribute(key, { by: { name: 'Rita', clientId: rita.doc.clientID }, at: 1 });
    });
    await waitFor(
      () => server.logs().some((line) => line.msg === 'read-only update dropped' && line.name === 'Rita'),
      "the server to drop Rita's update",
    );
    // Mallory, a writer, marks it without taking the text back: her mark arrives but counts for nothing.
    const mallory = await client(room, token(room, 'rw', 'Mallory'), 'Mallory');
    await waitFor(
      () => new SessionDocument(mallory.doc).text(FILE)?.toString().startsWith('ONE'),
      'the text at Mallory',
    );
    new SessionDocument(mallory.doc)
      .text(FILE)!
      .setAttribute(key, { by: { name: 'Mallory', clientId: mallory.doc.clientID }, at: 1 });
    await waitFor(
      () => observedDoc.text(FILE)!.getAttribute(key) !== undefined,
      "Mallory's mark at the observer",
    );
    assert.equal(reverted(), undefined);
    assert.equal(observedDoc.text(FILE)!.toString(), 'ONE\ntwo\nthree\n', 'nothing of Rita arrived');
    // Bob's real revert: the text goes back and the hunk reads reverted by Bob for everyone.
    const bobSession = new SessionDocument(bob.doc);
    const bobText = bobSession.text(FILE)!;
    await waitFor(() => bobText.getAttribute(key) !== undefined, "Mallory's mark at Bob");
    const plan = planRevert(
      sharedAuthorshipView(bobText, bobSession.authorship),
      () => true,
      bobText.toString(),
    );
    await applySharedRevertInChunks(bobText, undefined, plan.replacements, plan.edits, {
      reverted: { by: 'Bob', edits: plan.takenBack },
    });
    await waitFor(() => reverted() === 'Bob', 'the hunk reverted by Bob at the observer');
    assert.equal(observedDoc.text(FILE)!.toString(), CONTENT);
  });

  it('refuses a revert signed with someone else’s name: the card never says another person took the hunk back', async () => {
    const room = 'reverted-forged-name';
    const { bob, observedDoc, hunk, reverted } = await acceptedHunk(room);
    const key = REVERT_MARK_PREFIX + outcomeOf(observedDoc, hunk).applied!.edit!;
    // Each try as a writer would make it: the assistant's "ONE" taken back and the hunk marked, in one
    // transaction, from a connection of Mallory's own (the server closes one it refuses).
    const revertAs = async (by: (doc: Y.Doc) => { name: string; clientId: number }, at: number) => {
      const mallory = await client(room, token(room, 'rw', 'Mallory'), 'Mallory');
      const text = new SessionDocument(mallory.doc).text(FILE)!;
      await waitFor(() => text.toString().startsWith('ONE'), 'the text at Mallory');
      mallory.doc.transact(() => {
        text.delete(0, 3);
        text.insert(0, 'one');
        text.setAttribute(key, { by: by(mallory.doc), at });
      });
    };
    // Signed as Bob's, under her own client id.
    await revertAs((doc) => ({ name: 'Bob', clientId: doc.clientID }), 1);
    await refused(/revert mark must carry the name the session knows you by \(Mallory\)/);
    // Signed as Bob's, under Bob's client id: that id is not hers.
    await revertAs(() => ({ name: 'Bob', clientId: bob.doc.clientID }), 2);
    await refused(/revert mark must name its writer's own client id/);
    assert.equal(reverted(), undefined);
    assert.equal(
      observedDoc.text(FILE)!.toString(),
      'ONE\ntwo\nthree\n',
      'nothing of the forged reverts arrived',
    );
    // Signed with her own name: it goes through, and the card says so.
    await revertAs((doc) => ({ name: 'Mallory', clientId: doc.clientID }), 3);
    await waitFor(() => reverted() === 'Mallory', 'the hunk reverted by Mallory at the observer');
    assert.equal(observedDoc.text(FILE)!.toString(), CONTENT);
    assert.equal(
      (observedDoc.text(FILE)!.getAttribute(key) as { at: number }).at,
      3,
      'no forged mark arrived',
    );
  });

  it("tells a guest the name it is stamped with, so a guest who chose the host's name can still decide", async () => {
    const room = 'stamped-name';
    const { observer, proposal, observed } = await session(room);
    // Tandem's own client, with an unnamed invite, choosing the host's name.
    const doc = new Y.Doc();
    const connection = new SessionConnection({
      serverUrl: server.url,
      room,
      token: token(room, 'rw'),
      doc,
      WebSocketPolyfill: WebSocket,
    });
    disposables.push(connection);
    connection.awareness.setLocalState({
      user: { name: 'Alice', color: '#2f9e44' },
      role: 'rw',
      active: Date.now(),
    });
    await connection.whenConnected();
    await waitFor(() => connection.stampedName, 'the stamped name');
    assert.equal(connection.stampedName, 'Alice (guest)');
    const guest = new SharedProposals(new SessionDocument(doc), {
      name: () => connection.stampedName ?? 'Alice',
      canWrite: () => true,
    });
    disposables.push(guest);
    await waitFor(() => guest.hunk(proposal.hunks[0].id), 'the proposal at the guest');
    guest.decide(proposal.hunks[0].id, 'accept');
    await waitFor(
      () => observed.hunk(proposal.hunks[0].id)?.status.state === 'accepted',
      "the guest's accept",
    );
    const status = observed.hunk(proposal.hunks[0].id)!.status;
    assert.equal(status.state === 'accepted' && status.by.name, 'Alice (guest)');
    assert.equal(new SessionDocument(observer.doc).text(FILE)?.toString(), 'ONE\ntwo\nthree\n');
  });

  it("shows a writer's assistant in presence, never a reader's", async () => {
    const room = 'assistant-presence';
    const observer = await client(room, token(room, 'rw', 'Olga'), 'Olga');
    const bob = await client(room, token(room, 'rw', 'Bob'));
    const rita = await client(room, token(room, 'ro', 'Rita'));
    const assistant = { file: FILE, since: 1 };
    bob.provider.awareness.setLocalState({ user: { name: 'Bob', color: '#1c7ed6' }, assistant });
    rita.provider.awareness.setLocalState({ user: { name: 'Rita', color: '#1c7ed6' }, assistant });
    const stateOf = (name: string) =>
      [...observer.provider.awareness.getStates().values()].find((state) => state.user?.name === name);
    await waitFor(() => stateOf('Bob')?.assistant && stateOf('Rita'), 'both presences');
    assert.deepEqual(stateOf('Bob')!.assistant, assistant);
    assert.equal(stateOf('Rita')!.assistant, undefined);
  });
});
