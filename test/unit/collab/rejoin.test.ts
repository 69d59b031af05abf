import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REJOIN_RECORD_TTL_MS, RejoinRecords } from '../../../src/collab/rejoinRecords';
import { folderKey, listedFolders, missingFolders } from '../../../src/collab/workspaceFileFolders';

describe('collab rejoin records', () => {
  let dir: string;
  let now: number;
  let records: RejoinRecords;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-rejoin-'));
    now = 1_800_000_000_000;
    records = new RejoinRecords(path.join(dir, 'sessions', 'rejoin.json'), () => now);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('are on disk as soon as remember returns, for another reader (the window after a reload)', () => {
    records.remember('room-a', 'vscode://tandem.tandem/join?room=room-a');
    const afterReload = new RejoinRecords(path.join(dir, 'sessions', 'rejoin.json'), () => now);
    assert.equal(afterReload.get('room-a')?.link, 'vscode://tandem.tandem/join?room=room-a');
    assert.equal(afterReload.get('room-b'), undefined);
  });

  it('keep the seat a join that reloads the window drew, for the rejoin after the reload', () => {
    records.remember('room-a', 'link-a', { seat: 'seat-a' });
    records.remember('room-b', 'link-b');
    records.remember('room-c', 'link-c', {
      seat: 'seat-c',
      workspace: 'file:///w/Untitled-1.code-workspace',
    });
    records.remember('room-d', 'link-d', { workspace: 'file:///w/no-seat.code-workspace' });
    const afterReload = new RejoinRecords(path.join(dir, 'sessions', 'rejoin.json'), () => now);
    assert.deepEqual(afterReload.get('room-a'), { link: 'link-a', joinedAt: now, seat: 'seat-a' });
    assert.equal(afterReload.get('room-b')?.seat, undefined);
    assert.equal(afterReload.get('room-c')?.workspace, 'file:///w/Untitled-1.code-workspace');
    assert.equal(afterReload.get('room-d')?.workspace, undefined, 'a workspace names a seat’s window');
    const mode = fs.statSync(path.join(dir, 'sessions', 'rejoin.json')).mode & 0o777;
    assert.equal(mode, 0o600, 'only this user reads the seat');
  });

  it('forget removes one room and keeps the others', () => {
    records.remember('room-a', 'link-a');
    records.remember('room-b', 'link-b');
    records.forget('room-a');
    assert.equal(records.get('room-a'), undefined);
    assert.equal(records.get('room-b')?.link, 'link-b');
  });

  it('expire after a week and are dropped when a new one is written', () => {
    records.remember('old', 'link-old');
    now += REJOIN_RECORD_TTL_MS + 1;
    assert.equal(records.get('old'), undefined);
    records.remember('new', 'link-new');
    assert.deepEqual(Object.keys(records.all()), ['new']);
  });

  it('treat a missing, corrupt or foreign file as no records, and recover by writing', () => {
    assert.deepEqual(records.all(), {});
    fs.mkdirSync(path.join(dir, 'sessions'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sessions', 'rejoin.json'), '{"room-a": {"link": 5}, "x": [1');
    assert.deepEqual(records.all(), {});
    fs.writeFileSync(
      path.join(dir, 'sessions', 'rejoin.json'),
      '{"bad": {"link": 5}, "good": {"link": "l", "joinedAt": 1800000000000}}',
    );
    assert.deepEqual(Object.keys(records.all()), ['good']);
    records.remember('room-a', 'link-a');
    assert.deepEqual(Object.keys(records.all()).sort(), ['good', 'room-a']);
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'sessions')).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });
});

describe('collab workspace-file folders', () => {
  const untitled = JSON.stringify(
    {
      folders: [
        { uri: 'vscode-remote://127.0.0.1:43713/tmp/bob/workspace' },
        { name: 'alice-project (Alice, Tandem)', uri: 'tandem://6334311e/' },
      ],
      remoteAuthority: '127.0.0.1:43713',
      settings: {},
    },
    null,
    '\t',
  );

  it('lists the folders of an untitled workspace VS Code wrote', () => {
    assert.deepEqual(listedFolders(untitled), [
      { uri: 'vscode-remote://127.0.0.1:43713/tmp/bob/workspace' },
      { uri: 'tandem://6334311e/', name: 'alice-project (Alice, Tandem)' },
    ]);
  });

  it('reads a hand-written workspace with comments, trailing commas and paths', () => {
    const text = `{
      // mine
      "folders": [
        { "path": "../app", "name": "App" },
        { "path": "/abs/lib", },
        { "nothing": true },
        "not an object",
      ],
    }`;
    assert.deepEqual(listedFolders(text), [{ path: '../app', name: 'App' }, { path: '/abs/lib' }]);
  });

  it('lists nothing for text that is not a workspace', () => {
    assert.deepEqual(listedFolders(''), []);
    assert.deepEqual(listedFolders('{"folders": 3}'), []);
    assert.deepEqual(listedFolders('[1, 2]'), []);
  });

  it('gives one key to the remote and the extension host spelling of a disk folder', () => {
    assert.equal(
      folderKey({ scheme: 'vscode-remote', authority: '127.0.0.1:43713', path: '/tmp/bob/workspace' }),
      folderKey({ scheme: 'file', authority: '', path: '/tmp/bob/workspace/' }),
    );
    assert.notEqual(
      folderKey({ scheme: 'tandem', authority: 'room-a', path: '/' }),
      folderKey({ scheme: 'tandem', authority: 'room-b', path: '/' }),
    );
    assert.equal(
      folderKey({ scheme: 'tandem', authority: 'Room-A', path: '/' }),
      folderKey({ scheme: 'tandem', authority: 'room-a', path: '' }),
    );
  });

  it('finds the listed folders a window does not show, in the file order', () => {
    const listed = [
      { key: 'disk:/tmp/bob/workspace' },
      { key: 'tandem://room-a/' },
      { key: 'tandem://room-b/' },
    ];
    assert.deepEqual(missingFolders(listed, []), listed);
    assert.deepEqual(missingFolders(listed, ['disk:/tmp/bob/workspace', 'tandem://room-b/']), [
      { key: 'tandem://room-a/' },
    ]);
    assert.deepEqual(
      missingFolders(
        listed,
        listed.map((folder) => folder.key),
      ),
      [],
    );
  });
});
