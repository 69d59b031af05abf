// A short slice of randomised concurrency: peers click and type at once, their updates reach the host
// and each other in shuffled orders, and the invariants must hold every time.
import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { changesSince, FILE, makeSession, numberedLines, syncAll } from './peers';

/** A small seeded generator (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('shared proposals: randomised concurrent decisions and edits (short slice)', () => {
  const seen = { applied: 0, superseded: 0, refused: 0 };
  for (let seed = 1; seed <= 25; seed++) {
    it(`seed ${seed}: every decision handled once, every hunk applied at most once, all peers agree`, () => {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
      const { host, peers } = makeSession(numberedLines(30), ['Alice', 'Bob', 'Carol']);
      const record = peers[0].shared.publish({
        path: FILE,
        reason: 'r',
        model: 'm',
        hunks: [3, 9, 15, 21].map((line) => ({
          line,
          removed: [`line ${line}\n`],
          added: [`NEW ${line} a\n`, `NEW ${line} b\n`],
        })),
      });
      syncAll([host, ...peers]);
      let decisions = 0;
      for (let round = 0; round < 4; round++) {
        const base = Y.encodeStateVector(host.doc);
        for (const peer of peers) {
          peer.clock += Math.floor(next() * 3);
          for (let k = 0; k < 2; k++) {
            const hunk = pick(record.hunks).id;
            const roll = next();
            try {
              if (roll < 0.5)
                peer.shared.decide(hunk, 'accept', next() < 0.3 ? { removed: [], added: [0] } : undefined);
              else if (roll < 0.7) peer.shared.decide(hunk, 'reject');
              else if (roll < 0.85) peer.shared.undo(hunk);
              else {
                // A teammate types somewhere, maybe inside a hunk.
                const text = peer.session.text(FILE)!;
                text.insert(Math.floor(next() * text.length), pick(['x', '\n', 'yz']));
                continue;
              }
              decisions++;
            } catch {
              // Refused locally (already decided, stale, not theirs): nothing recorded.
            }
          }
        }
        // The host hears the peers in a shuffled order, one at a time or merged.
        const updates = peers.map((peer) => changesSince(peer, base)).sort(() => next() - 0.5);
        if (next() < 0.5) for (const update of updates) Y.applyUpdate(host.doc, update);
        else Y.applyUpdate(host.doc, Y.mergeUpdates(updates));
        syncAll([host, ...peers]);
      }
      const text = host.text();
      for (const peer of peers) assert.equal(peer.text(), text, `${peer.name} converged`);
      let logged = 0;
      for (const original of record.hunks) {
        const views = [host, ...peers].map((peer) => peer.shared.hunk(original.id)!);
        for (const view of views) assert.deepEqual(view.status, views[0].status);
        const hunk = views[0];
        logged += hunk.log.length;
        assert.equal(hunk.waiting.length, 0);
        const keys = hunk.log.map((entry) => entry.key);
        assert.equal(new Set(keys).size, keys.length, 'no decision handled twice');
        const line = Number(/\d+/.exec(original.removed[0])![0]);
        assert.ok(text.split(`NEW ${line} a`).length - 1 <= 1, `hunk at ${line} applied at most once`);
        const appliedNow =
          hunk.log.filter((e) => e.result === 'applied' && e.action === 'accept').length -
          hunk.log.filter((e) => e.result === 'applied' && e.action === 'undo').length;
        assert.equal(appliedNow, hunk.status.state === 'accepted' ? 1 : 0);
      }
      let all = 0;
      for (const value of host.session.outcomes.values()) {
        const log = (value as { log: { result: keyof typeof seen }[] }).log;
        all += log.length;
        for (const entry of log) seen[entry.result]++;
      }
      assert.ok(decisions > 0);
      assert.equal(logged, all);
      assert.equal(all, decisions, 'every recorded decision is in exactly one log');
    });
  }

  it('exercised clashes: decisions applied, superseded and refused across the seeds', () => {
    assert.ok(seen.applied > 0 && seen.superseded > 0 && seen.refused > 0, JSON.stringify(seen));
  });
});
