import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { lineStartOffset } from '../../../../src/proposals/shared/anchoring';
import type { SharedProposalView } from '../../../../src/proposals/shared/sharedProposals';
import {
  changesSince,
  FILE,
  makePeer,
  makeSession,
  numberedLines,
  permutations,
  syncAll,
  type Peer,
} from './peers';

/** Inserts `text` at the start of 0-based `line` of the peer's shared file. */
function insertAtLine(peer: Peer, line: number, text: string): void {
  const ytext = peer.session.text(FILE)!;
  ytext.insert(lineStartOffset(ytext.toString(), line)!, text);
}

function deleteLine(peer: Peer, line: number): void {
  const ytext = peer.session.text(FILE)!;
  const from = lineStartOffset(ytext.toString(), line)!;
  const to = lineStartOffset(ytext.toString(), line + 1)!;
  ytext.delete(from, to - from);
}

/** The region of each hunk in `peer`'s text now, with the text around it. */
function placed(peer: Peer, proposal: SharedProposalView) {
  const content = peer.text();
  const view = peer.shared.proposal(proposal.id)!;
  return view.hunks.map((hunk) => {
    assert.ok(hunk.range, `hunk ${hunk.id} has a range at ${peer.name}`);
    const { from, to, line } = hunk.range;
    return {
      status: hunk.status.state,
      line,
      inside: content.slice(from, to),
      lineBefore: content.slice(content.lastIndexOf('\n', from - 2) + 1, from),
      lineAfter: content.slice(to, content.indexOf('\n', to) + 1),
    };
  });
}

describe('shared proposals: anchoring under concurrent edits', () => {
  function propose(alice: Peer): SharedProposalView {
    const record = alice.shared.publish({
      path: FILE,
      reason: 'rename and extend',
      model: 'test-model',
      hunks: [
        { line: 2, removed: ['line 2\n', 'line 3\n'], added: ['LINE TWO\n', 'LINE THREE\n'] },
        { line: 6, removed: ['line 6\n'], added: ['line six\n', 'extra\n'] },
        { line: 9, removed: [], added: ['inserted\n'] },
      ],
    });
    return alice.shared.proposal(record.id)!;
  }

  it('keeps every hunk on its lines when others insert and delete right before and after it, in any order', () => {
    const { host, peers } = makeSession(numberedLines(12), ['Alice', 'Bob', 'Carol', 'Dave']);
    const [alice, bob, carol, dave] = peers;
    const proposal = propose(alice);
    syncAll([host, ...peers]);
    const base = Y.encodeStateVector(host.doc);
    const baseState = Y.encodeStateAsUpdate(host.doc);
    // Concurrent, unsynced edits at the very edges of the hunks (and further away).
    insertAtLine(bob, 2, 'bob before\n');
    insertAtLine(carol, 4, 'carol after\n');
    deleteLine(carol, 0);
    deleteLine(dave, 8); // just before the pure insertion at line 9
    insertAtLine(dave, 7, 'tail\n');
    insertAtLine(dave, 6, 'dave\n');
    const updates = [bob, carol, dave].map((peer) => changesSince(peer, base));

    const expected = [
      {
        status: 'pending',
        inside: 'line 2\nline 3\n',
        lineBefore: 'bob before\n',
        lineAfter: 'carol after\n',
      },
      { status: 'pending', inside: 'line 6\n', lineBefore: 'dave\n', lineAfter: 'tail\n' },
      { status: 'pending', inside: '', lineBefore: 'line 7\n', lineAfter: 'line 9\n' },
    ];
    const texts = new Set<string>();
    for (const order of permutations([0, 1, 2])) {
      const observer = makePeer(`observer ${order.join('')}`);
      Y.applyUpdate(observer.doc, baseState);
      for (const index of order) Y.applyUpdate(observer.doc, updates[index]);
      texts.add(observer.text());
      const got = placed(observer, proposal);
      assert.deepEqual(
        got.map(({ status, inside, lineBefore, lineAfter }) => ({ status, inside, lineBefore, lineAfter })),
        expected,
        `order ${order.join(',')}`,
      );
      const lines = observer.text().split('\n');
      assert.equal(lines[got[0].line], 'line 2');
      assert.equal(lines[got[1].line], 'line 6');
      assert.equal(lines[got[2].line], 'line 9');
    }
    assert.equal(texts.size, 1, 'every order converges on one text');
    syncAll([host, ...peers]);
    for (const peer of [host, ...peers]) assert.deepEqual(placed(peer, proposal), placed(alice, proposal));
  });

  it('makes a hunk stale for everyone when a teammate edits inside it, and only that hunk', () => {
    const { host, peers } = makeSession(numberedLines(12), ['Alice', 'Bob', 'Eve']);
    const [alice, bob, eve] = peers;
    const proposal = propose(alice);
    syncAll([host, ...peers]);
    insertAtLine(bob, 2, 'bob before\n');
    const ytext = eve.session.text(FILE)!;
    ytext.insert(ytext.toString().indexOf('line 6') + 'line 6'.length, '!'); // inside hunk 2
    const dot = ytext.toString().indexOf('line 3');
    ytext.delete(dot, 1); // inside hunk 1, its last line
    syncAll([host, ...peers]);
    for (const peer of [host, ...peers]) {
      const states = peer.shared.proposal(proposal.id)!.hunks.map((hunk) => hunk.status.state);
      assert.deepEqual(states, ['stale', 'stale', 'pending'], peer.name);
    }
    assert.throws(() => bob.shared.decide(proposal.hunks[0].id, 'accept'), /stale/);
  });

  it('makes a hunk stale when its lines are deleted across its edge', () => {
    const { host, peers } = makeSession(numberedLines(12), ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = propose(alice);
    syncAll([host, ...peers]);
    const ytext = bob.session.text(FILE)!;
    const from = lineStartOffset(ytext.toString(), 1)!;
    ytext.delete(from, 'line 1\nline '.length); // from line 1 into the hunk's first line
    syncAll([host, ...peers]);
    assert.equal(alice.shared.proposal(proposal.id)!.hunks[0].status.state, 'stale');
    assert.equal(alice.shared.proposal(proposal.id)!.hunks[1].status.state, 'pending');
  });

  it('refuses to share a hunk whose lines are not where it says, and shares nothing', () => {
    const { peers } = makeSession(numberedLines(5), ['Alice']);
    const [alice] = peers;
    assert.throws(
      () =>
        alice.shared.publish({
          path: FILE,
          reason: 'r',
          model: 'm',
          hunks: [
            { line: 0, removed: ['line 0\n'], added: ['zero\n'] },
            { line: 3, removed: ['line 2\n'], added: ['two\n'] },
          ],
        }),
      /change 2 does not match line 4 of src\/app\.ts/,
    );
    assert.equal(alice.session.proposals.size, 0);
    assert.throws(
      () =>
        alice.shared.publish({
          path: 'missing.ts',
          reason: 'r',
          model: 'm',
          hunks: [{ line: 0, removed: [], added: ['x\n'] }],
        }),
      /missing\.ts is not shared/,
    );
  });

  it('takes CRLF lines as the LF text they are in the shared document', () => {
    const { host, peers } = makeSession('a\nb\nc\n', ['Alice']);
    const [alice] = peers;
    const record = alice.shared.publish({
      path: FILE,
      reason: 'r',
      model: 'm',
      hunks: [{ line: 1, removed: ['b\r\n'], added: ['B\r\n'] }],
    });
    syncAll([host, alice]);
    assert.deepEqual(record.hunks[0].removed, ['b\n']);
    assert.equal(alice.shared.hunk(record.hunks[0].id)!.status.state, 'pending');
  });
});
