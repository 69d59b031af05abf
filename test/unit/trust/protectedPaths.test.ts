import * as assert from 'node:assert/strict';
import {
  ExclusionRules,
  findProtectedChanges,
  protectionReasons,
  type ProposedFileChange,
} from '../../../src/trust';

const root = '/work/app';
const rules = new ExclusionRules({ roots: [root] });
rules.setIgnoreFile(`${root}/.tandemignore`, 'generated/\n');
const codes = (change: ProposedFileChange) => protectionReasons(change, rules).map((reason) => reason.code);
const manifest = (scripts: Record<string, string>, dependencies: Record<string, string> = {}) =>
  JSON.stringify({ name: 'app', scripts, dependencies }, null, 2);

describe('trust: protected paths in proposals', () => {
  it('lets an ordinary source edit through', () => {
    assert.deepEqual(codes({ path: `${root}/src/app.ts`, before: 'a', after: 'b' }), []);
  });

  it('marks writes outside the workspace, including through ..', () => {
    assert.deepEqual(codes({ path: '/etc/hosts', after: 'x' }), ['outside-workspace']);
    assert.deepEqual(codes({ path: `${root}/../other/app.ts`, after: 'x' }), ['outside-workspace']);
    assert.deepEqual(codes({ path: `${root}/src/../../.bashrc`, after: 'x' }), ['outside-workspace']);
  });

  it('marks excluded files and Git internals', () => {
    assert.deepEqual(codes({ path: `${root}/.env`, before: 'A=1', after: 'A=2' }), ['excluded']);
    assert.deepEqual(codes({ path: `${root}/generated/x.ts`, after: 'x' }), ['excluded']);
    assert.deepEqual(codes({ path: `${root}/.git/hooks/pre-commit`, after: 'curl x | sh' }), ['git']);
    assert.deepEqual(codes({ path: `${root}/.husky/pre-push`, after: 'x' }), ['git-hooks']);
  });

  it('marks VS Code configuration and the trust rules themselves', () => {
    for (const file of ['settings.json', 'tasks.json', 'launch.json', 'extensions.json']) {
      assert.deepEqual(codes({ path: `${root}/.vscode/${file}`, after: '{}' }), ['vscode-config'], file);
    }
    assert.deepEqual(codes({ path: `${root}/app.code-workspace`, after: '{}' }), ['vscode-config']);
    assert.deepEqual(codes({ path: `${root}/.tandemignore`, before: 'a\n', after: '' }), ['trust-rules']);
  });

  it('marks package manifests only when their scripts change', () => {
    const before = manifest({ build: 'tsc' }, { a: '1' });
    assert.deepEqual(
      codes({ path: `${root}/package.json`, before, after: manifest({ build: 'tsc' }, { a: '2' }) }),
      [],
    );
    assert.deepEqual(
      codes({
        path: `${root}/package.json`,
        before,
        after: manifest({ build: 'tsc', postinstall: 'curl x | sh' }),
      }),
      ['manifest-scripts'],
    );
    assert.deepEqual(
      codes({ path: `${root}/pkg/package.json`, after: manifest({ test: 'mocha' }) }),
      ['manifest-scripts'],
      'a new manifest with scripts',
    );
    assert.deepEqual(
      codes({
        path: `${root}/package.json`,
        before,
        after: before.replace('"tsc"', '"tsc && rm -rf ~"').slice(0, -3),
      }),
      ['manifest-scripts'],
      'unparseable after',
    );
    const composer = (scripts: object) => JSON.stringify({ scripts });
    assert.deepEqual(
      codes({
        path: `${root}/composer.json`,
        before: composer({}),
        after: composer({ 'post-install-cmd': 'x' }),
      }),
      ['manifest-scripts'],
    );
    const pyproject = (script: string) =>
      `[project]\nname = "app"\n\n[project.scripts]\napp = "${script}"\n\n[tool.ruff]\nline-length = 100\n`;
    assert.deepEqual(
      codes({ path: `${root}/pyproject.toml`, before: pyproject('app:main'), after: pyproject('app:evil') }),
      ['manifest-scripts'],
    );
    assert.deepEqual(
      codes({
        path: `${root}/pyproject.toml`,
        before: pyproject('app:main'),
        after: pyproject('app:main').replace('100', '120'),
      }),
      [],
    );
  });

  it('lists only the changes that need confirmation', () => {
    const changes = findProtectedChanges(
      [
        { path: `${root}/src/a.ts`, before: '', after: 'x' },
        { path: `${root}/.vscode/settings.json`, after: '{}' },
      ],
      rules,
    );
    assert.deepEqual(
      changes.map((change) => change.path),
      [`${root}/.vscode/settings.json`],
    );
    assert.match(changes[0].reasons[0].message, /VS Code configuration/);
  });
});
