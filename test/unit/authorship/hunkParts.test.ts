// What an accepted hunk marks as the assistant's (only the stretches it changed, inserted lines as
// whole lines) and what a revert then does when people typed inside or at the end of them, in both
// back ends: a revert never takes text the assistant did not change, and never joins a person's
// line onto the next.
import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { changedParts } from '../../../src/authorship/authorship';
import { LocalAuthorship } from '../../../src/authorship/localAuthorship';
import { applyReplacements, planRevert } from '../../../src/authorship/revertPlan';
import {
  applySharedRevert,
  attributeHunk,
  insertHumanText,
  type SharedEditRecord,
  sharedAuthorshipView,
} from '../../../src/authorship/sharedAuthorship';
import { seededRandom } from '../../support/seededRandom';
import { meta } from './authorshipModel';

/** One scenario run through both back ends: accept a hunk, people type, revert everything. */
interface Scenario {
  readonly before: string;
  /** The hunk: replaces `replaced`, at `at` in `before`, with `inserted`. */
  readonly at: number;
  readonly replaced: string;
  readonly inserted: string;
  /** People's typing after the accept: insert `text` right after the first `after`. */
  readonly typed: { readonly after: string; readonly text: string }[];
}

interface Outcome {
  readonly marked: string[];
  readonly reverted: string;
}

function local(scenario: Scenario): Outcome {
  const offset = scenario.at;
  assert.equal(scenario.before.slice(offset, offset + scenario.replaced.length), scenario.replaced);
  let text =
    scenario.before.slice(0, offset) +
    scenario.inserted +
    scenario.before.slice(offset + scenario.replaced.length);
  const authorship = new LocalAuthorship();
  authorship.applyChange({ offset, deleted: scenario.replaced.length, inserted: scenario.inserted.length });
  authorship.attributeHunk(offset, scenario.replaced, scenario.inserted, meta('e1'));
  for (const { after, text: typed } of scenario.typed) {
    const at = text.indexOf(after) + after.length;
    text = text.slice(0, at) + typed + text.slice(at);
    authorship.applyChange({ offset: at, deleted: 0, inserted: typed.length });
  }
  const marked = authorship.runs.map((run) => text.slice(run.start, run.end));
  const plan = planRevert(authorship, () => true, text);
  return { marked, reverted: applyReplacements(text, plan.replacements) };
}

function shared(scenario: Scenario): Outcome {
  const doc = new Y.Doc();
  const ytext = doc.getText('t');
  const records = doc.getMap<SharedEditRecord>('authorship');
  ytext.insert(0, scenario.before);
  attributeHunk(ytext, records, scenario.at, scenario.replaced, scenario.inserted, meta('e1'));
  for (const { after, text: typed } of scenario.typed) {
    const now = ytext.toString();
    insertHumanText(ytext, now.indexOf(after) + after.length, typed);
  }
  const view = sharedAuthorshipView(ytext, records);
  const text = ytext.toString();
  const marked = view.runs.map((run) => text.slice(run.start, run.end));
  const plan = planRevert(view, () => true, text);
  applySharedRevert(ytext, records, plan.replacements, plan.edits);
  return { marked, reverted: ytext.toString() };
}

function bothBackEnds(scenario: Scenario, expected: Outcome): void {
  assert.deepEqual(local(scenario), expected, 'local file');
  assert.deepEqual(shared(scenario), expected, 'session file');
}

describe('authorship: what a hunk marks, and reverting it after people typed', () => {
  it('marks each change of a hunk apart; a revert keeps what lies between and restores the untouched one', () => {
    // Two changes in one hunk, with a person's "!" typed inside the second: the key between them
    // was never the assistant's, so it stays, and the first change (untouched) is undone exactly.
    bothBackEnds(
      {
        before: "const s = {\n  en: 'Hello',\n  fr: 'Bonjour',\n};\n",
        at: 12,
        replaced: "  en: 'Hello',\n  fr: 'Bonjour',\n",
        inserted: "  en: 'Hi there',\n  fr: 'Salut',\n",
        typed: [{ after: 'Sal', text: '!' }],
      },
      {
        marked: ['i there', 'Sal', 'ut'],
        reverted: "const s = {\n  en: 'Hello',\n  fr: '!',\n};\n",
      },
    );
  });

  it("keeps a person's text on its own line when they typed at the end of an assistant's line", () => {
    bothBackEnds(
      {
        before: 'def median(values):\n    ordered = sorted(values)\n',
        at: 20,
        replaced: '',
        inserted: '    """The middle value."""\n',
        typed: [{ after: '"""The middle value."""', text: '  # mine' }],
      },
      {
        marked: ['    """The middle value."""', '\n'],
        reverted: 'def median(values):\n  # mine\n    ordered = sorted(values)\n',
      },
    );
  });

  it('says where the line breaks it keeps are in the text it leaves', () => {
    // Typed at the end of both lines of an inserted pair: both of the assistant's line breaks stay.
    const text = 'one\nA1x\nA2y\ntwo\n';
    const authorship = new LocalAuthorship();
    authorship.attribute(4, 6, '', meta('e1'));
    authorship.applyChange({ offset: 6, deleted: 0, inserted: 1 });
    authorship.applyChange({ offset: 10, deleted: 0, inserted: 1 });
    assert.deepEqual(
      authorship.runs.map((run) => text.slice(run.start, run.end)),
      ['A1', '\nA2', '\n'],
    );
    const plan = planRevert(authorship, () => true, text);
    const reverted = applyReplacements(text, plan.replacements);
    assert.equal(reverted, 'one\nx\ny\ntwo\n');
    assert.deepEqual(plan.keptLineBreaks, [5, 7]);
    // A text change that leaves a line break as it was (the one after "y") is no change to an editor:
    // the plan names it so its mark can be changed apart.
    assert.ok(
      plan.replacements.some((r) => r.length === 1 && r.text === '\n' && text.charAt(r.offset) === '\n'),
    );
  });

  it("takes an inserted line whole, not from another line's indentation", () => {
    // A diff can place the new line after the next line's indentation; it is marked as whole lines.
    bothBackEnds(
      {
        before: 'def f(x):\n    return x\n',
        at: 10,
        replaced: '    return x\n',
        inserted: '    """Doc."""\n    return x\n',
        typed: [],
      },
      { marked: ['    """Doc."""\n'], reverted: 'def f(x):\n    return x\n' },
    );
  });

  it('takes the line break of an assistant line where only spaces of theirs are left (no empty line)', () => {
    bothBackEnds(
      {
        before: 'a\nb\n',
        at: 2,
        replaced: '',
        inserted: 'x = 1\n',
        typed: [{ after: 'x = ', text: ' ' }],
      },
      { marked: ['x = ', '1\n'], reverted: 'a\n b\n' },
    );
  });

  it('gives parts that rebuild the new text from the old, over random pairs', () => {
    const random = seededRandom(42);
    const alphabet = 'ab x\n_(é';
    const text = () => {
      let out = '';
      for (let i = Math.floor(random() * 14); i > 0; i--)
        out += alphabet[Math.floor(random() * alphabet.length)];
      return out;
    };
    for (let n = 0; n < 3000; n++) {
      const [before, after] = [text(), text()];
      const parts = changedParts(before, after);
      let rebuilt = before;
      for (const part of [...parts].reverse()) {
        assert.equal(before.slice(part.at, part.at + part.replaced.length), part.replaced);
        assert.equal(after.slice(part.offset, part.offset + part.inserted.length), part.inserted);
        rebuilt = rebuilt.slice(0, part.at) + part.inserted + rebuilt.slice(part.at + part.replaced.length);
      }
      assert.equal(rebuilt, after, JSON.stringify([before, after]));
      assert.ok(parts.every((part) => part.replaced !== part.inserted));
    }
  });
});
