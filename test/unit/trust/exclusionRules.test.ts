import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readIgnoreFileFromDisk } from '../../../src/trust/exclusion/readIgnoreFile';
import { describeExclusion, ExclusionRules } from '../../../src/trust';

const root = '/work/project';
const at = (relative: string) => `${root}/${relative}`;

describe('trust: exclusion rules', () => {
  it('excludes the built-in sensitive files at any depth', () => {
    const rules = new ExclusionRules({ roots: [root] });
    for (const file of [
      '.env',
      '.env.local',
      'apps/web/.env.production',
      'prod.env',
      'certs/server.pem',
      'certs/server.key',
      'keystore.p12',
      'deploy/id_rsa',
      'deploy/id_ed25519.pub',
      '.ssh/config',
      'home/.aws/credentials',
      '.npmrc',
      'secrets/db.txt',
      'infra/secrets/prod/values.yaml',
      'infra/terraform.tfstate',
      'gcp/my-service-account-prod.json',
      '.git/config',
    ]) {
      assert.equal(rules.isExcluded(at(file)), true, file);
    }
    for (const file of [
      'src/index.ts',
      'README.md',
      'environment.ts',
      'docs/env.md',
      'keys.ts',
      'secret-santa.md',
    ]) {
      assert.equal(rules.isExcluded(at(file)), false, file);
    }
  });

  it('applies a .tandemignore with gitignore syntax and negation', () => {
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(
      at('.tandemignore'),
      '# generated\ndist/\n*.log\n!important.log\n/fixtures/private\n',
    );
    assert.equal(rules.isExcluded(at('dist/bundle.js')), true);
    assert.equal(rules.isExcluded(at('pkg/dist/bundle.js')), true);
    assert.equal(rules.isExcluded(at('server.log')), true);
    assert.equal(rules.isExcluded(at('logs/important.log')), false);
    assert.equal(rules.isExcluded(at('fixtures/private/a.txt')), true);
    assert.equal(
      rules.isExcluded(at('src/fixtures/private/a.txt')),
      false,
      'a leading slash anchors the pattern',
    );
    assert.equal(rules.isExcluded(at('src/app.ts')), false);
  });

  it('lets a deeper .tandemignore override a shallower one, only below its folder', () => {
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(at('.tandemignore'), '*.csv\n');
    rules.setIgnoreFile(at('data/.tandemignore'), '!public.csv\nraw/\n');
    assert.equal(rules.isExcluded(at('report.csv')), true);
    assert.equal(rules.isExcluded(at('data/private.csv')), true);
    assert.equal(rules.isExcluded(at('data/public.csv')), false);
    assert.equal(
      rules.isExcluded(at('data/sub/public.csv')),
      false,
      'a pattern without slash matches below too',
    );
    assert.equal(rules.isExcluded(at('other/public.csv')), true, 'the negation does not reach outside data/');
    assert.equal(rules.isExcluded(at('data/raw/x.txt')), true);
    assert.equal(rules.isExcluded(at('raw/x.txt')), false);
    const verdict = rules.check(at('data/raw/x.txt'));
    assert.deepEqual(verdict.origin, { kind: 'ignoreFile', file: at('data/.tandemignore') });
    assert.equal(verdict.pattern, 'raw/');
  });

  it('cannot re-include a file inside an excluded folder (as git)', () => {
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(at('.tandemignore'), 'private/\n!private/readme.md\n');
    rules.setIgnoreFile(at('private/.tandemignore'), '!notes.md\n');
    assert.equal(rules.isExcluded(at('private/readme.md')), true);
    assert.equal(rules.isExcluded(at('private/notes.md')), true);
  });

  it('does not let a project .tandemignore re-include a built-in pattern', () => {
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(at('.tandemignore'), '!.env\n!*.pem\n!secrets/\n');
    assert.equal(rules.isExcluded(at('.env')), true);
    assert.equal(rules.isExcluded(at('cert.pem')), true);
    assert.equal(rules.isExcluded(at('secrets/a.txt')), true);
  });

  it('applies tandem.trust.excludeGlobs, whose negation can re-include a built-in', () => {
    const rules = new ExclusionRules({ roots: [root], userGlobs: ['**/*.sql', 'notes/', '!.env.example'] });
    assert.equal(rules.isExcluded(at('db/dump.sql')), true);
    assert.equal(rules.isExcluded(at('notes/today.md')), true);
    assert.equal(rules.isExcluded(at('.env.example')), false);
    assert.equal(rules.isExcluded(at('.env')), true);
    assert.deepEqual(rules.check(at('db/dump.sql')).origin, { kind: 'setting' });
    rules.setIgnoreFile(at('.tandemignore'), 'vendor/\n');
    rules.setUserGlobs(['!vendor/']);
    assert.equal(
      rules.isExcluded(at('vendor/lib/a.js')),
      false,
      "the user's ! wins over a .tandemignore below it",
    );
    rules.setUserGlobs([]);
    assert.equal(rules.isExcluded(at('db/dump.sql')), false, 'a changed setting applies at once');
    assert.equal(rules.isExcluded(at('.env.example')), true);
  });

  it('forgets a removed .tandemignore and sees an edited one', () => {
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(at('.tandemignore'), 'a.txt\n');
    assert.equal(rules.isExcluded(at('a.txt')), true);
    rules.setIgnoreFile(at('.tandemignore'), 'b.txt\n');
    assert.equal(rules.isExcluded(at('a.txt')), false);
    assert.equal(rules.isExcluded(at('b.txt')), true);
    rules.setIgnoreFile(at('.tandemignore'), undefined);
    assert.equal(rules.isExcluded(at('b.txt')), false);
    assert.deepEqual(rules.ignoreFiles(), []);
  });

  it('applies the built-in patterns to files outside the workspace', () => {
    const rules = new ExclusionRules({ roots: [root] });
    assert.equal(rules.isExcluded('/home/dev/.ssh/id_rsa'), true);
    assert.equal(rules.isExcluded('/home/dev/.aws/credentials'), true);
    const outside = rules.check('/home/dev/notes.md');
    assert.equal(outside.excluded, false);
    assert.equal(outside.outsideWorkspace, true);
  });

  it('normalizes paths so `..`, doubled slashes and Windows separators cannot slip past', () => {
    const rules = new ExclusionRules({ roots: [root] });
    assert.equal(rules.isExcluded(`${root}/src/../.env`), true);
    assert.equal(rules.isExcluded(`${root}//config/./.env.local`), true);
    const windows = new ExclusionRules({ roots: ['C:\\Users\\dev\\project'] });
    windows.setIgnoreFile('C:\\Users\\dev\\project\\.tandemignore', 'build/\n');
    assert.equal(windows.isExcluded('c:\\Users\\dev\\project\\build\\out.js'), true);
    assert.equal(windows.isExcluded('C:\\Users\\dev\\project\\src\\.env'), true);
    assert.equal(windows.isExcluded('C:\\Users\\dev\\project\\src\\main.ts'), false);
  });

  it('gives each workspace folder of a multi-root workspace its own rules', () => {
    const rules = new ExclusionRules({ roots: ['/ws/a', '/ws/b'] });
    rules.setIgnoreFile('/ws/a/.tandemignore', 'gen/\n');
    assert.equal(rules.isExcluded('/ws/a/gen/x.ts'), true);
    assert.equal(rules.isExcluded('/ws/b/gen/x.ts'), false);
  });

  it('explains why a file is excluded', () => {
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(at('.tandemignore'), 'private/\n');
    assert.match(
      describeExclusion(at('.env'), rules.check(at('.env'))),
      /built-in sensitive pattern .*not sent/,
    );
    assert.match(
      describeExclusion(at('private/a.md'), rules.check(at('private/a.md'))),
      /`private\/` in \/work\/project\/\.tandemignore/,
    );
  });

  it('reads .tandemignore files from disk on demand, and again after they change', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-ignore-')));
    try {
      fs.mkdirSync(path.join(dir, 'pkg', 'fixtures'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.tandemignore'), 'fixtures/\n');
      fs.writeFileSync(path.join(dir, 'pkg', '.tandemignore'), '*.snap\n');
      const reads: string[] = [];
      const rules = new ExclusionRules({
        roots: [dir],
        readIgnoreFile: (file) => {
          reads.push(path.relative(dir, file));
          return readIgnoreFileFromDisk(file);
        },
      });
      assert.equal(rules.isExcluded(path.join(dir, 'pkg', 'fixtures', 'a.json')), true);
      assert.equal(rules.isExcluded(path.join(dir, 'pkg', 'x.snap')), true);
      assert.equal(rules.isExcluded(path.join(dir, 'x.snap')), false);
      assert.deepEqual(reads.sort(), ['.tandemignore', 'pkg/.tandemignore', 'pkg/fixtures/.tandemignore']);
      fs.writeFileSync(path.join(dir, 'pkg', '.tandemignore'), '!*.snap\n');
      assert.equal(rules.isExcluded(path.join(dir, 'pkg', 'x.snap')), true, 'cached until told');
      rules.invalidateIgnoreFile(path.join(dir, 'pkg', '.tandemignore'));
      assert.equal(rules.isExcluded(path.join(dir, 'pkg', 'x.snap')), false);
      assert.deepEqual(
        rules
          .ignoreFiles()
          .map((file) => path.relative(dir, file))
          .sort(),
        ['.tandemignore', 'pkg/.tandemignore'],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("judges a joined shared session's files (tandem://room/…) relative to the session root", () => {
    const rules = new ExclusionRules({
      roots: [root],
      userGlobs: ['/generated/', 'private/'],
      readIgnoreFile: (file) => {
        throw new Error(`no .tandemignore is read from disk for ${file}`);
      },
    });
    rules.setSessionGlobs('tandem://team-room/', []);
    const shared = (relative: string) => `tandem://team-room/${relative}`;
    for (const file of ['.env', 'apps/web/.env.production', 'secrets/db.txt', 'certs/server.pem']) {
      assert.equal(rules.isExcluded(shared(file)), true, `built-in: ${file}`);
    }
    assert.equal(rules.isExcluded(shared('generated/schema.ts')), true, 'an anchored setting glob');
    assert.equal(rules.isExcluded(shared('docs/private/plan.md')), true, 'an unanchored setting glob');
    for (const file of ['src/index.ts', 'README.md', 'src/generated/schema.ts']) {
      assert.equal(rules.isExcluded(shared(file)), false, file);
    }
    // No `..` climbs above the session root.
    for (const address of [
      'tandem://team-room/../.env',
      'tandem://team-room/src/../../.env',
      'TANDEM://team-room/./secrets/../secrets/db.txt',
    ])
      assert.equal(rules.isExcluded(address), true, address);
    assert.equal(
      rules.isExcluded('tandem://team-room/x/../../generated/a.ts'),
      true,
      'anchored glob after ..',
    );
    assert.equal(rules.isExcluded('tandem://team-room/x/../src/index.ts'), false);
    // A Windows drive is a file-system path, not a scheme: the path is judged from the drive's root.
    const windows = new ExclusionRules({ roots: [], userGlobs: ['/generated/'] });
    assert.equal(windows.isExcluded('C:\\generated\\a.ts'), true);
  });

  it('sends nothing of a session not joined: not another room, not one with no room, not one being rejoined', () => {
    // A window reopened on a session folder has it as a workspace folder before it has joined again.
    const rules = new ExclusionRules({ roots: [root, 'tandem://team-room/'] });
    rules.setSessionGlobs('tandem://other-room', []);
    for (const address of [
      'tandem://team-room/src/index.ts',
      'tandem:///src/index.ts',
      'tandem://third/README.md',
    ]) {
      const verdict = rules.check(address);
      assert.equal(verdict.excluded, true, address);
      assert.equal(verdict.outsideWorkspace, true, address);
      assert.match(describeExclusion(address, verdict), /has not joined/);
    }
    assert.equal(rules.isExcluded('tandem://other-room/src/index.ts'), false, 'the joined one is fine');
    rules.setSessionGlobs('tandem://team-room', []);
    assert.equal(rules.isExcluded('tandem://team-room/src/index.ts'), false, 'rejoined');
    assert.equal(rules.check('tandem://team-room/src/index.ts').outsideWorkspace, false);
  });

  it("applies a joined session host's model exclusions over the guest's own !patterns, until it is left", () => {
    const rules = new ExclusionRules({ roots: [root], userGlobs: ['!customers/', '!.env.example'] });
    const shared = (relative: string) => `tandem://team-room/${relative}`;
    rules.setSessionGlobs('tandem://team-room/', ['customers/', '/contracts/*.md', '.env.example']);
    const verdict = rules.check(shared('customers/acme.csv'));
    assert.equal(verdict.excluded, true, "the host's glob wins over the guest's !customers/");
    assert.deepEqual(verdict.origin, { kind: 'session', root: 'tandem://team-room' });
    assert.match(describeExclusion(shared('customers/acme.csv'), verdict), /host of the shared session/);
    assert.equal(rules.isExcluded(shared('.env.example')), true);
    assert.equal(rules.isExcluded(shared('contracts/nda.md')), true);
    assert.equal(rules.isExcluded(shared('docs/contracts/nda.md')), false, 'anchored to the shared folder');
    assert.equal(rules.isExcluded(shared('src/a.ts')), false);
    rules.setSessionGlobs('tandem://team-room', ['contracts/']);
    assert.equal(rules.isExcluded(shared('customers/acme.csv')), false, 'the host changed its globs');
    assert.equal(rules.isExcluded(shared('contracts/nda.md')), true);
    rules.setSessionGlobs('tandem://team-room', undefined);
    assert.equal(rules.isExcluded(shared('src/a.ts')), true, 'left: nothing of it is sent');
  });
});
