// Builds Tandem. `node esbuild.js [--production] [--watch] [--tests]`
// - dist/extension.js  the extension (Node, CJS, `vscode` external)
// - dist/webview.js    the side panel UI (browser)
// - dist/server.js     the standalone collaboration server (Node)
// - dist/compactor.js  its worker thread that folds rooms' logs into snapshots
// - out/test/**        with --tests: every test, bench and fixture entry, dependencies left external
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const tests = args.has('--tests');

/** Reports build results in the format VS Code's esbuild problem matcher understands. */
const problemReporter = {
  name: 'problem-reporter',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [problemReporter],
};

// One copy of Yjs: every import of yjs resolves to the root package, whoever asks.
const oneYjs = { yjs: path.join(__dirname, 'node_modules', 'yjs') };

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'better-sqlite3', 'bufferutil', 'utf-8-validate'],
    alias: oneYjs,
    mainFields: ['module', 'main'],
  },
  {
    ...common,
    entryPoints: ['media/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  },
  {
    // The server's compaction worker (a thread of dist/server.js or of the extension's embedded server).
    ...common,
    entryPoints: ['src/server/compactorWorker.ts'],
    outfile: 'dist/compactor.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    alias: oneYjs,
    mainFields: ['module', 'main'],
  },
  {
    ...common,
    entryPoints: ['src/server/main.ts'],
    outfile: 'dist/server.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
    alias: oneYjs,
    mainFields: ['module', 'main'],
  },
];

// Sample workspaces and outputs under test/ are data, not test code.
const skippedTestDirs = new Set(
  ['test/fixtures/workspace', 'test/bench/out', 'test/e2e/screenshots'].map(path.normalize),
);

/** Every *.ts under dir (recursively) that is not a declaration file. */
function tsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return skippedTestDirs.has(full) ? [] : tsFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

if (tests) {
  targets.push({
    bundle: true,
    sourcemap: true,
    logLevel: 'warning',
    plugins: [problemReporter],
    entryPoints: tsFiles('test'),
    outdir: 'out',
    outbase: '.',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    external: ['vscode'],
  });
}

async function main() {
  const contexts = await Promise.all(targets.map((options) => esbuild.context(options)));
  if (watch) {
    await Promise.all(contexts.map((context) => context.watch()));
    return;
  }
  try {
    const results = await Promise.all(contexts.map((context) => context.rebuild()));
    if (results.some((result) => result.errors.length > 0)) process.exitCode = 1;
  } catch {
    process.exitCode = 1;
  } finally {
    await Promise.all(contexts.map((context) => context.dispose()));
  }
}

main();
