import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { DocumentBinding } from '../../../src/collab/documentBinding';
import { type Eol, fromLf, toLf } from '../../../src/collab/eol';
import { editorOffset, SimulatedDocument } from '../../fuzz/simulatedDocument';

const LOCAL = { local: true };

function setup(initial: string, eol: Eol, latency: 'manual' | (() => number) = 'manual', readOnly = false) {
  const ydoc = new Y.Doc();
  const ytext = ydoc.getText('t');
  ytext.insert(0, initial);
  const doc = new SimulatedDocument({ text: fromLf(initial, eol), eol, latency });
  const logs: string[] = [];
  const binding = new DocumentBinding(ytext, doc, {
    origin: LOCAL,
    readOnly,
    checkDelayMs: 5,
    checkMaxDelayMs: 20,
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  doc.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
  return { ydoc, ytext, doc, binding, logs };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Delivers every message in manual mode until nothing moves, letting timers run in between. */
async function settle(doc: SimulatedDocument): Promise<void> {
  for (let round = 0; round < 200; round++) {
    await tick(1);
    const { toExtension, toMain } = doc.undelivered;
    if (toExtension === 0 && toMain === 0) {
      await tick(1);
      if (doc.undelivered.toMain === 0 && doc.undelivered.toExtension === 0) return;
    }
    while (doc.undelivered.toMain > 0) doc.deliverToMain();
    while (doc.undelivered.toExtension > 0) doc.deliverToExtension();
  }
  throw new Error('the document never settled');
}

function assertInSync(ctx: ReturnType<typeof setup>): void {
  assert.equal(toLf(ctx.doc.mainText), ctx.ytext.toString());
  assert.equal(toLf(ctx.doc.getText()), ctx.ytext.toString());
}

describe('collab DocumentBinding', () => {
  it('brings a remote change into an LF and a CRLF document', async () => {
    for (const eol of ['\n', '\r\n'] as const) {
      const ctx = setup('line one\nline two\n', eol);
      ctx.ydoc.transact(() => ctx.ytext.insert(9, 'NEW\n'), 'peer');
      await settle(ctx.doc);
      assert.equal(ctx.doc.mainText, fromLf('line one\nNEW\nline two\n', eol));
      assertInSync(ctx);
      assert.equal(ctx.binding.stats.remoteApplies, 1);
      ctx.binding.dispose();
    }
  });

  it('carries a local edit into the shared text with LF line ends', async () => {
    const ctx = setup('a\nb\n', '\r\n');
    ctx.doc.userEdit(3, 0, 'x\r\ny');
    await settle(ctx.doc);
    assert.equal(ctx.ytext.toString(), 'a\nx\nyb\n');
    assertInSync(ctx);
    ctx.binding.dispose();
  });

  it('keeps a keystroke typed while a remote change is on its way (the edit is rejected)', async () => {
    const ctx = setup('hello world', '\n');
    ctx.ydoc.transact(() => ctx.ytext.insert(5, ','), 'peer');
    await tick(1); // the binding sends its applyEdit
    assert.equal(ctx.doc.undelivered.toMain, 1);
    ctx.doc.userEdit(11, 0, '!'); // the user types first: the renderer moves to a new version
    ctx.doc.deliverToMain(); // our edit arrives late and is refused
    await settle(ctx.doc);
    assert.equal(ctx.doc.mainText, 'hello, world!');
    assertInSync(ctx);
    assert.equal(ctx.binding.stats.rejectedApplies, 1);
    assert.equal(ctx.binding.stats.repairs, 0);
    ctx.binding.dispose();
  });

  it('does not echo its own applied edit when the user types right after it', async () => {
    const ctx = setup('abc', '\r\n');
    ctx.ydoc.transact(() => ctx.ytext.insert(3, '\nd'), 'peer');
    await tick(1);
    ctx.doc.deliverToMain(); // applied: change event and result queued for the extension host
    ctx.doc.userEdit(0, 0, 'Z'); // typed after our edit landed, reported after it
    await settle(ctx.doc);
    assert.equal(ctx.ytext.toString(), 'Zabc\nd');
    assertInSync(ctx);
    assert.equal(ctx.binding.stats.repairs, 0);
    ctx.binding.dispose();
  });

  it('keeps both sides when the user deletes text a peer is inserting into', async () => {
    const ctx = setup('0123456789', '\n');
    ctx.ydoc.transact(() => ctx.ytext.insert(5, 'PEER'), 'peer');
    await tick(1);
    ctx.doc.userEdit(2, 6, ''); // deletes 234567 before the peer's insert arrives
    await settle(ctx.doc);
    assert.equal(ctx.ytext.toString(), '01PEER89');
    assertInSync(ctx);
    ctx.binding.dispose();
  });

  it('handles surrogate pairs and edits at both ends of a CRLF document', async () => {
    const ctx = setup('😀 start\nmiddle\nend 🎉', '\r\n');
    ctx.ydoc.transact(() => {
      ctx.ytext.insert(ctx.ytext.length, '\n𝒳');
      ctx.ytext.insert(0, '🚀\n');
    }, 'peer');
    await tick(1);
    ctx.doc.userEdit(0, 2, '');
    ctx.doc.userEdit(ctx.doc.mainText.length, 0, '\r\nlast');
    await settle(ctx.doc);
    // Both inserted at the end at once: the local insert goes first.
    assert.equal(ctx.ytext.toString(), '🚀\n start\nmiddle\nend 🎉\nlast\n𝒳');
    assertInSync(ctx);
    assert.ok(!ctx.ytext.toString().includes('\r'));
    ctx.binding.dispose();
  });

  it('notices an edit the editor applied on top of newer text, and repairs instead of trusting it', async () => {
    const ydoc = new Y.Doc();
    const ytext = ydoc.getText('t');
    ytext.insert(0, 'abcdef');
    const doc = new SimulatedDocument({ text: 'abcdef', eol: '\n', latency: 'manual', checkVersion: false });
    const binding = new DocumentBinding(ytext, doc, { origin: LOCAL, checkDelayMs: 1, checkMaxDelayMs: 5 });
    doc.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
    ydoc.transact(() => ytext.insert(6, 'XYZ'), 'peer');
    await tick(1);
    doc.userEdit(0, 0, '123'); // typed first, yet the stale edit still lands (at the old offset)
    doc.deliverToMain();
    await settle(doc);
    assert.ok(binding.stats.repairs >= 1, 'the anomaly was noticed');
    assert.equal(toLf(doc.mainText), ytext.toString());
    binding.dispose();
  });

  it('never writes a read-only participant’s edits and restores the shared text', async () => {
    const ctx = setup('read only', '\n', 'manual', true);
    const before = Y.encodeStateVector(ctx.ydoc);
    ctx.doc.userEdit(0, 4, 'WRITE');
    await settle(ctx.doc);
    await tick(30);
    await settle(ctx.doc);
    assert.deepEqual(Y.encodeStateVector(ctx.ydoc), before);
    assert.equal(ctx.doc.mainText, 'read only');
    ctx.binding.dispose();
  });

  it('repairs a document that drifted from the shared text', async () => {
    const ctx = setup('stable text', '\n');
    ctx.binding.dispose(); // a change the binding never hears about
    const fresh = new DocumentBinding(ctx.ytext, ctx.doc, {
      origin: LOCAL,
      checkDelayMs: 1,
      checkMaxDelayMs: 5,
    });
    ctx.doc.onDidChange((changes, version) => fresh.handleDocumentChange(changes, version));
    ctx.doc.userEdit(0, 6, 'XX');
    ctx.doc.deliverToExtension(); // fresh.handleDocumentChange runs; ctx.binding (disposed) ignores it
    assert.equal(ctx.ytext.toString(), 'XX text');
    // Now break the books: change the document behind the binding's back.
    (ctx.doc as unknown as { extText: string }).extText = 'XX texT';
    (ctx.doc as unknown as { mainText: string }).mainText = 'XX texT';
    assert.equal(fresh.checkConsistency(), false);
    await settle(ctx.doc);
    assert.equal(ctx.doc.mainText, 'XX text');
    assert.equal(fresh.stats.repairs, 1);
    fresh.dispose();
  });

  it('starts by bringing an out-of-date document to the shared text', async () => {
    const ydoc = new Y.Doc();
    const ytext = ydoc.getText('t');
    ytext.insert(0, 'shared version\n');
    const doc = new SimulatedDocument({ text: 'disk version\r\n', eol: '\r\n', latency: 'manual' });
    const binding = new DocumentBinding(ytext, doc, { origin: LOCAL });
    doc.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
    await settle(doc);
    assert.equal(doc.mainText, 'shared version\r\n');
    binding.dispose();
  });

  it('converges with random concurrent edits on two documents and random delays', async () => {
    const docs: Y.Doc[] = [new Y.Doc(), new Y.Doc()];
    docs[0].getText('t').insert(0, 'seed\ntext\n');
    Y.applyUpdate(docs[1], Y.encodeStateAsUpdate(docs[0]));
    // Relay updates between the two Y.Docs with a delay, as a server would.
    docs.forEach((from, index) =>
      from.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === 'relay') return;
        setTimeout(() => Y.applyUpdate(docs[1 - index], update, 'relay'), Math.random() * 5);
      }),
    );
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const editors = (['\n', '\r\n'] as const).map((eol, index) => {
      const doc = new SimulatedDocument({
        text: fromLf('seed\ntext\n', eol),
        eol,
        latency: () => next() * 4,
      });
      const binding = new DocumentBinding(docs[index].getText('t'), doc, { origin: LOCAL, checkDelayMs: 5 });
      doc.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
      return { doc, binding };
    });
    for (let step = 0; step < 300; step++) {
      const { doc } = editors[Math.floor(next() * 2)];
      const at = editorOffset(doc.mainText, Math.floor(next() * (doc.mainText.length + 1)));
      if (next() < 0.6) doc.userEdit(at, 0, ['a', 'é', '😀', '\n', 'xyz'][Math.floor(next() * 5)]);
      else {
        const end = editorOffset(doc.mainText, Math.min(doc.mainText.length, at + Math.floor(next() * 3)));
        doc.userEdit(at, Math.max(0, end - at), '');
      }
      if (step % 7 === 0) await tick(Math.floor(next() * 3));
    }
    for (let round = 0; round < 100; round++) {
      await tick(20);
      const texts = docs.map((doc) => doc.getText('t').toString());
      if (
        texts[0] === texts[1] &&
        editors.every(({ doc, binding }) => doc.quiet && binding.idle && toLf(doc.mainText) === texts[0])
      )
        break;
    }
    const shared = docs[0].getText('t').toString();
    assert.equal(docs[1].getText('t').toString(), shared);
    for (const { doc, binding } of editors) {
      assert.equal(toLf(doc.mainText), shared);
      assert.equal(binding.stats.repairs, 0, 'no repair was needed');
      binding.dispose();
    }
  });

  it("tells a peer's change written into the editor from the user's typing, asked before or after it sees the event", async () => {
    for (const eol of ['\n', '\r\n'] as const) {
      const ydoc = new Y.Doc();
      const ytext = ydoc.getText('t');
      ytext.insert(0, 'abc\ndef\n');
      const doc = new SimulatedDocument({ text: fromLf('abc\ndef\n', eol), eol, latency: 'manual' });
      const asked: { before: boolean; after: boolean; text: string }[] = [];
      let before = false;
      doc.onDidChange((changes, version) => (before = binding.isRemoteApply(changes, version)));
      const binding = new DocumentBinding(ytext, doc, {
        origin: LOCAL,
        checkDelayMs: 5,
        checkMaxDelayMs: 20,
      });
      doc.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
      doc.onDidChange((changes, version) =>
        asked.push({ before, after: binding.isRemoteApply(changes, version), text: changes[0]?.text ?? '' }),
      );
      ydoc.transact(() => ytext.insert(4, 'PEER'), 'peer');
      await settle(doc);
      doc.userEdit(0, 0, 'Z');
      await settle(doc);
      // The user types right after a peer's change lands, before the binding learns the outcome.
      ydoc.transact(() => ytext.insert(0, 'Q'), 'peer');
      await tick(1);
      doc.deliverToMain();
      doc.userEdit(doc.mainText.length, 0, 'E');
      await settle(doc);
      assert.deepEqual(asked, [
        { before: true, after: true, text: 'PEER' },
        { before: false, after: false, text: 'Z' },
        { before: true, after: true, text: 'Q' },
        { before: false, after: false, text: 'E' },
      ]);
      assert.equal(toLf(doc.mainText), ytext.toString());
      binding.dispose();
    }
  });
});
