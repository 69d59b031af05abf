// A real VS Code for tests and for `npm start`: code-server 4.100.3 (VS Code 1.100.3), installed on
// demand into a cache folder outside the clone and shared by later runs and clones.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** Where code-server lives: $TANDEM_CODE_SERVER_DIR, else ~/.cache/tandem/code-server-<version>. */
export function codeServerDir() {
  return (
    process.env.TANDEM_CODE_SERVER_DIR ||
    path.join(
      process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
      'tandem',
      `code-server-${CODE_SERVER_VERSION}`,
    )
  );
}

function entryPoint(dir) {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function isInstalled(dir) {
  return fs.existsSync(path.join(dir, '.tandem-installed')) && fs.existsSync(entryPoint(dir));
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** Debian packages code-server's native modules need to build, minus those already here. */
function missingPackages() {
  const missing = [];
  if (!fs.existsSync('/usr/include/krb5.h') && !fs.existsSync('/usr/include/krb5/krb5.h'))
    missing.push('libkrb5-dev');
  if (!has('pkg-config')) missing.push('pkg-config');
  if (!has('rg')) missing.push('ripgrep');
  for (const tool of ['make', 'g++', 'python3']) if (!has(tool)) missing.push(tool === 'g++' ? 'g++' : tool);
  return missing;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
  }
}

/** Installs Debian packages as root; otherwise explains the exact command to run. */
export function ensureDebianPackages(packages, log = console.log) {
  if (packages.length === 0) return;
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (!isRoot()) {
    throw new Error(
      `Tandem needs these Debian packages: ${packages.join(', ')}. Run:\n  sudo sh -c '${command}'`,
    );
  }
  log(`Installing Debian packages: ${packages.join(' ')}`);
  run('sh', ['-c', `apt-get update -q && apt-get install -y -q ${packages.join(' ')}`], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * Makes sure code-server is installed and returns the path of its entry script. The first install
 * takes about 75 s (native modules are built); later calls return at once.
 */
export function ensureCodeServer(log = console.log) {
  const dir = codeServerDir();
  if (isInstalled(dir)) return entryPoint(dir);
  ensureDebianPackages(missingPackages(), log);

  // @vscode/ripgrep downloads ripgrep from GitHub unless its archive is already cached: seed the cache
  // from the system's rg so the install works offline.
  const tmp = process.env.TMPDIR || os.tmpdir();
  const archive = path.join(tmp, RIPGREP_CACHE, RIPGREP_ARCHIVE);
  if (!fs.existsSync(archive)) {
    const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
    const staging = fs.mkdtempSync(path.join(tmp, 'tandem-rg-'));
    fs.copyFileSync(rg, path.join(staging, 'rg'));
    fs.chmodSync(path.join(staging, 'rg'), 0o755);
    fs.mkdirSync(path.dirname(archive), { recursive: true });
    run('tar', ['-czf', archive, '-C', staging, 'rg']);
    fs.rmSync(staging, { recursive: true, force: true });
  }

  // Install beside the final folder, then rename: a half-finished install never looks complete.
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(
    path.join(staging, 'package.json'),
    JSON.stringify({ name: 'tandem-code-server-host', private: true }),
  );
  log(`Installing code-server ${CODE_SERVER_VERSION} into ${dir} (one time, about a minute and a half)…`);
  const started = Date.now();
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`],
    {
      cwd: staging,
      env: {
        ...process.env,
        // code-server's postinstall builds VS Code's native modules with a nested `npm install`:
        // npm 11 would skip those scripts, root needs unsafe-perm, node-pty's build must not prompt.
        npm_config_dangerously_allow_all_scripts: 'true',
        npm_config_unsafe_perm: 'true',
        npm_config_yes: 'true',
      },
    },
  );
  if (!fs.existsSync(entryPoint(staging)))
    throw new Error(`code-server install in ${staging} left no entry point`);
  fs.writeFileSync(path.join(staging, '.tandem-installed'), new Date().toISOString());
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(staging, dir);
  log(`code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return entryPoint(dir);
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`code-server exited with code ${child.exitCode} before answering`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms: ${lastError?.message ?? ''}`);
}

/** True for an address only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host) {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

/**
 * Starts one code-server instance with its own user-data and extensions folders. VS Code comes with
 * a terminal: on any address but loopback it is served only behind `password` (code-server's login
 * page), and starting it there without one is refused.
 * @param {{ port?: number, host?: string, folder: string, stateDir: string, env?: NodeJS.ProcessEnv,
 *   logFile?: string, settings?: object, inheritOutput?: boolean, password?: string }} options
 */
export async function startCodeServer(options) {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.password)
    throw new Error(`refusing to serve VS Code (and its terminal) on ${host} without a password`);
  const entry = ensureCodeServer();
  const port = options.port ?? (await freePort());
  const userDataDir = path.join(options.stateDir, 'user-data');
  const extensionsDir = path.join(options.stateDir, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const defaults = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'security.workspace.trust.enabled': false,
    'chat.commandCenter.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
  };
  // Keep what the user changed in an existing instance (npm start reuses its folders); forced
  // options win. A settings file we cannot parse (comments) is left exactly as it is.
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  let existing = {};
  let writable = true;
  if (fs.existsSync(settingsFile)) {
    try {
      existing = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    } catch {
      writable = false;
    }
  }
  if (writable) {
    fs.writeFileSync(
      settingsFile,
      JSON.stringify({ ...defaults, ...existing, ...options.settings }, null, 2),
    );
  }
  const args = [
    entry,
    '--auth',
    options.password ? 'password' : 'none',
    '--bind-addr',
    `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    options.folder,
  ];
  const child = spawn(process.execPath, args, {
    // code-server reads the password from $PASSWORD (never from the command line, which `ps` shows).
    env: { ...process.env, ...options.env, ...(options.password ? { PASSWORD: options.password } : {}) },
    stdio: options.inheritOutput ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  if (!options.inheritOutput) {
    const logFile = options.logFile ?? path.join(options.stateDir, 'code-server.log');
    const out = fs.createWriteStream(logFile);
    child.stdout.pipe(out);
    child.stderr.pipe(out);
  }
  const url = `http://${host}:${port}/`;
  try {
    await waitForHttp(`${url}healthz`, 30_000, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    host,
    process: child,
    /** The workbench URL that opens `folder` with an extension in development mode (and its tests). */
    workbenchUrl({ folder = options.folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
      const payload = [];
      const remote = (p) => `vscode-remote://${host}:${port}${p}`;
      if (extensionDevelopmentPath)
        payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
      if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
      // folder null: an empty window (no folder, no workspace), as after File > New Window.
      const query = new URLSearchParams(folder === null ? { ew: 'true' } : { folder });
      if (payload.length) query.set('payload', JSON.stringify(payload));
      return `${url}?${query.toString()}`;
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
