// hostStateTouched (authority.ts) on large updates: a guest's long run of writes to host-only state is
// caught whichever struct of the run is looked at, and a large edit of a shared file is let through.
import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { hostStateTouched } from '../../../src/server/authority';

/** The room's document as the host set it up: session metadata and one shared file. */
function hostRoom(): Y.Doc {
  const room = new Y.Doc();
  room.getMap('meta').set('title', 'session');
  room.getMap('texts').set('src/a.ts', new Y.Text('start\n'));
  return room;
}

/** A guest's copy of `room` and the updates it makes while `edit` runs, merged into one. */
function guestUpdate(room: Y.Doc, edit: (guest: Y.Doc) => void): Uint8Array {
  const guest = new Y.Doc();
  Y.applyUpdate(guest, Y.encodeStateAsUpdate(room));
  const updates: Uint8Array[] = [];
  guest.on('update', (update: Uint8Array) => updates.push(update));
  guest.transact(() => edit(guest));
  return Y.mergeUpdates(updates);
}

describe('server: host-only state in large updates', () => {
  it('catches a run of hundreds of writes to a host-only map made by two clients in turn', () => {
    const room = hostRoom();
    const guestA = new Y.Doc();
    const guestB = new Y.Doc();
    Y.applyUpdate(guestA, Y.encodeStateAsUpdate(room));
    Y.applyUpdate(guestB, Y.encodeStateAsUpdate(room));
    const updates: Uint8Array[] = [];
    guestA.on('update', (update: Uint8Array) => updates.push(update));
    guestB.on('update', (update: Uint8Array) => updates.push(update));
    // Each write's origin is the other client's write before it: a chain far longer than 64 links.
    for (let i = 0; i < 300; i++) {
      const [writer, reader] = i % 2 ? [guestB, guestA] : [guestA, guestB];
      writer.getMap('meta').set('title', `taken ${i}`);
      Y.applyUpdate(reader, Y.encodeStateAsUpdate(writer, Y.encodeStateVector(reader)));
    }
    assert.equal(hostStateTouched(room, Y.mergeUpdates(updates)), 'meta');
  });

  it('lets a large edit of a shared file through, and catches a new file among it', () => {
    const room = hostRoom();
    const typing = guestUpdate(room, (guest) => {
      const text = guest.getMap<Y.Text>('texts').get('src/a.ts')!;
      text.insert(text.length, 'x'.repeat(20_000));
      // Scattered inserts, each a struct of its own placed after another one of the update.
      for (let i = 0; i < 3_000; i++) text.insert((i * 7919) % text.length, 'y');
    });
    assert.equal(hostStateTouched(room, typing), undefined);
    const withNewFile = guestUpdate(room, (guest) => {
      const text = guest.getMap<Y.Text>('texts').get('src/a.ts')!;
      for (let i = 0; i < 1_000; i++) text.insert((i * 7919) % text.length, 'x');
      guest.getMap('texts').set('src/new.ts', new Y.Text('planted'));
    });
    assert.equal(hostStateTouched(room, withNewFile), 'texts entries');
  });
});
