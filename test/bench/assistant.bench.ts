// `npm run bench -- assistant`: shared proposals between 5 peers (a host and 4 writers, each a Tandem
// SessionConnection with its own Y.Doc) in one room of the real collaboration server (dist/server.js,
// its own process), on 127.0.0.1:
// - proposal_visible_to_peer_ms: one peer publishes a proposal (the moment the model's answer ended)
//   until another peer's observe() callback sees it;
// - decision_visible_to_peer_ms: a writer's decide() (the click) until a third peer's callback sees
//   the hunk accepted and the applied text in its document. The decision travels to the host, whose
//   applier writes the edit, which travels to the peer: two trips through the server.
// Both are the raw wall-clock p99 (the *_p50_ms keys give the median). Baselines of the same run:
// a plain Y.Map entry set by one peer until another sees it (one trip) and passed on by a third
// peer's client as soon as it sees it (two trips), through the same server and sockets.
import WebSocket from 'ws';
import * as Y from 'yjs';
import { SessionConnection } from '../../src/collab/connection';
import { SessionDocument } from '../../src/collab/sessionDocument';
import { HostApplier } from '../../src/proposals/shared/hostApplier';
import { SharedProposals } from '../../src/proposals/shared/sharedProposals';
import { signToken, type CollabRole } from '../../src/server/token';
import { startServerProcess, testSecret } from '../unit/server/harness';
import { within } from './collabClients';
import { quantile, round, writeSuiteResult } from './results';

const FILE = 'src/service.ts';
const LINES = 400;
const WARMUP = 10;
const SAMPLES = 100;
const ROOM = 'assistant-bench';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

interface Peer {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly session: SessionDocument;
  readonly connection: SessionConnection;
  readonly shared: SharedProposals;
}

function join(url: string, name: string, role: CollabRole): Peer {
  const token = signToken(testSecret, { room: ROOM, role, name, exp: Date.now() + 3_600_000 });
  const doc = new Y.Doc();
  const connection = new SessionConnection({
    serverUrl: url,
    room: ROOM,
    token,
    doc,
    WebSocketPolyfill: WebSocket,
  });
  // Presence is what the server checks a decision's signature against.
  connection.awareness.setLocalState({ user: { name, color: '#1c7ed6' }, role, active: Date.now() });
  const session = new SessionDocument(doc);
  const shared = new SharedProposals(session, { name: () => name, canWrite: () => true });
  return { name, doc, session, connection, shared };
}

/** Resolves with the time from now until `check` holds in one of `peer`'s observe() callbacks. */
function seenBy(peer: Peer, check: () => boolean, what: string): { started: number; done: Promise<number> } {
  const started = now();
  let stop: { dispose(): void } | undefined;
  const done = new Promise<number>((resolve) => {
    stop = peer.shared.observe(() => {
      if (check()) resolve(now() - started);
    });
  }).finally(() => stop?.dispose());
  return { started, done: within(done, 10_000, what) };
}

/** Same trip, without shared proposals: a plain map entry, seen in a plain Y.Map observer. */
function plainSeenBy(peer: Peer, key: string): Promise<number> {
  const map = peer.doc.getMap('bench');
  const started = now();
  return within(
    new Promise<number>((resolve) => {
      const observer = () => {
        if (!map.has(key)) return;
        map.unobserve(observer);
        resolve(now() - started);
      };
      map.observe(observer);
    }),
    10_000,
    `plain entry ${key}`,
  );
}

async function main(): Promise<void> {
  const server = await startServerProcess();
  const names: [string, CollabRole][] = [
    ['Alice', 'host'],
    ['Bob', 'rw'],
    ['Carol', 'rw'],
    ['Dave', 'rw'],
    ['Erin', 'rw'],
  ];
  const peers = names.map(([name, role]) => join(server.url, name, role));
  const [host] = peers;
  await within(Promise.all(peers.map((peer) => peer.connection.whenConnected())), 30_000, 'joining');
  host.session.seed(
    FILE,
    Array.from({ length: LINES }, (_, i) => `  const value${i} = compute(${i});\n`).join(''),
    { eol: '\n', bom: false },
  );
  const applier = new HostApplier(host.session);
  applier.start();
  while (peers.some((peer) => !peer.session.text(FILE))) await sleep(5);
  await sleep(200);

  const proposalMs: number[] = [];
  const decisionMs: number[] = [];
  const oneTripMs: number[] = [];
  const twoTripsMs: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const requester = peers[i % peers.length];
    const observer = peers[(i + 1) % peers.length];
    const decider = peers[1 + ((i + 2) % (peers.length - 1))];
    const watcher = peers.find((peer) => peer !== decider && peer !== host && peer !== requester) ?? observer;
    // A proposal of two hunks on lines that still hold their original text.
    const content = requester.session.text(FILE)!.toString().split('\n');
    const line = (i * 7) % (LINES - 10);
    const hunks = [line, line + 3].map((at) => ({
      line: at,
      removed: [`${content[at]}\n`],
      added: [`${content[at].replace('compute', 'computeFast')} // ${i}\n`],
    }));
    let id = '';
    const proposal = seenBy(
      observer,
      () => id !== '' && observer.shared.proposal(id) !== undefined,
      'proposal',
    );
    id = requester.shared.publish({ path: FILE, reason: `speed up ${i}`, model: 'bench-model', hunks }).id;
    const proposalDelay = await proposal.done;
    // The decider and the watcher must have the proposal before the click.
    while (!decider.shared.proposal(id) || !watcher.shared.proposal(id)) await sleep(1);
    const hunkId = `${id}/0`;
    const added = hunks[0].added[0];
    const decision = seenBy(
      watcher,
      () => {
        const hunk = watcher.shared.hunk(hunkId);
        if (hunk?.status.state !== 'accepted' || !hunk.range) return false;
        return watcher.session.text(FILE)!.toString().slice(hunk.range.from, hunk.range.to) === added;
      },
      'decision',
    );
    decider.shared.decide(hunkId, 'accept');
    const decisionDelay = await decision.done;
    // Baselines: the same peers and server, without proposals.
    const key = `k${i}`;
    const oneTrip = plainSeenBy(observer, key);
    requester.doc.getMap('bench').set(key, i);
    const oneTripDelay = await oneTrip;
    const relayKey = `r${i}`;
    const relayed = new Promise<void>((resolve) => {
      const map = host.doc.getMap('bench');
      const observe = () => {
        if (!map.has(relayKey)) return;
        map.unobserve(observe);
        map.set(`${relayKey}-back`, i);
        resolve();
      };
      map.observe(observe);
    });
    const twoTrips = plainSeenBy(watcher, `${relayKey}-back`);
    decider.doc.getMap('bench').set(relayKey, i);
    await relayed;
    const twoTripsDelay = await twoTrips;
    if (i >= WARMUP) {
      proposalMs.push(proposalDelay);
      decisionMs.push(decisionDelay);
      oneTripMs.push(oneTripDelay);
      twoTripsMs.push(twoTripsDelay);
    }
    await sleep(20);
  }
  // Every peer ends with the same text, each accepted hunk applied once.
  await sleep(300);
  const texts = new Set(peers.map((peer) => peer.session.text(FILE)!.toString()));
  if (texts.size !== 1) throw new Error('assistant bench: peers ended with different texts');
  const applied = [...texts][0].split('computeFast').length - 1;
  if (applied !== WARMUP + SAMPLES)
    throw new Error(`assistant bench: ${applied} hunks applied, expected ${WARMUP + SAMPLES}`);

  const slowest = (samples: number[]) =>
    samples
      .map((ms, i) => `${round(ms, 1)} ms (sample ${i})`)
      .sort((a, b) => parseFloat(b) - parseFloat(a))
      .slice(0, 3)
      .join(', ');
  console.log(
    `assistant: slowest proposals ${slowest(proposalMs)}; slowest decisions ${slowest(decisionMs)}`,
  );
  applier.dispose();
  for (const peer of peers) {
    peer.shared.dispose();
    peer.connection.dispose();
  }
  await server.stop();
  writeSuiteResult('assistant', {
    proposal_visible_to_peer_ms: round(quantile(proposalMs, 0.99)),
    proposal_visible_to_peer_p50_ms: round(quantile(proposalMs, 0.5)),
    decision_visible_to_peer_ms: round(quantile(decisionMs, 0.99)),
    decision_visible_to_peer_p50_ms: round(quantile(decisionMs, 0.5)),
    baseline_one_trip_p99_ms: round(quantile(oneTripMs, 0.99)),
    baseline_one_trip_p50_ms: round(quantile(oneTripMs, 0.5)),
    baseline_two_trips_p99_ms: round(quantile(twoTripsMs, 0.99)),
    baseline_two_trips_p50_ms: round(quantile(twoTripsMs, 0.5)),
    samples: SAMPLES,
    peers: peers.length,
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
