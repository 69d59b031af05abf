import * as assert from 'node:assert/strict';
import {
  displayPathIn,
  isServedScheme,
  isWorkspaceScheme,
  parseSessionAddress,
  sessionAddress,
  workspaceSchemes,
} from '../../../src/workspace/fileAddress';
import { checkNamedPath } from '../../../src/workspace/namedPath';

const home = '/home/me';
const folders = new Map([['/home/me/app', 'app']]);

describe('workspace: addressing a file', () => {
  it('shows a file as the model sees it: workspace-relative, ~/ in the home folder, a session address whole', () => {
    assert.equal(displayPathIn('/home/me/app/src/a.ts', folders, home), 'src/a.ts');
    assert.equal(
      displayPathIn('/home/me/lib/x.ts', new Map([...folders, ['/home/me/lib', 'lib']]), home),
      'lib/x.ts',
    );
    assert.equal(displayPathIn('/home/me/notes/todo.md', folders, home), '~/notes/todo.md');
    assert.equal(displayPathIn('/etc/hosts', folders, home), '/etc/hosts');
    assert.equal(displayPathIn('tandem://room1/src/a.ts', folders, home), 'tandem://room1/src/a.ts');
    assert.equal(
      displayPathIn('tandem://room1/src/a.ts', new Map([['tandem://room1', 'shared']]), home),
      'src/a.ts',
    );
  });

  it('resolves the ~/ path it showed for a file back to that file, and no other home path', () => {
    const trustPath = '/home/me/notes/todo.md';
    const shown = new Map([[displayPathIn(trustPath, folders, home), trustPath]]);
    const app = [{ name: 'app', path: '/home/me/app' }];
    assert.deepEqual(checkNamedPath('~/notes/todo.md', app, shown), { kind: 'shown', path: trustPath });
    assert.deepEqual(checkNamedPath('~/notes//./todo.md', app, shown), { kind: 'shown', path: trustPath });
    // Not shown in this request: refused as before.
    for (const named of ['~/.aws/credentials', '~/notes/other.md', '~/notes/../.ssh/id_rsa']) {
      const verdict = checkNamedPath(named, app, shown);
      assert.equal(verdict.kind, 'refused', named);
    }
    assert.equal(checkNamedPath('~/notes/todo.md', app).kind, 'refused');
    // A shown workspace file still resolves inside its folder.
    assert.deepEqual(checkNamedPath('src/a.ts', app, new Map([['src/a.ts', '/home/me/app/src/a.ts']])), {
      kind: 'shown',
      path: '/home/me/app/src/a.ts',
    });
  });

  it('reads a session address back, refusing one that climbs or names no room', () => {
    assert.equal(sessionAddress('room1', 'src/a#b.ts'), 'tandem://room1/src/a#b.ts');
    assert.deepEqual(parseSessionAddress('tandem://room1/src/a#b.ts'), {
      room: 'room1',
      path: '/src/a#b.ts',
    });
    assert.deepEqual(parseSessionAddress('TANDEM://room1/a.ts'), { room: 'room1', path: '/a.ts' });
    for (const bad of [
      'tandem://room1/../x',
      'tandem:///a.ts',
      'tandem://room1/a//b',
      'file:///a.ts',
      'src/a.ts',
    ])
      assert.equal(parseSessionAddress(bad), undefined, bad);
  });

  it('keeps one list of schemes: what a person works on, and what suggestions serve besides', () => {
    for (const scheme of ['file', 'untitled', 'vscode-remote', 'tandem']) {
      assert.ok(isWorkspaceScheme(scheme), scheme);
      assert.ok(isServedScheme(scheme), scheme);
    }
    assert.ok(!isWorkspaceScheme('vscode-userdata'));
    assert.ok(isServedScheme('vscode-userdata'));
    for (const scheme of ['git', 'output', 'tandem-proposal', 'vscode-settings'])
      assert.ok(!isServedScheme(scheme), scheme);
    assert.deepEqual(new Set(workspaceSchemes()), new Set(['file', 'untitled', 'vscode-remote', 'tandem']));
  });
});
