// A window's seat across the reloads that joining causes (src/collab/seat): an extension host left
// running after a reload sees the later one through the real server and gives way, and nobody else in
// the room can pass for a later one, neither by copying a claim nor by making one up.
import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import { CollabSession } from '../../../src/collab/session';
import {
  claimedSince,
  laterSeatHolder,
  newSeat,
  seatClaim,
  watchForLaterSeatHolder,
} from '../../../src/collab/seat';
import { type CollabServer, startCollabServer } from '../../../src/server';
import { waitFor } from '../server/harness';

const SECRET = 'seat-secret-0123456789abcdef0123';

/** The server harness's poll, with this file's longer default wait. */
const until = (check: () => boolean, what: string, timeoutMs = 5000) => waitFor(check, what, timeoutMs);

describe('collab: a window’s seat across its reloads', function () {
  this.timeout(20_000);

  describe('claims', () => {
    const seat = newSeat();
    const T = 1_800_000_000_000;

    it('are valid only for the seat, client id and time they were made for', () => {
      const claim = seatClaim(seat, 7, T);
      assert.equal(claimedSince(seat, 7, claim), T);
      assert.equal(claimedSince(seat, 8, claim), undefined, 'under another client id');
      assert.equal(claimedSince(newSeat(), 7, claim), undefined, 'of another seat');
      assert.equal(claimedSince(seat, 7, claim.replace(String(T), String(T + 1))), undefined, 'a later time');
      for (const junk of [undefined, 42, '', seat, `${claim}x`, `${T}.`, { claim }])
        assert.equal(claimedSince(seat, 7, junk), undefined, JSON.stringify(junk));
      assert.notEqual(newSeat(), newSeat());
    });

    it('give way to a later claim only: ties go to the higher client id', () => {
      const states = new Map<number, unknown>([
        [1, { seat: seatClaim(seat, 1, T) }],
        [2, { seat: seatClaim(seat, 2, T - 5) }],
        [3, { seat: seatClaim(seat, 1, T + 5) }],
        [4, { seat: seatClaim(newSeat(), 4, T + 5) }],
        [5, null],
        [6, 'text'],
      ]);
      assert.equal(laterSeatHolder(states, 1, seat, T), undefined, 'an earlier, a copied, a foreign claim');
      states.set(9, { seat: seatClaim(seat, 9, T) });
      assert.equal(laterSeatHolder(states, 1, seat, T), 9, 'same time, higher id');
      assert.equal(laterSeatHolder(states, 9, seat, T), undefined, 'same time, lower id');
      states.set(0, { seat: seatClaim(seat, 0, T + 1) });
      assert.equal(laterSeatHolder(states, 9, seat, T), 0, 'later time');
    });
  });

  describe('through the real server', () => {
    let server: CollabServer;
    const sessions: CollabSession[] = [];

    beforeEach(async () => {
      server = await startCollabServer({ secret: SECRET });
    });

    afterEach(async () => {
      for (const session of sessions.splice(0)) session.dispose();
      await server.close();
    });

    function join(role: 'host' | 'rw', name: string, token: string, seat?: string): CollabSession {
      const session = new CollabSession({
        role: role === 'host' ? 'host' : 'guest',
        serverUrl: `ws://127.0.0.1:${server.port}`,
        room: 'seat',
        token,
        name,
        color: '#123456',
        WebSocketPolyfill: WebSocket,
        seat,
        host:
          role === 'host'
            ? {
                root: process.cwd(),
                folderName: 'project',
                excludeGlobs: ['**'],
                editors: { text: () => undefined, save: async () => false },
              }
            : undefined,
      });
      sessions.push(session);
      return session;
    }

    it('makes the left-behind extension host give way to the one that rejoined, and to no one else', async () => {
      const link = server.createToken({ room: 'seat', role: 'rw', name: '' });
      const alice = join('host', 'Alice', server.createToken({ room: 'seat', role: 'host', name: 'Alice' }));
      await alice.start();
      // Bob joins; his window reloads, and this extension host is left running.
      const seat = newSeat();
      const bobBefore = join('rw', 'Bob', link, seat);
      await bobBefore.start();
      const gaveWay: number[] = [];
      watchForLaterSeatHolder(bobBefore.connection.awareness, seat, (clientId) => gaveWay.push(clientId));

      // Eve has the same link. She shows a later claim as another client in the room would show it
      // (as if copied from their presence), then Bob's own claim, then one for a seat she guessed.
      const eve = join('rw', 'Eve', link);
      await eve.start();
      const eveShows = async (claim: string) => {
        eve.setPresence({ seat: claim });
        await until(
          () => bobBefore.connection.awareness.getStates().get(eve.ydoc.clientID)?.seat === claim,
          'Eve’s claim at Bob',
        );
      };
      await eveShows(seatClaim(seat, alice.ydoc.clientID, Date.now() + 60_000));
      await eveShows(String(bobBefore.connection.awareness.getLocalState()?.seat));
      await eveShows(seatClaim(newSeat(), eve.ydoc.clientID, Date.now() + 60_000));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(gaveWay, [], 'none of Eve’s claims counts');

      // The reloaded window rejoins from the record with the seat: the left-behind one gives way, and
      // the rejoined one has no reason to.
      await new Promise((resolve) => setTimeout(resolve, 2));
      const bobAfter = join('rw', 'Bob', link, seat);
      const stays: number[] = [];
      watchForLaterSeatHolder(bobAfter.connection.awareness, seat, (clientId) => stays.push(clientId));
      await bobAfter.start();
      await until(() => gaveWay.length > 0, 'the left-behind host giving way');
      assert.deepEqual(gaveWay, [bobAfter.ydoc.clientID]);

      // Leaving is what the left-behind host then does: Alice is left with one Bob, the rejoined one.
      bobBefore.dispose();
      await until(
        () => alice.participants().filter((p) => p.name === 'Bob').length === 1,
        'one Bob at Alice',
      );
      assert.equal(alice.participants().find((p) => p.name === 'Bob')?.clientId, bobAfter.ydoc.clientID);
      assert.deepEqual(stays, [], 'the rejoined host stays');
    });

    it('gives way to a later claim that was there before the watch began', async () => {
      const link = server.createToken({ room: 'seat', role: 'rw', name: '' });
      const seat = newSeat();
      const before = join('rw', 'Bob', link, seat);
      await new Promise((resolve) => setTimeout(resolve, 2));
      const after = join('rw', 'Bob', link, seat);
      await after.start();
      await before.start();
      await until(() => before.participants().length === 2, 'both at the earlier one');
      const gaveWay: number[] = [];
      watchForLaterSeatHolder(before.connection.awareness, seat, (clientId) => gaveWay.push(clientId));
      assert.deepEqual(gaveWay, [after.ydoc.clientID]);
    });
  });
});
