// dist/server.js: the standalone collaboration server and its `token` command.
import { type CliCommand, parseCli, type RoomsCommand, usage } from './cli';
import { jsonLineLogger } from './log';
import { redisRooms } from './redisRooms';
import { startCollabServer } from './server';
import { signToken } from './token';

/** Secrets shorter than this are refused: a token is only as strong as its secret. */
const MIN_SECRET_LENGTH = 16;

function fail(message: string): never {
  process.stderr.write(`tandem-server: ${message}\n`);
  process.exit(2);
}

function readSecret(): string {
  const secret = process.env.TANDEM_SECRET ?? '';
  if (secret.length === 0)
    fail(
      'TANDEM_SECRET is not set. Set it to a long random string (e.g. `openssl rand -hex 32`), or pass --no-auth to run without tokens.',
    );
  if (secret.length < MIN_SECRET_LENGTH)
    fail(
      `TANDEM_SECRET is too short (${secret.length} characters); use at least ${MIN_SECRET_LENGTH}, e.g. \`openssl rand -hex 32\`.`,
    );
  return secret;
}

/** Lists or deletes stored rooms. The store's lock makes this fail while a server holds the data. */
function runRoomsCommand(command: RoomsCommand): void {
  const { SqliteRoomStore } = require('./sqliteStore') as typeof import('./sqliteStore');
  let store;
  try {
    store = new SqliteRoomStore(command.dataDir);
  } catch (error) {
    fail((error as Error).message);
  }
  try {
    if (command.action === 'ls') {
      for (const room of store.list())
        process.stdout.write(
          `${room.name}\t${room.bytes} bytes\t${room.updates} logged updates\tlast used ${new Date(room.usedAt).toISOString()}\n`,
        );
      return;
    }
    const room = command.room as string;
    if (!store.delete(room)) fail(`no room "${room}" in ${command.dataDir}`);
    process.stderr.write(`deleted room "${room}"\n`);
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  let command: CliCommand;
  try {
    command = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`);
  }
  if (command.kind === 'help') {
    process.stdout.write(usage);
    return;
  }
  if (command.kind === 'rooms') {
    runRoomsCommand(command);
    return;
  }
  if (command.kind === 'token') {
    const secret = readSecret();
    const exp = Date.now() + command.ttlMs;
    const token = signToken(secret, { room: command.room, role: command.role, name: command.name, exp });
    process.stderr.write(
      `token for room "${command.room}", role ${command.role}, expires ${new Date(exp).toISOString()}\n`,
    );
    process.stdout.write(`${token}\n`);
    return;
  }

  const secret = command.noAuth ? undefined : readSecret();
  const log = jsonLineLogger((line) => process.stdout.write(line), command.logLevel);
  if (command.noAuth) {
    const banner =
      '*** AUTH DISABLED (--no-auth): anyone who can reach this port can read and edit every room ***';
    process.stderr.write(`\n${banner}\n\n`);
    log({ level: 'warn', msg: 'auth disabled: every connection is admitted read-write without a token' });
  }
  let server;
  try {
    server = await startCollabServer({
      host: command.host,
      port: command.port,
      secret,
      auth: !command.noAuth,
      dataDir: command.dataDir,
      limits: command.limits,
      logger: log,
      durability: command.durability,
      commitWindowMs: command.commitWindowMs,
      trustProxy: command.trustProxy,
      deleteIdleAfterMs: command.deleteIdleAfterMs,
      metricsToken: process.env.TANDEM_METRICS_TOKEN || undefined,
      advertise: command.advertise,
      sharedRooms: command.redisUrl
        ? redisRooms(command.redisUrl, { cycleMs: command.redisCycleMs })
        : undefined,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log({ level: 'warn', msg: 'second signal: exiting without waiting', signal });
      process.exit(1);
    }
    stopping = true;
    log({ level: 'info', msg: 'shutting down', signal });
    server.close().then(
      () => process.exit(0),
      (error: Error) => {
        log({ level: 'error', msg: 'shutdown failed', error: error.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
