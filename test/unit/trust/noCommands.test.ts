import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

// "Tandem never runs commands a model suggests": no extension code may reach an API that runs a
// process, a shell, a task or code built from text. A new use of one fails this test and has to be
// argued for.
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bchild_process\b/, 'child_process'],
  [/\.sendText\s*\(/, 'Terminal.sendText'],
  [/\bShellExecution\b|\bProcessExecution\b/, 'task executions'],
  [/\btasks\.executeTask\b/, 'tasks.executeTask'],
  [/\bnew Function\s*\(|\beval\s*\(/, 'eval / new Function'],
  [/\bnode:vm\b|from 'vm'/, 'node:vm'],
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

describe('trust: Tandem never runs commands', () => {
  it('has no code in src/ or media/ that runs processes, shells, tasks or evaluated text', () => {
    const root = repositoryRoot();
    const files = ['src', 'media'].flatMap((dir) =>
      fs.existsSync(path.join(root, dir)) ? sourceFiles(path.join(root, dir)) : [],
    );
    assert.ok(files.length > 10, 'the sources were found');
    const found: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [pattern, what] of FORBIDDEN)
        if (pattern.test(text)) found.push(`${path.relative(root, file)}: ${what}`);
    }
    assert.deepEqual(found, []);
  });
});
