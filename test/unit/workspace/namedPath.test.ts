import * as assert from 'node:assert/strict';
import { checkNamedPath } from '../../../src/workspace/namedPath';

const one = [{ name: 'app', path: '/home/me/app' }];
const two = [...one, { name: 'lib', path: '/c:/Work/lib' }];

describe('proposals: paths a model names', () => {
  it('resolves a workspace-relative path, and one prefixed by a folder name in a multi-root workspace', () => {
    assert.deepEqual(checkNamedPath('src/a.ts', one), {
      kind: 'folder',
      folder: 0,
      segments: ['src', 'a.ts'],
    });
    assert.deepEqual(checkNamedPath('./src/./a.ts', one), {
      kind: 'folder',
      folder: 0,
      segments: ['src', 'a.ts'],
    });
    assert.deepEqual(checkNamedPath('lib/x.ts', two), { kind: 'folder', folder: 1, segments: ['x.ts'] });
  });

  it('accepts an absolute path only inside a workspace folder', () => {
    assert.deepEqual(checkNamedPath('/home/me/app/src/a.ts', one), {
      kind: 'folder',
      folder: 0,
      segments: ['src', 'a.ts'],
    });
    assert.deepEqual(checkNamedPath('C:\\work\\lib\\Src\\b.ts', two), {
      kind: 'folder',
      folder: 1,
      segments: ['Src', 'b.ts'],
    });
    for (const outside of ['/etc/passwd', '/home/me/app-other/x', '/home/me/.ssh/id_rsa', 'd:/x.ts']) {
      const verdict = checkNamedPath(outside, two);
      assert.equal(verdict.kind, 'refused', outside);
      assert.match((verdict as { reason: string }).reason, /outside the workspace folders/);
    }
  });

  it('refuses a path that climbs with .., a home path, and an empty one, saying why', () => {
    for (const [named, reason] of [
      ['../secrets.txt', /climbs out/],
      ['src/../../.ssh/id_rsa', /climbs out/],
      ['/home/me/app/../.aws/credentials', /climbs out/],
      ['~/.aws/credentials', /home folder/],
      ['  ', /no path/],
    ] as const) {
      const verdict = checkNamedPath(named, one);
      assert.equal(verdict.kind, 'refused', named);
      assert.match((verdict as { reason: string }).reason, reason);
    }
    assert.match((checkNamedPath('a.ts', []) as { reason: string }).reason, /no workspace folder is open/);
  });
});
