import * as assert from 'node:assert/strict';
import { conversationHistory } from '../../../src/assistant/history';
import { EDIT_MARKERS, holdsClosedBlock, parseEditAnswer } from '../../../src/proposals/editFormat';
import { EDIT_FORMAT_INSTRUCTIONS } from '../../../src/proposals/prompt';
import type { MessageView } from '../../../src/panel/protocol';
import type { UntrustedPiece } from '../../../src/trust';

const message = (
  id: string,
  role: 'user' | 'assistant',
  text: string,
  status: MessageView['status'] = 'done',
) => ({ id, role, text, status }) as MessageView;

describe('assistant: the core without VS Code', () => {
  it('gives the model the last turns within the budget, each user turn with its context, starting with a user turn', () => {
    const piece: UntrustedPiece = { text: 'x'.repeat(50), source: { kind: 'file', path: '/w/a.ts' } };
    const messages = [
      message('1', 'user', 'first question'),
      message('2', 'assistant', 'first answer'),
      message('3', 'user', 'failed one'),
      message('4', 'assistant', 'boom', 'error'),
      message('5', 'user', 'second question'),
      message('6', 'assistant', '  '),
      message('7', 'assistant', 'second answer'),
    ];
    const context = new Map([['5', [piece]]]);
    const all = conversationHistory(messages, (id) => context.get(id));
    assert.deepEqual(
      all.map((turn) => (turn.role === 'user' ? `u:${turn.instructions}` : `a:${turn.content}`)),
      ['u:first question', 'a:first answer', 'u:failed one', 'u:second question', 'a:second answer'],
    );
    const second = all.find((turn) => turn.role === 'user' && turn.instructions === 'second question');
    assert.deepEqual(second && second.role === 'user' ? second.context : undefined, [piece]);
    // A budget that holds only the newest turns: the history still starts with a user turn.
    const short = conversationHistory(messages, (id) => context.get(id), { messages: 10, chars: 80 });
    assert.deepEqual(
      short.map((turn) => turn.role),
      ['user', 'assistant'],
    );
    const few = conversationHistory(messages, () => undefined, { messages: 2, chars: 60_000 });
    assert.deepEqual(
      few.map((turn) => turn.role),
      ['user', 'assistant'],
    );
  });

  it('spells the edit format once: the instructions show the markers the parser reads', () => {
    for (const marker of Object.values(EDIT_MARKERS))
      assert.ok(EDIT_FORMAT_INSTRUCTIONS.includes(marker), marker);
    const example = [
      'src/a.ts',
      EDIT_MARKERS.search,
      'old',
      EDIT_MARKERS.divider,
      'new',
      EDIT_MARKERS.replace,
    ].join('\n');
    const parsed = parseEditAnswer(example);
    assert.equal(parsed.blocks.length, 1);
    assert.deepEqual(parsed.blocks[0], {
      kind: 'replace',
      index: 1,
      path: 'src/a.ts',
      search: ['old'],
      replace: ['new'],
      note: '',
    });
    assert.ok(holdsClosedBlock(example));
    assert.ok(holdsClosedBlock(example.replace(/\n/g, '\r\n')));
    assert.ok(
      !holdsClosedBlock(example.slice(0, example.lastIndexOf('\n'))),
      'a block cut off before its end',
    );
    const deletion = parseEditAnswer(`old.ts\n${EDIT_MARKERS.deleteFile}`);
    assert.deepEqual(deletion.blocks[0], { kind: 'delete', index: 1, path: 'old.ts', note: '' });
  });
});
