/**
 * Randomized convergence test of Tandem's shared editing against the real server process.
 *
 * Per seed: 3-4 clients, each a Y.Doc + Tandem's SessionConnection + DocumentBinding over a
 * SimulatedDocument (an asynchronous editor whose applyEdit can lose the race to the user's typing),
 * some LF and some CRLF. They type random inserts (unicode, surrogate pairs, line breaks) and
 * deletes, in bursts that arrive while earlier edits are still being applied, drop off the network
 * or go offline and keep typing, and live through a restart of `node dist/server.js --data` (a
 * graceful stop or a kill -9). Then everyone reconnects and the seed passes when:
 *   - every client has every update (equal state vectors) and the same text, and every editor
 *     document equals it (else: a divergence);
 *   - every insert a client typed exists in its Y.Doc's own items (else: a lost edit; an insert
 *     someone deleted afterwards is still there as a deleted item, so deletes are not counted);
 *   - the host's second seeding attempt after the restart seeds nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { SessionConnection } from '../../src/collab/connection';
import { DocumentBinding } from '../../src/collab/documentBinding';
import { type Eol, fromLf, toLf } from '../../src/collab/eol';
import { SessionDocument } from '../../src/collab/sessionDocument';
import { signToken } from '../../src/server/token';
import { ServerProcess, builtServerScript } from './serverProcess';
import { editorOffset, SimulatedDocument } from './simulatedDocument';
import { seededRandom } from '../support/seededRandom';

export interface FuzzOptions {
  seeds: readonly number[];
  /** Editing time per seed (default 2500 ms). */
  editMs?: number;
  log?: (line: string) => void;
}

export interface SeedResult {
  seed: number;
  clients: number;
  edits: number;
  disconnects: number;
  restart: 'SIGTERM' | 'SIGKILL';
  converged: boolean;
  divergence?: string;
  lostEdits: number;
  repairs: number;
  rejectedApplies: number;
  settleMs: number;
}

export interface FuzzResult {
  seeds: SeedResult[];
  divergences: number;
  lostEdits: number;
}

const SECRET = 'tandem-fuzz-secret-0123456789abcdef';
const FILE = 'src/fuzz.txt';
const LOCAL = { fuzz: 'local' };
const ALPHABET = ['a', 'b', 'z', ' ', 'é', 'ß', '中', '😀', '𝒳', '🎉', '\n', '\r\n', '\t', 'xyz', '{}'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  index: number;
  ydoc: Y.Doc;
  session: SessionDocument;
  connection: SessionConnection;
  doc?: SimulatedDocument;
  binding?: DocumentBinding;
  eol: Eol;
  markers: string[];
  offlineUntil: number;
}

export async function runCollabFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const log = options.log ?? (() => undefined);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-fuzz-'));
  const server = new ServerProcess({ script: builtServerScript(), dataDir, secret: SECRET });
  await server.start();
  const results: SeedResult[] = [];
  try {
    for (const seed of options.seeds) {
      const result = await runSeed(seed, server, options.editMs ?? 2500);
      results.push(result);
      log(
        `seed ${seed}: ${result.clients} clients, ${result.edits} edits, ${result.disconnects} disconnects, ` +
          `server ${result.restart}, ${result.converged ? `converged in ${result.settleMs} ms` : `DIVERGED (${result.divergence})`}, ` +
          `${result.lostEdits} lost, ${result.repairs} repairs, ${result.rejectedApplies} applies lost the race`,
      );
    }
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    seeds: results,
    divergences: results.filter((result) => !result.converged).length,
    lostEdits: results.reduce((sum, result) => sum + result.lostEdits, 0),
  };
}

async function runSeed(seed: number, server: ServerProcess, editMs: number): Promise<SeedResult> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const room = `fuzz-${seed}-${Date.now().toString(36)}`;
  const clientCount = 3 + Math.floor(random() * 2);
  // Client 0 hosts (only a host token may create a shared file's text); the others edit.
  const tokenFor = (index: number) =>
    signToken(SECRET, { room, role: index === 0 ? 'host' : 'rw', name: '', exp: Date.now() + 600_000 });
  const clients: Client[] = [];
  for (let index = 0; index < clientCount; index++) {
    const ydoc = new Y.Doc({ gc: false });
    const connection = new SessionConnection({
      serverUrl: server.url,
      room,
      token: tokenFor(index),
      doc: ydoc,
      WebSocketPolyfill: WebSocket,
      minBackoffMs: 40,
      maxBackoffMs: 400,
      random,
    });
    clients.push({
      index,
      ydoc,
      session: new SessionDocument(ydoc),
      connection,
      eol: random() < 0.5 ? '\n' : '\r\n',
      markers: [],
      offlineUntil: 0,
    });
  }
  const bind = (client: Client) => {
    const ytext = client.session.text(FILE);
    if (!ytext || client.binding) return;
    const doc = new SimulatedDocument({
      text: fromLf(ytext.toString(), client.eol),
      eol: client.eol,
      latency: () => random() * 4,
    });
    const binding = new DocumentBinding(ytext, doc, {
      origin: LOCAL,
      checkDelayMs: 50,
      checkMaxDelayMs: 200,
    });
    doc.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
    client.doc = doc;
    client.binding = binding;
  };

  // The host seeds once it is synced; guests bind when the text reaches them. Nobody else seeds.
  const host = clients[0];
  await Promise.all(clients.map((client) => client.connection.whenConnected(10_000)));
  host.session.seed(FILE, `seed ${seed}\nline two 😀\nthird line\n`, { eol: host.eol, bom: false });
  for (const client of clients) client.session.texts.observe(() => bind(client));
  bind(host);
  for (let wait = 0; clients.some((client) => !client.binding) && wait < 200; wait++) await sleep(10);
  if (clients.some((client) => !client.binding))
    throw new Error(`seed ${seed}: the seeded file never reached every client`);

  let edits = 0;
  let disconnects = 0;
  const restart: SeedResult['restart'] = random() < 0.5 ? 'SIGKILL' : 'SIGTERM';
  const restartAt = Date.now() + editMs * (0.3 + random() * 0.3);
  let restarted: Promise<void> | undefined;
  let reseeded = false;
  const started = Date.now();
  while (Date.now() - started < editMs) {
    if (!restarted && Date.now() >= restartAt) {
      restarted = (async () => {
        await server.stop(restart);
        await sleep(50 + random() * 200);
        await server.start();
      })();
    }
    // A burst of edits with no pause: later ones land while earlier ones are still being applied.
    const burst = random() < 0.2 ? 2 + Math.floor(random() * 6) : 1;
    for (let i = 0; i < burst; i++) {
      const client = pick(clients);
      userEdit(client, random, pick);
      edits++;
    }
    if (random() < 0.015) {
      const client = pick(clients);
      disconnects++;
      if (random() < 0.5) client.connection.dropSocket();
      else {
        client.connection.disconnect();
        client.offlineUntil = Date.now() + 50 + random() * 400;
      }
    }
    for (const client of clients)
      if (client.offlineUntil && Date.now() >= client.offlineUntil) {
        client.offlineUntil = 0;
        client.connection.connect();
      }
    await sleep(random() < 0.3 ? 0 : random() * 6);
  }
  await restarted;
  for (const client of clients) {
    client.offlineUntil = 0;
    if (client.connection.state === 'offline') client.connection.connect();
  }

  // Settle: everyone connected, confirmed, bound documents idle, all texts equal.
  const settleStarted = Date.now();
  let divergence: string | undefined = 'did not settle in 20 s';
  while (Date.now() - settleStarted < 20_000) {
    await sleep(25);
    divergence = compare(clients);
    if (!divergence) break;
  }
  if (!divergence && !reseeded) {
    // A host that reconnects (or restarts its session) must not seed the file a second time.
    reseeded = host.session.seed(FILE, 'SECOND SEED', { eol: host.eol, bom: false }).seeded;
    if (reseeded) divergence = 'the host seeded the file a second time';
  }
  const settleMs = Date.now() - settleStarted;
  let lostEdits = 0;
  for (const client of clients) {
    const own = ownInsertedText(client.ydoc);
    for (const marker of client.markers) if (!own.includes(marker)) lostEdits++;
  }
  const repairs = clients.reduce((sum, client) => sum + (client.binding?.stats.repairs ?? 0), 0);
  const rejectedApplies = clients.reduce(
    (sum, client) => sum + (client.binding?.stats.rejectedApplies ?? 0),
    0,
  );
  for (const client of clients) {
    client.binding?.dispose();
    client.doc?.close();
    client.connection.dispose();
    client.ydoc.destroy();
  }
  return {
    seed,
    clients: clientCount,
    edits,
    disconnects,
    restart,
    converged: divergence === undefined,
    divergence,
    lostEdits,
    repairs,
    rejectedApplies,
    settleMs,
  };
}

/** One random user edit in the client's editor: an insert carrying a unique marker, or a delete. */
function userEdit(client: Client, random: () => number, pick: <T>(items: readonly T[]) => T): void {
  const doc = client.doc!;
  const text = doc.mainText;
  const at = editorOffset(text, Math.floor(random() * (text.length + 1)));
  if (random() < 0.65 || text.length < 20) {
    const marker = `«${client.index}.${client.markers.length}»`;
    client.markers.push(marker);
    let inserted = '';
    for (let count = Math.floor(random() * 4); count > 0; count--) inserted += pick(ALPHABET);
    // Replace a small selection sometimes, as typing over a selection does.
    const end =
      random() < 0.15 ? editorOffset(text, Math.min(text.length, at + Math.floor(random() * 4))) : at;
    doc.userEdit(at, Math.max(0, end - at), inserted + marker);
  } else {
    const end = editorOffset(text, Math.min(text.length, at + 1 + Math.floor(random() * 8)));
    if (end > at) doc.userEdit(at, end - at, '');
  }
}

/** Undefined when all clients agree; else what differs. */
function compare(clients: Client[]): string | undefined {
  for (const client of clients) {
    if (client.connection.state !== 'connected')
      return `client ${client.index} is ${client.connection.state}`;
    if (client.connection.unsynced) return `client ${client.index} has unconfirmed edits`;
    if (!client.doc!.quiet || !client.binding!.idle)
      return `client ${client.index}'s editor is still applying`;
  }
  const vector = Buffer.from(Y.encodeStateVector(clients[0].ydoc)).toString('base64');
  const shared = clients[0].session.text(FILE)!.toString();
  for (const client of clients) {
    if (Buffer.from(Y.encodeStateVector(client.ydoc)).toString('base64') !== vector)
      return `client ${client.index} lacks updates`;
    if (client.session.text(FILE)!.toString() !== shared)
      return `client ${client.index}'s shared text differs`;
    if (toLf(client.doc!.mainText) !== shared)
      return `client ${client.index}'s editor differs from the shared text`;
    if (client.doc!.mainText !== fromLf(shared, client.eol))
      return `client ${client.index}'s line ends changed`;
  }
  return undefined;
}

/** Every string a Y.Doc's own client ever inserted (deleted or not), in insertion order. */
function ownInsertedText(ydoc: Y.Doc): string {
  const structs = ydoc.store.clients.get(ydoc.clientID) ?? [];
  let text = '';
  for (const struct of structs)
    if (struct instanceof Y.Item && struct.content instanceof Y.ContentString) text += struct.content.str;
  return text;
}
