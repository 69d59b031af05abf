import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { planRevert } from '../../../../src/authorship/revertPlan';
import {
  applySharedRevert,
  insertHumanText,
  sharedAuthorshipView,
} from '../../../../src/authorship/sharedAuthorship';
import { SessionProposalStore } from '../../../../src/proposals/sessionProposalStore';
import { HostApplier } from '../../../../src/proposals/shared/hostApplier';
import { DECISIONS_ROOT, OUTCOMES_ROOT } from '../../../../src/proposals/shared/records';
import { SharedProposalError } from '../../../../src/proposals/shared/sharedProposals';
import { stillBeingApplied } from '../../../../src/proposals/shared/sharedState';
import { FILE, makePeer, syncAll, type Peer } from './peers';

const CONTENT = 'alpha\nbeta\ngamma\n';
const CHUNK = 100;
/** 40 lines of 28 characters: a dozen chunks of at most CHUNK characters. */
const ADDED = Array.from({ length: 40 }, (_, i) => `assistant line ${String(i).padStart(2, '0')} of forty\n`);
const AFTER = `alpha\n${ADDED.join('')}gamma\n`;

/** Holds the applier before each chunk until the test lets it go. */
class Gate {
  private readonly waiting: (() => void)[] = [];
  readonly pause = () => new Promise<void>((resolve) => this.waiting.push(resolve));
  get held(): number {
    return this.waiting.length;
  }
  /** Lets the applier write one chunk, then lets it run up to its next pause. */
  async release(): Promise<void> {
    const next = this.waiting.shift();
    assert.ok(next, 'the applier is waiting to write a chunk');
    next();
    await new Promise((resolve) => setImmediate(resolve));
  }
  /** Lets every chunk go until the applier has nothing left to write. */
  async drain(applier: HostApplier): Promise<number> {
    let chunks = 0;
    while (this.held) {
      await this.release();
      chunks++;
    }
    assert.equal(applier.busy, false);
    return chunks;
  }
}

function setup(writers: string[]): { host: Peer; peers: Peer[]; gate: Gate; proposalHunk: string } {
  const host = makePeer('Host');
  host.session.seed(FILE, CONTENT, { eol: '\n', bom: false });
  const gate = new Gate();
  host.applier = new HostApplier(host.session, { chunkChars: CHUNK, pause: gate.pause });
  host.applier.start();
  const peers = writers.map((name) => makePeer(name));
  syncAll([host, ...peers]);
  const record = peers[0].shared.publish({
    path: FILE,
    reason: 'write forty lines',
    model: 'test-model',
    hunks: [{ line: 1, removed: ['beta\n'], added: ADDED }],
  });
  syncAll([host, ...peers]);
  return { host, peers, gate, proposalHunk: record.hunks[0].id };
}

/** The assistant's characters of FILE as `peer` sees them. */
function marked(peer: Peer): string[] {
  const text = peer.session.text(FILE)!;
  const content = text.toString();
  return sharedAuthorshipView(text, peer.session.authorship).runs.map((run) =>
    content.slice(run.start, run.end),
  );
}

describe('shared proposals: a large accept is written in chunks', () => {
  it('claims the hunk, writes it in small updates with everyone seeing "applying", then accepted once', async () => {
    const { host, peers, gate, proposalHunk } = setup(['Alice', 'Bob']);
    const [alice, bob] = peers;
    const sizes: number[] = [];
    host.doc.on('update', (update: Uint8Array) => sizes.push(update.length));
    alice.shared.decide(proposalHunk, 'accept');
    syncAll([host, ...peers]);
    // The decision's transaction wrote the first chunk only.
    assert.ok(host.text().length < AFTER.length, 'not all written at once');
    assert.ok(host.text().startsWith('alpha\nassistant line 00'));
    for (const peer of [host, alice, bob]) {
      const status = peer.shared.hunk(proposalHunk)!.status;
      assert.equal(status.state, 'applying', `${peer.name} sees it being applied`);
      assert.ok(status.state === 'applying' && status.done > 0 && status.done < status.total);
      assert.equal(status.state === 'applying' && status.by.name, 'Alice');
    }
    assert.throws(
      () => bob.shared.decide(proposalHunk, 'reject'),
      /already accepted by Alice and is being applied/,
    );
    let chunks = 1;
    while (gate.held) {
      await gate.release();
      chunks++;
      syncAll([host, ...peers]);
      if (gate.held) assert.equal(bob.shared.hunk(proposalHunk)!.status.state, 'applying');
    }
    assert.ok(chunks >= ADDED.join('').length / CHUNK, `${chunks} chunks`);
    // No update the host sent carries more than a chunk and the records that go with it.
    assert.ok(Math.max(...sizes) < CHUNK + 1500, `largest update ${Math.max(...sizes)} bytes`);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), AFTER);
      const view = peer.shared.hunk(proposalHunk)!;
      assert.equal(view.status.state, 'accepted');
      assert.deepEqual(view.range && [view.range.line, view.range.endLine], [1, 41]);
      assert.deepEqual(
        view.log.map((entry) => `${entry.by.name}:${entry.result}`),
        ['Alice:applied'],
      );
      // Only the changed characters are the assistant's (the last line break was there before).
      assert.deepEqual(marked(peer), [ADDED.join('').slice(0, -1)]);
    }
    // The whole write is one undo: the old line comes back in one step, unmarked.
    alice.shared.undo(proposalHunk);
    syncAll([host, ...peers]);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), CONTENT);
      assert.deepEqual(marked(peer), []);
      assert.equal(peer.shared.hunk(proposalHunk)!.status.state, 'pending');
    }
    host.applier!.dispose();
  });

  it('supersedes three peers deciding while it is written, and applies it exactly once', async () => {
    const { host, peers, gate, proposalHunk } = setup(['Alice', 'Bob', 'Carol']);
    const [alice, bob, carol] = peers;
    const base = Y.encodeStateVector(host.doc);
    // All three click before hearing of each other; Alice's reaches the host first.
    alice.clock = 5000;
    bob.clock = 5001;
    carol.clock = 5002;
    alice.shared.decide(proposalHunk, 'accept');
    bob.shared.decide(proposalHunk, 'accept');
    carol.shared.decide(proposalHunk, 'reject');
    Y.applyUpdate(host.doc, Y.encodeStateAsUpdate(alice.doc, base));
    assert.equal(host.shared.hunk(proposalHunk)!.status.state, 'applying');
    await gate.release();
    Y.applyUpdate(host.doc, Y.encodeStateAsUpdate(bob.doc, base));
    await gate.release();
    Y.applyUpdate(host.doc, Y.encodeStateAsUpdate(carol.doc, base));
    // And an undo forged straight into the decisions while it is written is refused plainly.
    alice.doc.transact(() =>
      alice.doc.getMap(DECISIONS_ROOT).set('forged-undo', {
        hunk: proposalHunk,
        action: 'undo',
        by: alice.shared.self(),
        at: 5003,
      }),
    );
    syncAll([host, ...peers]);
    assert.throws(() => alice.shared.undo(proposalHunk), SharedProposalError);
    await gate.drain(host.applier!);
    syncAll([host, ...peers]);
    for (const peer of [host, ...peers]) {
      assert.equal(peer.text(), AFTER, `${peer.name}: written once`);
      const view = peer.shared.hunk(proposalHunk)!;
      assert.equal(view.status.state, 'accepted');
      assert.deepEqual(
        view.log.map((entry) => `${entry.by.name}:${entry.action}:${entry.result}`),
        ['Alice:accept:applied', 'Bob:accept:superseded', 'Carol:reject:superseded', 'Alice:undo:refused'],
      );
      assert.match(view.log[1].reason!, /already accepted by Alice \(being applied\)/);
      assert.match(view.log[3].reason!, /still being applied/);
      assert.equal(view.waiting.length, 0);
    }
    host.applier!.dispose();
  });

  it('resumes from the recorded progress when the applier stops part-way and starts again', async () => {
    const { host, peers, gate, proposalHunk } = setup(['Alice', 'Bob']);
    const [alice, bob] = peers;
    alice.shared.decide(proposalHunk, 'accept');
    syncAll([host, ...peers]);
    await gate.release();
    await gate.release();
    syncAll([host, ...peers]);
    // Bob types at the start of the file and inside what is written while the host is away.
    host.applier!.dispose();
    const written = host.text();
    await gate.release().catch(() => undefined);
    assert.equal(host.text(), written, 'a disposed applier writes nothing more');
    insertHumanText(bob.session.text(FILE)!, 0, 'BOB0 ');
    const inside = bob.text().indexOf('assistant line 01');
    insertHumanText(bob.session.text(FILE)!, inside, 'BOB1 ');
    syncAll([host, ...peers]);
    assert.equal(bob.shared.hunk(proposalHunk)!.status.state, 'applying', 'not stale while it is written');

    // The host's window opens again on the same document.
    const gate2 = new Gate();
    const again = new HostApplier(host.session, { chunkChars: CHUNK, pause: gate2.pause });
    again.start();
    assert.equal(again.busy, true);
    await gate2.drain(again);
    syncAll([host, ...peers]);
    const expected = `BOB0 alpha\n${ADDED[0]}BOB1 ${ADDED.slice(1).join('')}gamma\n`;
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), expected, `${peer.name}: complete, once, with Bob's text where he typed it`);
      assert.equal(peer.shared.hunk(proposalHunk)!.status.state, 'accepted');
      assert.deepEqual(marked(peer), [ADDED[0], ADDED.slice(1).join('').slice(0, -1)]);
    }
    // A second applier started on the finished document writes nothing.
    const third = new HostApplier(host.session, { chunkChars: CHUNK, pause: gate2.pause });
    third.start();
    assert.equal(third.busy, false);
    assert.equal(host.text(), expected);
    // Revert Assistant Edits takes back exactly the assistant's characters, Bob's stay.
    const text = host.session.text(FILE)!;
    const plan = planRevert(sharedAuthorshipView(text, host.session.authorship), () => true);
    applySharedRevert(text, host.session.authorship, plan.replacements, plan.edits);
    assert.equal(host.text(), 'BOB0 alpha\nBOB1 \ngamma\n');
    third.dispose();
    again.dispose();
  });

  it("keeps people's characters theirs and where they typed them while chunks arrive", async () => {
    const { host, peers, gate, proposalHunk } = setup(['Alice', 'Bob']);
    const [alice, bob] = peers;
    alice.shared.decide(proposalHunk, 'accept');
    syncAll([host, ...peers]);
    const typed: { word: string; before: string }[] = [];
    let round = 0;
    while (gate.held) {
      // Between chunks Bob types inside the assistant's text, and Alice at the end of what is written.
      const bobText = bob.session.text(FILE)!;
      const content = bob.text();
      const inside = content.indexOf('line', content.indexOf('assistant line')) + 2;
      const bobWord = `b${round}b`;
      typed.push({ word: bobWord, before: content.slice(inside - 6, inside) });
      insertHumanText(bobText, inside, bobWord);
      const aliceText = alice.session.text(FILE)!;
      const end = alice.text().indexOf('gamma');
      const aliceWord = `a${round}a\n`;
      typed.push({ word: aliceWord, before: '' });
      insertHumanText(aliceText, end, aliceWord);
      syncAll([host, ...peers]);
      await gate.release();
      syncAll([host, ...peers]);
      round++;
    }
    assert.ok(round > 5);
    const final = host.text();
    for (const peer of [alice, bob]) assert.equal(peer.text(), final);
    let without = final;
    for (const { word, before } of typed) {
      const at = final.indexOf(word);
      assert.ok(at > 0 && final.indexOf(word, at + 1) === -1, `${JSON.stringify(word)} once`);
      if (before)
        assert.equal(
          final.slice(at - 2, at),
          before.slice(-2),
          `${word} stays inside the line it was typed in`,
        );
      without = without.replace(word, '');
    }
    assert.equal(without, AFTER, 'the assistant text is complete around what people typed');
    // Alice's lines, typed after what was written so far, stay after it and before "gamma", in order.
    const aliceLines = typed.filter(({ before }) => !before).map(({ word }) => word);
    assert.ok(final.endsWith(`forty\n${aliceLines.join('')}gamma\n`));
    // Nothing people typed is marked; all the assistant wrote is.
    const assistant = marked(host).join('');
    for (const { word } of typed) assert.equal(assistant.includes(word.trim()), false);
    assert.equal(assistant.length, ADDED.join('').length - 1);
    assert.equal(host.shared.hunk(proposalHunk)!.status.state, 'accepted');
    // The outcome record is small: the hunk's lines are not copied into it.
    assert.ok(JSON.stringify(host.doc.getMap(OUTCOMES_ROOT).get(proposalHunk)).length < 1500);
    host.applier!.dispose();
  });

  it('shows the review "being applied" with how far it is, with no accept, reject or undo offered', async () => {
    const { host, peers, gate, proposalHunk } = setup(['Alice', 'Bob']);
    const [alice, bob] = peers;
    const stores = [alice, bob].map(
      (peer) =>
        new SessionProposalStore(
          peer.shared,
          (path) => `tandem://room/${path}`,
          () => true,
        ),
    );
    alice.shared.decide(proposalHunk, 'accept');
    syncAll([host, ...peers]);
    await gate.release();
    syncAll([host, ...peers]);
    for (const [store, self] of [
      [stores[0], 'you'],
      [stores[1], 'Alice'],
    ] as const) {
      const { hunk } = store.findHunk(proposalHunk)!;
      assert.equal(hunk.status, 'accepted');
      const info = store.infoOf(hunk)!;
      assert.match(info.note ?? '', new RegExp(`^accepted by ${self}, being applied \\(\\d+%\\)…$`));
      assert.equal(info.undoable, false);
      assert.equal(store.pendingHunks().length, 0);
    }
    await gate.drain(host.applier!);
    syncAll([host, ...peers]);
    const done = stores[0].infoOf(stores[0].findHunk(proposalHunk)!.hunk)!;
    assert.equal(done.note, 'accepted by you');
    assert.equal(done.undoable, true);
    for (const store of stores) store.dispose();
    host.applier!.dispose();
  });

  it('lets nobody revert an accepted change while it is being written, and reverts all of it once it is in', async () => {
    const { host, peers, gate, proposalHunk } = setup(['Alice', 'Bob']);
    const [alice, bob] = peers;
    alice.shared.decide(proposalHunk, 'accept');
    syncAll([host, ...peers]);
    await gate.release();
    syncAll([host, ...peers]);
    // Bob asks to revert everything in the file: the plan holds the edit being written.
    const plan = () =>
      planRevert(sharedAuthorshipView(bob.session.text(FILE)!, bob.session.authorship), () => true);
    assert.equal(bob.shared.hunk(proposalHunk)!.status.state, 'applying');
    const refusal = stillBeingApplied(bob.session, plan().edits);
    assert.match(
      refusal ?? '',
      /^the assistant's accepted change to src\/app\.ts is still being written \(\d+% written\)/,
    );
    // Another edit of the same file, already in, is not held back.
    assert.equal(stillBeingApplied(bob.session, ['some-other-edit']), undefined);
    await gate.drain(host.applier!);
    syncAll([host, ...peers]);
    assert.equal(stillBeingApplied(bob.session, plan().edits), undefined);
    const { replacements, edits } = plan();
    applySharedRevert(bob.session.text(FILE)!, bob.session.authorship, replacements, edits, 'bob');
    syncAll([host, ...peers]);
    for (const peer of [host, alice, bob]) assert.equal(peer.text(), CONTENT);
    host.applier!.dispose();
  });
});
