// Guests' file requests through the real collaboration server: the host carries out a read-write
// guest's save (the role it checks is the one the server stamped on that guest's presence) and never
// a read-only guest's, even from a client that skips its own read-only check.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { CollabSession } from '../../../src/collab/session';
import { type CollabServer, startCollabServer } from '../../../src/server';
import { waitFor } from '../server/harness';

const SECRET = 'guest-roles-secret-0123456789abcdef';

/** The server harness's poll, with this file's longer default wait. */
const until = (check: () => boolean, what: string, timeoutMs = 5000) => waitFor(check, what, timeoutMs);

describe('collab: guest roles on the host’s disk (real server)', function () {
  this.timeout(20_000);
  let server: CollabServer;
  let root: string;
  const sessions: CollabSession[] = [];
  const saved: string[] = [];

  beforeEach(async () => {
    server = await startCollabServer({ secret: SECRET });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-roles-'));
    fs.writeFileSync(path.join(root, 'notes.md'), 'Meeting notes\n');
    saved.length = 0;
  });

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.dispose();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function join(role: 'host' | 'rw' | 'ro', name: string): CollabSession {
    const session = new CollabSession({
      role: role === 'host' ? 'host' : 'guest',
      readOnly: role === 'ro',
      serverUrl: `ws://127.0.0.1:${server.port}`,
      room: 'roles',
      token: server.createToken({ room: 'roles', role, name: role === 'host' ? name : '' }),
      name,
      color: '#123456',
      WebSocketPolyfill: WebSocket,
      host:
        role === 'host'
          ? {
              root,
              folderName: 'project',
              excludeGlobs: [],
              editors: {
                text: () => undefined,
                save: async (relative) => {
                  saved.push(relative);
                  return false;
                },
              },
            }
          : undefined,
    });
    sessions.push(session);
    return session;
  }

  it('saves for a read-write guest and refuses a read-only guest’s forged save', async () => {
    const host = join('host', 'Alice');
    await host.start();
    const bob = join('rw', 'Bob');
    await bob.start();
    const eve = join('ro', 'Eve');
    await eve.start();
    await until(() => host.participants().length === 3, 'three participants at the host');

    // Bob (read-write) edits and saves: the host writes the shared text.
    await bob.guestFiles!.readFile('/notes.md');
    bob.document.text('notes.md')!.insert(0, 'Bob: ');
    await until(
      () => host.document.text('notes.md')!.toString().startsWith('Bob: '),
      'Bob’s edit at the host',
    );
    await bob.guestFiles!.writeFile('/notes.md', Buffer.from('Bob: Meeting notes\n'), {
      create: false,
      overwrite: true,
    });
    assert.equal(fs.readFileSync(path.join(root, 'notes.md'), 'utf8'), 'Bob: Meeting notes\n');
    assert.deepEqual(saved, ['notes.md']);

    // Eve (read-only) cannot through her client, nor by writing the request herself.
    host.document.text('notes.md')!.insert(0, 'unsaved ');
    await assert.rejects(
      eve.guestFiles!.writeFile('/notes.md', Buffer.from('x'), { create: false, overwrite: true }),
      /read-only/,
    );
    eve.document.doc.transact(() =>
      eve.document.requests.set('forged', { id: 'forged', op: 'save', path: 'notes.md', by: 'Bob', at: 0 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(host.document.requests.has('forged'), false, 'the server did not pass Eve’s request on');
    assert.deepEqual(saved, ['notes.md'], 'no save for Eve');
    assert.equal(fs.readFileSync(path.join(root, 'notes.md'), 'utf8'), 'Bob: Meeting notes\n');
  });
});
