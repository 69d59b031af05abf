// dist/server.js's command line: the options of the reliability work and the rooms command.
import * as assert from 'node:assert/strict';
import { parseCli } from '../../../src/server/cli';

describe('server command line', () => {
  it('reads the limits, durability, commit window, idle deletion and proxy options', () => {
    const command = parseCli([
      '--data',
      '/srv/rooms',
      '--max-document-bytes',
      '1000000',
      '--max-awareness-bytes=2048',
      '--max-awareness-clients',
      '3',
      '--sync-requests-per-second',
      '5',
      '--durability',
      'full',
      '--commit-window',
      '20',
      '--delete-idle-after',
      '90d',
      '--trust-proxy',
    ]);
    assert.equal(command.kind, 'serve');
    if (command.kind !== 'serve') return;
    assert.deepEqual(command.limits, {
      maxDocumentBytes: 1_000_000,
      maxAwarenessBytes: 2048,
      maxAwarenessClients: 3,
      syncRequestsPerSecond: 5,
    });
    assert.equal(command.durability, 'full');
    assert.equal(command.commitWindowMs, 20);
    assert.equal(command.deleteIdleAfterMs, 90 * 86_400_000);
    assert.equal(command.trustProxy, true);
  });

  it('defaults to normal durability, no idle deletion and no proxy trust', () => {
    const command = parseCli([]);
    assert.ok(command.kind === 'serve');
    assert.equal(command.durability, 'normal');
    assert.equal(command.deleteIdleAfterMs, undefined);
    assert.equal(command.trustProxy, false);
  });

  it('reads --redis, or TANDEM_REDIS_URL when the flag is absent, and refuses what cannot go with it', () => {
    const flag = parseCli(['--redis', 'redis://10.0.0.5:6379/0'], { TANDEM_REDIS_URL: 'redis://other:6379' });
    assert.ok(flag.kind === 'serve');
    assert.equal(flag.redisUrl, 'redis://10.0.0.5:6379/0');
    const fromEnv = parseCli([], { TANDEM_REDIS_URL: 'rediss://:pw@redis.example:6380' });
    assert.ok(fromEnv.kind === 'serve');
    assert.equal(fromEnv.redisUrl, 'rediss://:pw@redis.example:6380');
    const none = parseCli([]);
    assert.ok(none.kind === 'serve');
    assert.equal(none.redisUrl, undefined);
    assert.throws(
      () => parseCli(['--redis', 'http://x:pw@host']),
      (error: Error) => {
        assert.match(error.message, /redis:\/\/ or rediss:\/\//);
        assert.doesNotMatch(error.message, /pw/, 'the error shows the password');
        return true;
      },
    );
    assert.throws(() => parseCli(['--redis', 'redis://h', '--data', 'd']), /exclude each other/);
    assert.throws(
      () => parseCli(['--redis', 'redis://h', '--delete-idle-after', '30d']),
      /with --redis, expire idle rooms/,
    );
    const cycled = parseCli(['--redis', 'redis://h', '--redis-cycle', '25']);
    assert.equal(cycled.kind === 'serve' && cycled.redisCycleMs, 25);
    assert.equal(flag.kind === 'serve' && flag.redisCycleMs, undefined);
    assert.throws(() => parseCli(['--redis-cycle', '25']), /--redis-cycle needs --redis/);
    assert.throws(() => parseCli(['--redis', 'redis://h', '--redis-cycle', '0']), /positive integer/);
    assert.throws(() => parseCli(['--redis', 'redis://h', '--redis-cycle', '5000']), /at most 1000/);
    const advertised = (...args: string[]) => {
      const parsed = parseCli(['--redis', 'redis://h', ...args]);
      return parsed.kind === 'serve' ? parsed.advertise : 'not serve';
    };
    assert.equal(advertised(), undefined);
    assert.equal(advertised('--advertise', '10.0.0.5:1234'), '10.0.0.5:1234');
    assert.equal(advertised('--advertise', 'tandem-2.internal:1234'), 'tandem-2.internal:1234');
    assert.equal(advertised('--advertise', '[fd00::5]:1234'), '[fd00::5]:1234');
    assert.equal(advertised('--advertise', 'off'), false);
    assert.throws(() => advertised('--advertise', '10.0.0.5'), /--advertise needs HOST:PORT \(or off\)/);
    // A port no instance can connect to is refused here, not met when another instance hands over.
    assert.throws(() => advertised('--advertise', '10.0.0.5:70000'), /--advertise needs a port 1-65535/);
    assert.throws(() => advertised('--advertise', '10.0.0.5:0'), /--advertise needs a port 1-65535/);
    // Every interface is no address to reach: another instance would connect to its own machine.
    assert.throws(() => advertised('--advertise', '0.0.0.0:1234'), /--advertise needs an address/);
    assert.throws(() => advertised('--advertise', '[::]:1234'), /--advertise needs an address/);
    assert.throws(() => parseCli(['--advertise', '10.0.0.5:1234']), /--advertise needs --redis/);
  });

  it('explains wrong values', () => {
    assert.throws(() => parseCli(['--durability', 'paranoid']), /--durability must be normal or full/);
    assert.throws(() => parseCli(['--delete-idle-after', '30d']), /needs --data/);
    assert.throws(() => parseCli(['--commit-window', '0']), /positive integer/);
    assert.throws(() => parseCli(['--trust-proxy=yes']), /takes no value/);
  });

  it('parses rooms ls and rooms rm', () => {
    assert.deepEqual(parseCli(['rooms', 'ls', '--data', 'd']), {
      kind: 'rooms',
      action: 'ls',
      room: undefined,
      dataDir: 'd',
    });
    assert.deepEqual(parseCli(['rooms', 'rm', 'team/notes', '--data=d']), {
      kind: 'rooms',
      action: 'rm',
      room: 'team/notes',
      dataDir: 'd',
    });
    assert.throws(() => parseCli(['rooms', 'rm', '--data', 'd']), /name of the room/);
    assert.throws(() => parseCli(['rooms', 'ls']), /needs --data/);
    assert.throws(() => parseCli(['rooms', 'purge']), /ls or rm/);
  });
});
