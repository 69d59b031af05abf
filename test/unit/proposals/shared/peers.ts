// Simulated session peers for the shared-proposal tests: each its own Y.Doc, synced only when a test
// says so and in the order it says, with Y.applyUpdate (what the server relays, minus the socket).
import * as Y from 'yjs';
import { SessionDocument } from '../../../../src/collab/sessionDocument';
import { HostApplier } from '../../../../src/proposals/shared/hostApplier';
import { SharedProposals, type SharedProposalView } from '../../../../src/proposals/shared/sharedProposals';

export interface Peer {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly session: SessionDocument;
  readonly shared: SharedProposals;
  /** Set on the host only, once started. */
  applier?: HostApplier;
  /** The peer's clock as its decisions record it. */
  clock: number;
  readonly text: (path?: string) => string;
}

export const FILE = 'src/app.ts';

/** The file most shared-proposal tests start from, and the proposal they make of it. */
export const CONTENT = 'alpha\nbeta\ngamma\ndelta\nepsilon\n';

/** `alice` proposes to shout two words of CONTENT: one line replaced, one replaced by two. */
export function proposeTwoWords(alice: Peer): SharedProposalView {
  const record = alice.shared.publish({
    path: FILE,
    reason: 'shout two words',
    model: 'test-model',
    hunks: [
      { line: 1, removed: ['beta\n'], added: ['BETA\n'] },
      { line: 3, removed: ['delta\n'], added: ['DELTA\n', 'DELTA AGAIN\n'] },
    ],
  });
  return alice.shared.proposal(record.id)!;
}

export function makePeer(name: string, options: { canWrite?: boolean } = {}): Peer {
  const doc = new Y.Doc();
  const session = new SessionDocument(doc);
  const peer: Peer = {
    name,
    doc,
    session,
    clock: 1000,
    shared: undefined as unknown as SharedProposals,
    text: (path = FILE) => session.text(path)?.toString() ?? '',
  };
  (peer as { shared: SharedProposals }).shared = new SharedProposals(session, {
    name: () => name,
    canWrite: () => options.canWrite ?? true,
    now: () => peer.clock,
  });
  return peer;
}

/** A host with `content` seeded as FILE and its applier running, plus writers synced with it. */
export function makeSession(content: string, writers: string[]): { host: Peer; peers: Peer[] } {
  const host = makePeer('Host');
  host.session.seed(FILE, content, { eol: '\n', bom: false });
  host.applier = new HostApplier(host.session);
  host.applier.start();
  const peers = writers.map((name) => makePeer(name));
  syncAll([host, ...peers]);
  return { host, peers };
}

/** Everything `from` has that `to` lacks. */
export function updateFor(from: Peer, to: Peer): Uint8Array {
  return Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc));
}

/** What `peer` wrote since `since` (a state vector taken earlier). */
export function changesSince(peer: Peer, since: Uint8Array): Uint8Array {
  return Y.encodeStateAsUpdate(peer.doc, since);
}

/** Syncs every pair until nobody has anything new (the applier may write while receiving). */
export function syncAll(peers: readonly Peer[]): void {
  for (let round = 0; round < 5; round++) {
    let moved = false;
    for (const from of peers)
      for (const to of peers) {
        if (from === to) continue;
        const before = Y.encodeStateVector(to.doc);
        Y.applyUpdate(to.doc, updateFor(from, to));
        if (!equal(before, Y.encodeStateVector(to.doc))) moved = true;
      }
    if (!moved) return;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Every ordering of `items`. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  const result: T[][] = [];
  items.forEach((item, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)]))
      result.push([item, ...rest]);
  });
  return result;
}

/** Lines "line 0\n" … "line n-1\n". */
export function numberedLines(count: number): string {
  return Array.from({ length: count }, (_, i) => `line ${i}\n`).join('');
}
