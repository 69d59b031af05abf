import * as assert from 'node:assert/strict';
import { EditHistory } from '../../../src/nextEdit/editHistory';
import {
  buildNextEditPrompt,
  regionShapeOf,
  resolveNextEditFormat,
  unifiedDiff,
  type BuiltPrompt,
} from '../../../src/nextEdit/promptFormats';
import { chooseRegion, regionWithCursor } from '../../../src/nextEdit/region';
import { transformPosition, type DocumentChange } from '../../../src/nextEdit/types';

const PATH = '/work/src/a.ts';
const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i}`);
const change = (line: number, from: number, to: number, text: string, endLine = line): DocumentChange => ({
  range: { start: { line, character: from }, end: { line: endLine, character: to } },
  text,
});

describe('next edit: region choice', () => {
  it('takes more lines below the cursor than above', () => {
    const region = chooseRegion(numbered(200), { line: 100, character: 3 }, regionShapeOf('chat'));
    assert.equal(region.startLine, 90);
    assert.equal(region.endLine, 141);
    assert.deepEqual(region.cursor, { line: 10, character: 3 });
    assert.equal(region.above.length, 20);
    assert.equal(region.below.length, 20);
    assert.equal(region.atStart, false);
  });

  it('gives Sweep its fixed window: the cursor line and 10 on each side', () => {
    const region = chooseRegion(numbered(200), { line: 50, character: 0 }, regionShapeOf('sweep'));
    assert.equal(region.endLine - region.startLine, 21);
    assert.equal(region.startLine, 40);
  });

  it('is clamped at the start and end of the document', () => {
    const region = chooseRegion(numbered(5), { line: 1, character: 0 }, regionShapeOf('chat'));
    assert.equal(region.startLine, 0);
    assert.equal(region.endLine, 5);
    assert.equal(region.atStart, true);
    assert.deepEqual(region.above, []);
  });

  it('cuts long lines to the budget, far lines below first, never the cursor line', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `${i}`.padEnd(200, 'x'));
    const region = chooseRegion(
      lines,
      { line: 30, character: 0 },
      { ...regionShapeOf('chat'), maxChars: 3000 },
    );
    assert.ok(region.lines.join('\n').length <= 3000);
    assert.equal(region.startLine, 20, 'lines above are kept while lines below can go');
    assert.equal(region.endLine, 34);
    const tiny = chooseRegion(lines, { line: 30, character: 0 }, { ...regionShapeOf('chat'), maxChars: 10 });
    assert.deepEqual([tiny.startLine, tiny.endLine], [30, 31]);
  });

  it('puts the cursor marker where the cursor is', () => {
    const region = chooseRegion(['ab', 'cd'], { line: 1, character: 1 }, regionShapeOf('chat'));
    assert.equal(regionWithCursor(region, '|'), 'ab\nc|d');
  });
});

describe('next edit: history diffs', () => {
  it('records typing on one line as one hunk', () => {
    const history = new EditHistory();
    history.track('a', 'function f(rate) {\n  return rate;\n}');
    // Select "rate" and type "tax" then "Rate" over it, key by key.
    history.record('a', PATH, [change(0, 11, 15, 't')]);
    for (const [i, char] of [...'axRate'].entries())
      history.record('a', PATH, [change(0, 12 + i, 12 + i, char)]);
    assert.deepEqual(history.recent(), [
      { path: PATH, startLine: 0, oldLines: ['function f(rate) {'], newLines: ['function f(taxRate) {'] },
    ]);
    assert.deepEqual(history.linesOf('a'), ['function f(taxRate) {', '  return rate;', '}']);
  });

  it('starts a new hunk for an edit elsewhere, newest last', () => {
    const history = new EditHistory();
    history.track('a', 'a\nb\nc\nd');
    history.record('a', PATH, [change(0, 1, 1, '1')]);
    history.record('a', PATH, [change(3, 1, 1, '4')]);
    assert.deepEqual(
      history.recent().map((hunk) => [hunk.startLine, hunk.oldLines, hunk.newLines]),
      [
        [0, ['a'], ['a1']],
        [3, ['d'], ['d4']],
      ],
    );
  });

  it('records inserted and deleted lines with CRLF text', () => {
    const history = new EditHistory();
    history.track('a', 'one\r\ntwo\r\nthree');
    history.record('a', PATH, [change(1, 3, 3, '\r\nnew')]);
    assert.deepEqual(history.recent(), [{ path: PATH, startLine: 2, oldLines: [], newLines: ['new'] }]);
    history.record('a', PATH, [change(2, 3, 0, '', 3)]);
    assert.deepEqual(history.linesOf('a'), ['one', 'two', 'newthree']);
  });

  it('forgets an edit typed and taken back', () => {
    const history = new EditHistory();
    history.track('a', 'x');
    history.record('a', PATH, [change(0, 1, 1, 'y')]);
    history.record('a', PATH, [change(0, 1, 2, '')]);
    assert.deepEqual(history.recent(), []);
  });

  it('is bounded in hunks and lines, and forgets closed documents', () => {
    const history = new EditHistory({ maxHunks: 3, maxHunkLines: 2 });
    history.track('a', numbered(40).join('\n'));
    for (let i = 0; i < 6; i++) history.record('a', PATH, [change(i * 5, 0, 0, 'x')]);
    history.record('a', PATH, [change(35, 0, 0, 'p\nq\nr\ns\n')]);
    const recent = history.recent();
    assert.equal(recent.length, 3);
    assert.equal(recent[2].newLines.length, 2);
    history.forget('a');
    assert.deepEqual(history.recent(), []);
    assert.equal(history.isTracked('a'), false);
  });

  it('moves positions through changes', () => {
    const edit = change(2, 0, 3, 'abcd\nxy');
    assert.deepEqual(transformPosition({ line: 5, character: 4 }, edit), { line: 6, character: 4 });
    assert.deepEqual(transformPosition({ line: 2, character: 5 }, edit), { line: 3, character: 4 });
    assert.deepEqual(transformPosition({ line: 1, character: 9 }, edit), { line: 1, character: 9 });
  });
});

describe('next edit: prompt formats', () => {
  const lines = ['function f(taxRate) {', '  return rate;', '}'];
  const region = chooseRegion(lines, { line: 0, character: 18 }, regionShapeOf('chat'));
  const history = [
    { path: PATH, startLine: 0, oldLines: ['function f(rate) {'], newLines: ['function f(taxRate) {'] },
  ];
  const input = { path: PATH, languageId: 'typescript', region, history };
  const render = (built: BuiltPrompt) => {
    assert.equal(built.kind, 'raw');
    if (built.kind !== 'raw') throw new Error('raw');
    return built.render(
      built.pieces.map((piece) => piece.text),
      (path) => path.replace('/work/', ''),
    );
  };

  it('is chosen by model name or setting', () => {
    assert.equal(resolveNextEditFormat('auto', 'zed-industries/zeta'), 'zeta');
    assert.equal(resolveNextEditFormat('auto', 'zeta:7b-q4'), 'zeta');
    assert.equal(resolveNextEditFormat('auto', 'nate/instinct'), 'instinct');
    assert.equal(resolveNextEditFormat('auto', 'sweepai/sweep-next-edit-1.5B'), 'sweep');
    assert.equal(resolveNextEditFormat('auto', 'qwen2.5-coder:7b-instruct'), 'chat');
    assert.equal(resolveNextEditFormat('zeta', 'qwen2.5-coder:7b-instruct'), 'zeta');
  });

  it('chat: the edits and the marked region are fenced context, the instructions trusted', () => {
    const built = buildNextEditPrompt('chat', input);
    assert.equal(built.kind, 'chat');
    if (built.kind !== 'chat') return;
    assert.equal(built.context.length, 2);
    assert.equal(built.context[0].text, unifiedDiff(history[0]));
    assert.match(
      built.context[1].text,
      /<\|editable_region_start\|>\nfunction f\(taxRate<\|user_cursor_is_here\|>\) \{/,
    );
    assert.match(built.instructions, /code block/);
  });

  it("zeta: Zeta's sections, diff events and the marked excerpt, as a raw prompt", () => {
    const rendered = render(buildNextEditPrompt('zeta', input));
    assert.ok('prompt' in rendered);
    const prompt = (rendered as { prompt: string }).prompt;
    assert.match(prompt, /^### Instruction:\n/);
    assert.match(
      prompt,
      /### User Edits:\n\nUser edited "src\/a\.ts":\n```diff\n@@ -1,1 \+1,1 @@\n-function f\(rate\) \{\n\+function f\(taxRate\) \{\n```/,
    );
    assert.match(
      prompt,
      /### User Excerpt:\n\n```src\/a\.ts\n<\|start_of_file\|>\n<\|editable_region_start\|>\nfunction f\(taxRate<\|user_cursor_is_here\|>\) \{\n {2}return rate;\n\}\n<\|editable_region_end\|>\n```\n\n### Response:\n$/,
    );
  });

  it('instinct: a system and a user message, edits newest first', () => {
    const twoEdits = {
      ...input,
      history: [...history, { path: PATH, startLine: 2, oldLines: ['}'], newLines: ['} // end'] }],
    };
    const rendered = render(buildNextEditPrompt('instinct', twoEdits)) as {
      messages: { role: string; content: string }[];
    };
    assert.deepEqual(
      rendered.messages.map((message) => message.role),
      ['system', 'user'],
    );
    const user = rendered.messages[1].content;
    assert.ok(user.indexOf('} // end') < user.indexOf('+function f(taxRate)'), 'the newest edit comes first');
    assert.match(user, /### User Excerpt:\nsrc\/a\.ts\n\n```src\/a\.ts\n<\|start_of_file\|>/);
    assert.match(user, /### Response:$/);
  });

  it('sweep: one .diff block per edit, then original/, current/ with the cursor, and an open updated/', () => {
    const rendered = render(buildNextEditPrompt('sweep', input)) as { prompt: string };
    assert.equal(
      rendered.prompt,
      '<|file_sep|>src/a.ts.diff\noriginal:\nfunction f(rate) {\nupdated:\nfunction f(taxRate) {\n' +
        '<|file_sep|>original/src/a.ts:1:3\nfunction f(rate) {\n  return rate;\n}\n' +
        '<|file_sep|>current/src/a.ts:1:3\nfunction f(taxRate<|cursor|>) {\n  return rate;\n}\n' +
        '<|file_sep|>updated/src/a.ts:1:3\n',
    );
  });
});
