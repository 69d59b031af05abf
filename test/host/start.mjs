// `npm start`: builds Tandem, then serves a real VS Code (code-server 4.100.3) in the browser with
// Tandem installed and a sample workspace open. Ctrl+C stops everything it started.
//   npm start -- [--port 8080] [--host 127.0.0.1] [--folder <dir>] [--state-dir <dir>] [--scripted-model]
// --scripted-model also starts the scripted OpenAI-compatible server (canned answers for the sample
// workspace) and points tandem.model.baseUrl at it, to try the AI features without a model.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, freePort, isLoopbackHost, startCodeServer } from './codeServer.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function usage(message) {
  if (message) console.error(message);
  console.error(
    'Usage: npm start -- [--port 8080] [--host 127.0.0.1] [--folder <dir>] [--state-dir <dir>] [--scripted-model]',
  );
  process.exit(2);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      folder: { type: 'string' },
      'state-dir': { type: 'string' },
      'scripted-model': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  usage(error.message);
}
if (options.help) usage();
const port = Number(options.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  usage(`--port must be a port number, got "${options.port}"`);

const stateDir = path.resolve(
  options['state-dir'] ??
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tandem', 'start'),
);
const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;

console.log('Building Tandem…');
const build = spawnSync(process.execPath, [path.join(repoRoot, 'esbuild.js')], {
  cwd: repoRoot,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.error('The build failed: see the errors above.');
  process.exit(1);
}

try {
  ensureCodeServer((line) => console.log(line));
} catch (error) {
  console.error(`Could not set up code-server: ${error.message}`);
  process.exit(1);
}

// Install Tandem into this instance's extensions folder as a link to the working tree, so the plain
// URL opens a workbench with Tandem (a rebuild + window reload picks up changes).
const extensionsDir = path.join(stateDir, 'extensions');
fs.mkdirSync(extensionsDir, { recursive: true });
for (const entry of fs.readdirSync(extensionsDir)) {
  if (entry.startsWith('tandem.tandem-'))
    fs.rmSync(path.join(extensionsDir, entry), { recursive: true, force: true });
}
fs.rmSync(path.join(extensionsDir, 'extensions.json'), { force: true });
fs.symlinkSync(repoRoot, path.join(extensionsDir, `tandem.tandem-${version}`), 'dir');

// The sample workspace is copied once and then kept, so what you type survives a restart.
const folder = path.resolve(options.folder ?? path.join(stateDir, 'sample-workspace'));
if (!options.folder && !fs.existsSync(folder)) {
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), folder, { recursive: true });
}
if (!fs.existsSync(folder)) usage(`--folder ${folder} does not exist`);

/** Builds and starts the scripted model server; resolves with its base URL once it answers. */
async function startScriptedModel() {
  const outfile = path.join(repoRoot, 'out', 'model-server', 'main.js');
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(repoRoot, 'test', 'fixtures', 'model-server', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    outfile,
  });
  const modelPort = await freePort();
  const logFile = path.join(stateDir, 'model-server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [outfile, '--port', String(modelPort), '--ttft', '150', '--token-delay', '15'],
    {
      cwd: repoRoot,
      stdio: ['ignore', out, out],
    },
  );
  const baseUrl = `http://127.0.0.1:${modelPort}/v1`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`the scripted model server exited; see ${logFile}`);
    const up = await fetch(`${baseUrl}/models`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { child, baseUrl, logFile };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`the scripted model server did not answer at ${baseUrl}; see ${logFile}`);
}

let model;
if (options['scripted-model']) {
  try {
    model = await startScriptedModel();
  } catch (error) {
    console.error(`Could not start the scripted model server: ${error.message}`);
    process.exit(1);
  }
}

// VS Code has a terminal: anywhere but loopback it sits behind a password made for this run.
const password = isLoopbackHost(options.host) ? undefined : randomBytes(18).toString('base64url');

let server;
try {
  server = await startCodeServer({
    password,
    folder,
    stateDir,
    port,
    host: options.host,
    logFile: path.join(stateDir, 'code-server.log'),
    settings: model ? { 'tandem.model.baseUrl': model.baseUrl } : undefined,
  });
} catch (error) {
  console.error(`Could not start code-server on ${options.host}:${port}: ${error.message}`);
  console.error(
    `Is the port in use? Try: npm start -- --port ${port + 1}.  Log: ${path.join(stateDir, 'code-server.log')}`,
  );
  model?.child.kill();
  process.exit(1);
}

console.log(`Workspace: ${folder}`);
console.log(`Log: ${path.join(stateDir, 'code-server.log')}`);
if (model)
  console.log(
    `Scripted model server: ${model.baseUrl} (tandem.model.baseUrl points at it; log: ${model.logFile})`,
  );
const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
console.log(`Tandem is running at http://${shownHost}:${server.port}/`);
if (password) {
  console.log(`Listening on ${options.host}: anyone who can reach it needs this password (shown once):`);
  console.log(`Password: ${password}`);
}
console.log('Press Ctrl+C to stop.');

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping code-server…`);
  model?.child.kill();
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
server.process.on('exit', (code, signal) => {
  if (stopping) return;
  console.error(
    `code-server stopped unexpectedly (${signal ?? `exit ${code}`}); see ${path.join(stateDir, 'code-server.log')}`,
  );
  process.exit(1);
});
