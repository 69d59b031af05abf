// Runs last in `npm test` (it rebuilds dist/ for production): `npm run package` must give a small
// .vsix holding the bundles and none of the sources or tests.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

describe('release: npm run package', function () {
  this.timeout(180_000);
  const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
  const vsix = path.join(repoRoot, `tandem-${version}.vsix`);
  let entries: { name: string; size: number }[] = [];

  before(function () {
    fs.rmSync(vsix, { force: true });
    execFileSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: 'pipe' });
    // `unzip -Z1` lists names; `-l` adds sizes. The vsix is a zip file.
    const listing = execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' });
    entries = listing
      .split('\n')
      .map((line) => line.match(/^\s*(\d+)\s+\S+\s+\S+\s+(\S.*)$/))
      .filter((match): match is RegExpMatchArray => match !== null)
      .map((match) => ({ size: Number(match[1]), name: match[2] }));
  });

  it(`produces tandem-<version>.vsix under 3 MB`, function () {
    const size = fs.statSync(vsix).size;
    assert.ok(size < 3 * 1024 * 1024, `the vsix is ${(size / 1024 / 1024).toFixed(2)} MB`);
  });

  it('contains the bundles, manifest, readme and icon', function () {
    const names = entries.map((entry) => entry.name);
    for (const required of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/webview.js',
      'extension/dist/server.js',
      // The embedded server's compaction worker: without it, rooms fold on the extension host's thread.
      'extension/dist/compactor.js',
      'extension/media/icon.png',
      // The walkthrough's pages: a missing one leaves an empty pane in the Welcome page.
      'extension/media/walkthrough/connect.md',
      'extension/media/walkthrough/ghostText.md',
      'extension/media/walkthrough/review.md',
      'extension/media/walkthrough/share.md',
    ]) {
      assert.ok(names.includes(required), `${required} is packaged (have: ${names.join(', ')})`);
    }
  });

  it('contains no sources, tests, source maps or node_modules', function () {
    const offending = entries
      .map((entry) => entry.name)
      .filter((name) => /\.ts$|\.map$|^extension\/(src|test|out|node_modules)\//.test(name));
    assert.deepEqual(offending, []);
  });
});
