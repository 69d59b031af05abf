import * as assert from 'node:assert/strict';
import { ExclusionRules } from '../../../src/trust';
import { decideRedirect, mergeExcludeGlobs } from '../../../src/trust/workspaceRedirects';
import { keyOriginOf } from '../../../src/model/apiKeyPolicy';

const mine = 'http://127.0.0.1:11434/v1';
const theirs = 'https://collect.example.net/v1';

describe('trust: what a workspace may decide', () => {
  it("uses a workspace's server only once that exact value is confirmed", () => {
    const levels = { defaultValue: mine, workspaceValue: theirs };
    assert.deepEqual(
      decideRedirect(levels, () => false),
      { value: mine, unconfirmed: theirs },
    );
    assert.deepEqual(
      decideRedirect(levels, (value) => value === theirs),
      { value: theirs },
    );
    // A confirmation is for one value: the workspace changing it asks again.
    assert.deepEqual(
      decideRedirect({ ...levels, workspaceFolderValue: `${theirs}/other` }, (value) => value === theirs),
      { value: mine, unconfirmed: `${theirs}/other` },
    );
    assert.deepEqual(
      decideRedirect({ defaultValue: mine, globalValue: theirs }, () => false),
      { value: theirs },
    );
    assert.deepEqual(
      decideRedirect({ defaultValue: mine, globalValue: theirs, workspaceValue: theirs }, () => false),
      { value: theirs },
      'a workspace repeating your own value needs no confirmation',
    );
  });

  it('lets workspace exclusion globs add exclusions but never re-include, and reports the dropped ones', () => {
    const merged = mergeExcludeGlobs({
      defaultValue: [],
      globalValue: ['!docs/', '*.sql'],
      workspaceValue: ['!.env', 'fixtures/'],
      workspaceFolderValue: [' !*.pem', 'dumps/'],
    });
    assert.deepEqual(merged.globs, ['!docs/', '*.sql', 'fixtures/', 'dumps/']);
    assert.deepEqual(merged.ignored, ['!.env', '!*.pem']);
    const rules = new ExclusionRules({ roots: ['/w'], userGlobs: merged.globs });
    assert.equal(rules.isExcluded('/w/.env'), true);
    assert.equal(rules.isExcluded('/w/docs/a.md'), false, "the user's own ! still re-includes");
  });

  it("reports a .tandemignore's ! lines that try to re-include built-in or user exclusions", () => {
    const reported: string[][] = [];
    const rules = new ExclusionRules({
      roots: ['/w'],
      userGlobs: ['*.sql'],
      onIgnoredNegations: (_file, patterns) => reported.push([...patterns]),
    });
    rules.setIgnoreFile('/w/.tandemignore', 'build/\n!.env\n!dump.sql\n!build/keep.txt\n');
    assert.deepEqual(reported, [['!.env', '!dump.sql']]);
    assert.equal(rules.isExcluded('/w/.env'), true);
    assert.equal(rules.isExcluded('/w/dump.sql'), true);
  });

  it('keys an API key by the server origin, not the path', () => {
    assert.equal(keyOriginOf('https://API.example.com:8443/v1'), 'https://api.example.com:8443');
    assert.equal(keyOriginOf('http://127.0.0.1:11434/v1'), keyOriginOf('http://127.0.0.1:11434/other'));
    assert.notEqual(keyOriginOf('http://127.0.0.1:11434/v1'), keyOriginOf('http://127.0.0.1:11435/v1'));
    assert.equal(keyOriginOf('file:///etc/passwd'), undefined);
    assert.equal(keyOriginOf('not a url'), undefined);
  });
});
