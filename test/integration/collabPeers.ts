// Peers outside VS Code for the integration suites: a Tandem host session in the test process (over a
// folder of the test's own), and plain y-websocket clients with no Tandem code. Never import a
// *.test.ts file for these: it would bundle, and run, that suite a second time.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CollabSession } from '../../src/collab/session';
import { HostApplier, SharedProposals } from '../../src/proposals/shared';
import { type CollabServer, startCollabServer } from '../../src/server';

/** A Tandem host session sharing `root` as `folderName`, started (synced with the server). */
export async function startHostSession(options: {
  server: CollabServer;
  room: string;
  root: string;
  folderName: string;
  excludeGlobs?: readonly string[];
  name?: string;
  color?: string;
}): Promise<CollabSession> {
  const { server, room, name = 'Host' } = options;
  const host = new CollabSession({
    role: 'host',
    serverUrl: server.url,
    room,
    token: server.createToken({ room, role: 'host', name }),
    name,
    color: options.color ?? '#1c7ed6',
    WebSocketPolyfill: WebSocket,
    host: {
      root: options.root,
      folderName: options.folderName,
      excludeGlobs: options.excludeGlobs ?? [],
      editors: { text: () => undefined, save: async () => false },
    },
  });
  await host.start();
  return host;
}

/** A collaboration server and a host sharing a folder of `files`, applying shared proposals' decisions. */
export interface ProposalHost {
  readonly server: CollabServer;
  readonly root: string;
  readonly host: CollabSession;
  /** The host's applier, as a Tandem window runs it (started). */
  readonly applier: HostApplier;
  /** The host's side of the session's proposals (publishes as "Host"). */
  readonly proposals: SharedProposals;
  /** Stops all of it and removes the folder. */
  close(): Promise<void>;
}

export async function startProposalHost(options: {
  room: string;
  secret: string;
  files: Record<string, string>;
}): Promise<ProposalHost> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `tandem-${options.room}-`));
  for (const [file, content] of Object.entries(options.files))
    fs.writeFileSync(path.join(root, file), content);
  const server = await startCollabServer({ secret: options.secret });
  const host = await startHostSession({ server, room: options.room, root, folderName: 'project' });
  const applier = new HostApplier(host.document);
  applier.start();
  const proposals = new SharedProposals(host.document, { name: () => 'Host', canWrite: () => true });
  return {
    server,
    root,
    host,
    applier,
    proposals,
    close: async () => {
      proposals.dispose();
      applier.dispose();
      host.dispose();
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A plain y-websocket client: no Tandem code, only the room's document layout. */
export function stockClient(url: string, room: string, token: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  const text = (file: string) => doc.getMap<Y.Text>('texts').get(file);
  return { doc, provider, text, dispose: () => (provider.destroy(), doc.destroy()) };
}
