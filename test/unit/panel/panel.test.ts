import * as assert from 'node:assert/strict';
import { collapseEditBlocks } from '../../../media/editBlocks';
import { ConversationStore, type KeyValueStore } from '../../../src/assistant/conversations';
import { rankPaths } from '../../../src/panel/fileSearch';
import { SecretVault } from '../../../src/trust';
import { parseHostMessage, parseWebviewMessage } from '../../../src/panel/protocol';

class MemoryStore implements KeyValueStore {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return structuredClone(this.values.get(key)) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, structuredClone(value));
  }
}

describe('panel: message protocol', () => {
  it('accepts well-formed messages from the webview', () => {
    assert.deepEqual(
      parseWebviewMessage({ type: 'send', text: 'hi', chips: [{ kind: 'file', path: 'src/a.ts' }] }),
      {
        type: 'send',
        text: 'hi',
        chips: [{ kind: 'file', path: 'src/a.ts' }],
      },
    );
    assert.deepEqual(
      parseWebviewMessage({
        type: 'hunkAction',
        action: 'accept',
        hunkId: 'h1',
        selection: { removed: [0], added: [1, 2] },
      }),
      { type: 'hunkAction', action: 'accept', hunkId: 'h1', selection: { removed: [0], added: [1, 2] } },
    );
    assert.deepEqual(parseWebviewMessage({ type: 'stop', extra: 'dropped' }), { type: 'stop' });
  });

  it('rejects malformed or unknown messages from the webview', () => {
    for (const bad of [
      null,
      'send',
      { type: 'send', text: 42, chips: [] },
      { type: 'send', text: 'x', chips: [{ kind: 'file' }] },
      { type: 'send', text: 'x', chips: [{ kind: 'everything' }] },
      { type: 'hunkAction', action: 'explode', hunkId: 'h1' },
      { type: 'hunkAction', action: 'accept', hunkId: 'h1', selection: { removed: [-1], added: [] } },
      { type: 'hunkAction', action: 'accept', hunkId: 'h1', selection: { removed: [0.5], added: [] } },
      { type: 'proposalAction', action: 'acceptAll' },
      { type: 'showRequest', requestId: '3' },
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
    ])
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  });

  it('validates messages from the extension on the webview side too', () => {
    const message = { id: 'm1', role: 'assistant', text: 'hello', status: 'done', requestId: 3 };
    assert.ok(parseHostMessage({ type: 'messageAdded', conversationId: 'c1', message }));
    assert.equal(
      parseHostMessage({
        type: 'messageAdded',
        conversationId: 'c1',
        message: { ...message, role: 'system' },
      }),
      undefined,
    );
    assert.equal(
      parseHostMessage({ type: 'messageDelta', conversationId: 'c1', messageId: 'm1' }),
      undefined,
    );
    assert.equal(
      parseHostMessage({ type: 'proposals', proposals: [{ id: 'p', rationale: '', files: 'x' }] }),
      undefined,
    );
  });

  it("validates a shared proposal's view: who asked, whether one may decide, the statuses by person", () => {
    const hunk = {
      id: 'h',
      status: 'accepted',
      line: 3,
      removed: ['a'],
      added: ['b'],
      note: 'accepted by Bob',
    };
    const proposal = {
      id: 'p',
      rationale: '',
      redoing: false,
      failures: [],
      files: [{ path: 'src/a.ts', kind: 'modify', protectedReasons: [], hunks: [hunk] }],
      shared: { askedBy: 'Alice', model: 'm', canDecide: false, thread: { request: 'q', answer: 'a' } },
    };
    assert.ok(parseHostMessage({ type: 'proposals', proposals: [proposal] }));
    // A hunk a revert took back.
    const reverted = {
      ...proposal,
      files: [{ ...proposal.files[0], hunks: [{ ...hunk, status: 'reverted' }] }],
    };
    assert.ok(parseHostMessage({ type: 'proposals', proposals: [reverted] }));
    for (const broken of [
      { ...proposal, files: [{ ...proposal.files[0], hunks: [{ ...hunk, status: 'undone' }] }] },
      { ...proposal, shared: { ...proposal.shared, canDecide: 'no' } },
      { ...proposal, shared: { ...proposal.shared, thread: { request: 'q' } } },
      { ...proposal, files: [{ ...proposal.files[0], hunks: [{ ...hunk, note: 3 }] }] },
      { ...proposal, files: [{ ...proposal.files[0], hunks: [{ ...hunk, undoable: 'yes' }] }] },
    ])
      assert.equal(parseHostMessage({ type: 'proposals', proposals: [broken] }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'hunkAction', action: 'undo', hunkId: 'h' }), {
      type: 'hunkAction',
      action: 'undo',
      hunkId: 'h',
    });
  });
});

describe('panel: authorship summary protocol', () => {
  const run = {
    proposal: 'p1',
    characters: 12,
    lines: 2,
    line: 4,
    removed: 5,
    removedTexts: ['gone\n'],
    conversationId: 'c1',
  };
  const summary = {
    uri: 'file:///w/a.ts',
    path: 'a.ts',
    shared: false,
    characters: 12,
    lines: 2,
    removed: 5,
    totalCharacters: 100,
    totalLines: 10,
    people: [{ askedBy: 'Alice', model: 'm', characters: 12, lines: 2, removed: 5, runs: [run] }],
  };

  it("accepts the active file's summary, and none when no file is open", () => {
    assert.deepEqual(parseHostMessage({ type: 'authorship', summary }), { type: 'authorship', summary });
    assert.deepEqual(parseHostMessage({ type: 'authorship' }), { type: 'authorship' });
    const { conversationId: _omitted, ...local } = run;
    assert.ok(
      parseHostMessage({
        type: 'authorship',
        summary: { ...summary, shared: true, people: [{ ...summary.people[0], runs: [local] }] },
      }),
    );
  });

  it('rejects a malformed summary', () => {
    const person = summary.people[0];
    for (const broken of [
      { ...summary, characters: -1 },
      { ...summary, totalLines: 1.5 },
      { ...summary, shared: 'no' },
      { ...summary, uri: 3 },
      { ...summary, people: {} },
      { ...summary, people: [{ ...person, model: undefined }] },
      { ...summary, people: [{ ...person, runs: [{ ...run, line: 0 }] }] },
      { ...summary, people: [{ ...person, runs: [{ ...run, conversationId: 7 }] }] },
      { ...summary, people: [{ ...person, runs: [{ ...run, proposal: undefined }] }] },
      { ...summary, removed: undefined },
      { ...summary, people: [{ ...person, removed: -1 }] },
      { ...summary, people: [{ ...person, runs: [{ ...run, removedTexts: [3] }] }] },
      'summary',
    ])
      assert.equal(
        parseHostMessage({ type: 'authorship', summary: broken }),
        undefined,
        JSON.stringify(broken),
      );
  });

  it("accepts the summary's actions from the webview and nothing else", () => {
    for (const action of ['reveal', 'conversation', 'revert'])
      assert.deepEqual(
        parseWebviewMessage({
          type: 'authorshipAction',
          action,
          uri: 'file:///w/a.ts',
          proposal: 'p1',
          x: 1,
        }),
        { type: 'authorshipAction', action, uri: 'file:///w/a.ts', proposal: 'p1' },
      );
    for (const bad of [
      { type: 'authorshipAction', action: 'revertEverything', uri: 'file:///w/a.ts', proposal: 'p1' },
      { type: 'authorshipAction', action: 'revert', uri: 'file:///w/a.ts' },
      { type: 'authorshipAction', action: 'revert', proposal: 'p1' },
      { type: 'authorshipAction', action: 'reveal', uri: 'file:///w/a.ts', proposal: 'p'.repeat(201) },
    ])
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  });
});

describe('panel: conversations per workspace', () => {
  it('keeps conversations across reloads, newest first, with titles from the first request', async () => {
    const storage = new MemoryStore();
    const store = new ConversationStore(storage);
    const first = store.current;
    store.add(first, { id: 'm1', role: 'user', text: 'Explain the greeter\nplease', status: 'done' });
    store.add(first, { id: 'm2', role: 'assistant', text: 'It greets.', status: 'streaming' });
    await store.save();
    const second = store.startNew();
    assert.notEqual(second.id, first.id);
    assert.equal(store.startNew().id, second.id, 'an empty conversation is reused');

    const reloaded = new ConversationStore(storage);
    assert.equal(reloaded.current.id, first.id);
    assert.equal(reloaded.current.title, 'Explain the greeter');
    assert.equal(reloaded.current.messages[1].status, 'stopped', 'an answer cut off by a reload says so');
  });

  it('stores no secret the trust gate has seen: an answer shown restored is saved redacted', async () => {
    const vault = new SecretVault('st0r');
    const password = 'St0re!pQ2#rT9mL4vBx7';
    vault.redact(`password = "${password}"`, undefined, { path: '/w/db.ts' });
    const storage = new MemoryStore();
    const store = new ConversationStore(
      storage,
      undefined,
      (text) => vault.redact(text, [], { path: 'untrusted:storage' }).text,
    );
    const conversation = store.current;
    store.add(conversation, { id: 'm1', role: 'user', text: `is ${password} ok`, status: 'done' });
    store.add(conversation, { id: 'm2', role: 'assistant', text: `It is ${password}.`, status: 'done' });
    await store.save();
    assert.ok(!JSON.stringify(storage.get('tandem.panel.conversations')).includes(password));
    assert.equal(conversation.messages[1].text, `It is ${password}.`, 'what is shown stays as it was');
    const reloaded = new ConversationStore(storage);
    assert.equal(reloaded.current.messages[1].text, 'It is TANDEM_REDACTED_PASSWORD_1_st0r.');
  });

  it('bounds what it keeps and deletes on request', async () => {
    const storage = new MemoryStore();
    const store = new ConversationStore(storage, { conversations: 2, messages: 3 });
    for (let i = 0; i < 3; i++) {
      const conversation = store.startNew();
      for (let m = 0; m < 5; m++)
        store.add(conversation, { id: `${i}-${m}`, role: 'user', text: `q${i}-${m}`, status: 'done' });
    }
    await store.save();
    const reloaded = new ConversationStore(storage, { conversations: 2, messages: 3 });
    assert.equal(reloaded.summaries().length, 2);
    assert.deepEqual(
      reloaded.current.messages.map((message) => message.id),
      ['2-2', '2-3', '2-4'],
    );
    await reloaded.delete(reloaded.current.id);
    assert.equal(new ConversationStore(storage).summaries().length, 1);
  });
});

describe('panel: @file ranking', () => {
  const paths = ['src/greeter.ts', 'src/math.py', 'test/greeter.test.ts', 'README.md', 'src/deep/gr_eat.ts'];
  it('prefers matches in the file name, then shorter paths', () => {
    assert.deepEqual(rankPaths(paths, 'greeter', 5), ['src/greeter.ts', 'test/greeter.test.ts']);
    assert.deepEqual(rankPaths(paths, 'math', 5), ['src/math.py']);
  });
  it('matches characters in order when nothing matches contiguously', () => {
    assert.deepEqual(rankPaths(paths, 'sgt', 5)[0], 'src/greeter.ts');
    assert.deepEqual(rankPaths(paths, 'zzz', 5), []);
    assert.equal(rankPaths(paths, '', 2).length, 2);
  });
});

describe('panel: edit blocks in answers', () => {
  it('shows a one-line mention instead of each SEARCH/REPLACE block, fenced or not', () => {
    const answer = [
      'Why.',
      '',
      'src/a.ts',
      '```ts',
      '<<<<<<< SEARCH',
      'a',
      '=======',
      'b',
      '>>>>>>> REPLACE',
      '```',
      '',
      '<<<<<<< SEARCH',
      'c',
      '=======',
      'd',
      '>>>>>>> REPLACE',
      'Done.',
    ].join('\n');
    assert.equal(
      collapseEditBlocks(answer),
      [
        'Why.',
        '',
        'src/a.ts',
        '*(edit block: see the proposed changes below)*',
        '',
        '*(edit block: see the proposed changes below)*',
        'Done.',
      ].join('\n'),
    );
  });

  it('hides a block still being written', () => {
    assert.equal(collapseEditBlocks('Why.\n```ts\n<<<<<<< SEARCH\nhalf'), 'Why.\n*(writing an edit…)*');
    assert.equal(
      collapseEditBlocks('plain `code` and\n```ts\nconst x = 1;\n```'),
      'plain `code` and\n```ts\nconst x = 1;\n```',
    );
  });
});
