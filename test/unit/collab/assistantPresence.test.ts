import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { absoluteIndex, assistantPresence, participantsOf } from '../../../src/collab/presence';

describe('presence: the assistant as a participant', () => {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  text.insert(0, 'hello\nworld\n');
  const now = 1_000_000;
  const states = new Map<number, Record<string, unknown>>([
    [1, { user: { name: 'Alice', color: '#1c7ed6' }, role: 'host', active: now, file: 'a.ts' }],
    [
      2,
      {
        user: { name: 'Bob', color: '#2f9e44' },
        role: 'rw',
        active: now,
        // Bob's client claims the assistant was asked by Alice: the label says who published it.
        assistant: { ...assistantPresence(text, 'b.ts', 6, now - 500, 'small-model'), askedBy: 'Alice' },
      },
    ],
    [3, { user: { name: 'Carol', color: '#ae3ec9' }, role: 'rw', active: now, assistant: 'nonsense' }],
  ]);

  it('lists each assistant at work right after who asked it, with a cursor Follow can use', () => {
    const all = participantsOf(states, 1, now, { assistants: true });
    assert.deepEqual(
      all.map((p) => [p.key, p.kind, p.label]),
      [
        ['1', 'person', 'Alice'],
        ['2', 'person', 'Bob'],
        ['2/assistant', 'assistant', 'Assistant · asked by Bob'],
        ['3', 'person', 'Carol'],
      ],
    );
    const assistant = all[2];
    assert.equal(assistant.askedBy, 'Bob');
    assert.equal(assistant.file, 'b.ts');
    assert.equal(assistant.role, 'rw');
    assert.equal(assistant.idle, false);
    assert.equal(absoluteIndex(text, assistant.state.selections?.[0].head), 6);
    text.insert(0, 'above\n');
    assert.equal(
      absoluteIndex(text, assistant.state.selections?.[0].head),
      12,
      'the cursor moves with the text',
    );
  });

  it('leaves assistants out unless asked for them', () => {
    assert.deepEqual(
      participantsOf(states, 1, now).map((p) => p.key),
      ['1', '2', '3'],
    );
  });
});
