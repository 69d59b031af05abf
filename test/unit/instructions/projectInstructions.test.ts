import * as assert from 'node:assert/strict';
import {
  fillProjectBudget,
  fitInstructions,
  parseExample,
  parseInstructionFile,
  selectForPaths,
  selectInstructions,
  shownPath,
  type InstructionFile,
} from '../../../src/instructions/projectInstructions';
import { prepareFill } from '../../../src/completion/fillRequest';
import { LineDocument } from '../../../src/completion/documentText';
import { settings as fillSettings } from '../completion/engineHarness';
import { buildFimPrompt, ModelClient, RequestLog } from '../../../src/model';
import { ExclusionRules, SecretVault, TrustGate } from '../../../src/trust';

const example = (name: string, request: string, answer: string) =>
  parseExample(root, `${root}/.tandem/examples/${name}.md`, `# Request\n${request}\n# Answer\n${answer}\n`)!;

const root = '/work/app';
const file = (relative: string, text: string) => parseInstructionFile(root, `${root}/${relative}`, text)!;

const agents = file('AGENTS.md', 'Use tabs for indentation.');
const nestedAgents = file('packages/web/AGENTS.md', 'Web code uses React function components.');
const copilot = file('.github/copilot-instructions.md', 'Answer in British English.');
const tandem = file('.tandem/instructions.md', 'Never add dependencies without asking.');
const tsRules = file(
  '.github/instructions/ts.instructions.md',
  '---\napplyTo: "**/*.ts,**/*.tsx"\ndescription: TypeScript\n---\nPrefer `unknown` to `any`.\n',
);
const pyRules = file(
  '.github/instructions/py.instructions.md',
  '---\napplyTo: "**/*.py"\n---\nFollow PEP 8.\n',
);
const everywhere = file('docs/all.instructions.md', "---\napplyTo: '**'\n---\nKeep functions short.\n");
const all: InstructionFile[] = [agents, nestedAgents, copilot, tandem, tsRules, pyRules, everywhere];

describe('project instructions', () => {
  it('reads the kind, the applyTo globs and the body without front matter', () => {
    assert.equal(agents.kind, 'agents');
    assert.equal(copilot.kind, 'copilot');
    assert.equal(tandem.kind, 'tandem');
    assert.equal(tsRules.kind, 'scoped');
    assert.deepEqual(tsRules.applyTo, ['**/*.ts', '**/*.tsx']);
    assert.equal(tsRules.body, 'Prefer `unknown` to `any`.');
    assert.equal(parseInstructionFile(root, `${root}/README.md`, 'x'), undefined);
    // Front matter that is not YAML stays part of the text.
    assert.match(file('x.instructions.md', '---\n: : [\n---\nbody').body, /^---/);
  });

  it('chooses the repository-wide files, the nearest AGENTS.md and the scoped files that match', () => {
    const forTs = selectInstructions(all, [], `${root}/packages/web/src/app.ts`);
    assert.deepEqual(forTs.files.map(shownPath), [
      '.github/copilot-instructions.md',
      '.tandem/instructions.md',
      'packages/web/AGENTS.md',
      '.github/instructions/ts.instructions.md',
      'docs/all.instructions.md',
    ]);
    const forPy = selectInstructions(all, [], `${root}/tools/build.py`);
    assert.deepEqual(forPy.files.map(shownPath), [
      '.github/copilot-instructions.md',
      '.tandem/instructions.md',
      'AGENTS.md',
      '.github/instructions/py.instructions.md',
      'docs/all.instructions.md',
    ]);
    // Another workspace folder's files never apply.
    assert.deepEqual(selectInstructions(all, [], '/elsewhere/main.ts').files, []);
  });

  it('without a file, takes the root AGENTS.md and what applies everywhere; several files get the union', () => {
    assert.deepEqual(selectInstructions(all, [], undefined).files.map(shownPath), [
      '.github/copilot-instructions.md',
      '.tandem/instructions.md',
      'AGENTS.md',
      'docs/all.instructions.md',
    ]);
    const both = selectForPaths(all, [], [`${root}/a.ts`, `${root}/b.py`]);
    assert.ok(both.files.includes(tsRules) && both.files.includes(pyRules));
  });

  it('fits a budget keeping the most specific files, and says when one was cut', () => {
    const long = file('src/long.instructions.md', `---\napplyTo: "**"\n---\n${'x'.repeat(500)}`);
    const parts = fitInstructions({ files: [agents, long], examples: [] }, 200);
    assert.deepEqual(
      parts.map((part) => shownPath(part.file)),
      ['src/long.instructions.md'],
    );
    assert.ok(parts[0].text.length <= 200);
    assert.match(parts[0].text, /^From src\/long\.instructions\.md:\n/);
    assert.match(parts[0].text, /\[… cut short\]$/);
  });

  it('reads a few-shot example from its Request and Answer headings', () => {
    const example = parseExample(
      root,
      `${root}/.tandem/examples/rename.md`,
      '# Request\nRename x to total.\n\n## Answer\nI renamed it.\n',
    );
    assert.deepEqual([example?.request, example?.answer], ['Rename x to total.', 'I renamed it.']);
    assert.equal(parseExample(root, `${root}/.tandem/examples/bad.md`, 'just text'), undefined);
  });

  it('puts the instructions in a FIM prompt as a comment block, and in the system message of a chat fill', () => {
    const input = {
      prefix: 'def f():\n    ',
      suffix: '\n',
      lineComment: '#',
      instructions: 'From AGENTS.md:\nUse tabs.',
    };
    const fim = buildFimPrompt('qwen', input);
    assert.equal(
      fim.kind === 'completion' && fim.prompt,
      '<|fim_prefix|># Project instructions:\n# From AGENTS.md:\n# Use tabs.\ndef f():\n    <|fim_suffix|>\n<|fim_middle|>',
    );
    const chat = buildFimPrompt('chat', input);
    assert.ok(chat.kind === 'chat');
    assert.match(chat.messages[0].content, /Use tabs\.$/);
    assert.doesNotMatch(chat.messages[1].content, /Use tabs/);
    // Without instructions the prompt is the plain template (the golden tests pin it).
    const plain = buildFimPrompt('qwen', { prefix: 'a', suffix: 'b' });
    assert.equal(plain.kind === 'completion' && plain.prompt, '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>');
  });

  it("spends a fill's share on the instruction files first, then on whole examples in file-name order", () => {
    const first = example('01-guard', 'Add a guard.', 'if (!x) return;');
    const big = example('02-big', 'Write the parser.', 'x'.repeat(400));
    const third = example('03-log', 'Log it.', 'log(x);');
    const fourth = example('04-more', 'More.', 'more();');
    const project = { files: [agents], examples: [first, big, third, fourth] };
    const instructionChars = fitInstructions(project, 1000).reduce(
      (sum, part) => sum + part.text.length + 2,
      0,
    );
    // Room for the file and about 60 characters more: the big example is dropped, the smaller ones after
    // it still go, at most two.
    const small = fillProjectBudget(project, instructionChars + 60);
    assert.equal(small.instructionChars, instructionChars);
    assert.deepEqual(
      small.examples.map((e) => shownPath(e)),
      ['.tandem/examples/01-guard.md', '.tandem/examples/03-log.md'],
    );
    assert.equal(small.exampleChars, 'Add a guard.if (!x) return;Log it.log(x);'.length);
    // A share of 20 characters: too small for the file; of the examples only the 14-character one fits
    // (the 27-character first is dropped, and after the third only 6 characters are left).
    const tiny = fillProjectBudget(project, 20);
    assert.equal(tiny.instructionChars, 0);
    assert.deepEqual(
      tiny.examples.map((e) => e.request),
      ['Log it.'],
    );
    // Room for everything: still two at most, in file-name order.
    assert.deepEqual(
      fillProjectBudget(project, 10_000).examples.map((e) => e.request),
      ['Add a guard.', 'Write the parser.'],
    );
  });

  it('gives a ghost-text request its examples within a fifth of the prompt budget, taken from the code', () => {
    const doc = new LineDocument('a', `${root}/src/a.ts`, 'typescript', 'const a = 1;\n'.repeat(2000));
    const place = { doc, pos: { line: 1000, character: 0 }, indentUnit: '  ', tabSize: 2 };
    const settings = { ...fillSettings, maxPromptTokens: 1000 };
    const bare = prepareFill(place, settings, undefined, false);
    const withExample = prepareFill(place, settings, undefined, false, {
      files: [],
      examples: [
        example('01-guard', 'Add a guard.', 'if (!x) return;'),
        example('02-big', 'Big.', 'y'.repeat(800)),
      ],
    });
    // 1000 tokens x 0.2 x 3.5 = 700 characters: the 27-character example fits, the 804-character one does not.
    assert.equal(withExample.request.projectExampleChars, 27);
    assert.ok(withExample.request.project, 'the project goes with the request');
    const codeChars = (fill: typeof bare) => fill.request.prefix.length + fill.request.suffix.length;
    assert.ok(codeChars(withExample) < codeChars(bare), 'the code gave the example its room');
  });

  it("puts examples in a FIM prompt's comment block and in a chat fill's system message", () => {
    const input = {
      prefix: 'x = ',
      suffix: '\n',
      lineComment: '#',
      examples: [{ request: 'Add a guard.', answer: 'if not x:\n    return' }],
    };
    const fim = buildFimPrompt('qwen', input);
    assert.equal(
      fim.kind === 'completion' && fim.prompt,
      '<|fim_prefix|># Example request:\n# Add a guard.\n# Ideal answer:\n# if not x:\n#     return\nx = <|fim_suffix|>\n<|fim_middle|>',
    );
    const chat = buildFimPrompt('chat', input);
    assert.ok(chat.kind === 'chat');
    assert.match(
      chat.messages[0].content,
      /Examples from the project of what it expects:\n\nExample request:\nAdd a guard\.\nIdeal answer:\nif not x:\n {4}return$/,
    );
    assert.doesNotMatch(chat.messages[1].content, /Add a guard/);
  });
});

describe('project instructions through the trust gate', () => {
  const awsKey = 'AKIAFAKEQ2ZRT3ML7VB2';
  let gate: TrustGate;
  beforeEach(() => {
    const rules = new ExclusionRules({ roots: [root] });
    rules.setIgnoreFile(`${root}/.tandemignore`, 'private/\n');
    gate = new TrustGate({
      model: new ModelClient({ baseUrl: 'http://127.0.0.1:9/v1', log: new RequestLog() }),
      rules,
      vault: new SecretVault('1nst'),
    });
  });

  it('sends the instructions in the system message and the examples as earlier turns, redacted, and reports them', () => {
    const secretive = file('AGENTS.md', `Deploy with key ${awsKey}.`);
    const hidden = file('private/AGENTS.md', 'Internal only.');
    const example = parseExample(
      root,
      `${root}/.tandem/examples/one.md`,
      '# Request\nAdd a test.\n# Answer\nHere is the test.',
    )!;
    const prepared = gate.prepareChat({
      feature: 'panel',
      model: 'm',
      system: 'You are Tandem.',
      instructions: 'Fix the bug.',
      project: { files: [secretive, hidden, tsRules], examples: [example] },
    });
    const system = prepared.messages[0].content;
    assert.match(system, /^You are Tandem\.\n\nThe project's own instructions/);
    assert.match(system, /From AGENTS\.md:\nDeploy with key TANDEM_REDACTED_AWS_ACCESS_KEY_ID_1_1nst\./);
    assert.match(system, /From \.github\/instructions\/ts\.instructions\.md:\nPrefer `unknown`/);
    assert.ok(!system.includes(awsKey), 'the secret in AGENTS.md is not sent');
    assert.ok(!system.includes('Internal only'), 'an excluded instruction file is not sent');
    assert.deepEqual(
      prepared.messages.slice(1).map((message) => [message.role, message.content]),
      [
        ['user', 'Add a test.'],
        ['assistant', 'Here is the test.'],
        ['user', 'Fix the bug.'],
      ],
    );
    assert.deepEqual(prepared.report.instructions, [
      'AGENTS.md',
      '.github/instructions/ts.instructions.md',
      '.tandem/examples/one.md',
    ]);
    assert.equal(prepared.report.dropped[0].source.path, `${root}/private/AGENTS.md`);
    assert.match(prepared.report.dropped[0].message, /excluded by `private\/`/);
    assert.ok(
      prepared.report.attachment?.notes?.some((note) => note.startsWith('project instructions: AGENTS.md')),
    );
  });

  it('gives a fill only the characters its budget allows', () => {
    const prepared = gate.prepareFill({
      model: 'm',
      document: { path: `${root}/src/app.ts` },
      prefix: 'const a = ',
      suffix: ';\n',
      project: { files: [agents, tsRules], examples: [] },
      projectChars: 90,
    });
    assert.equal(
      prepared.input.instructions,
      'From .github/instructions/ts.instructions.md:\nPrefer `unknown` to `any`.',
    );
    assert.deepEqual(prepared.report.instructions, ['.github/instructions/ts.instructions.md']);
  });

  it('sends a fill the examples its budget allows, redacted, and reports them', () => {
    const awsKey2 = 'AKIAFAKEQ2ZRT3ML7VB2';
    const one = example('one', 'Connect.', `connect("${awsKey2}")`);
    const hidden = parseExample(root, `${root}/private/.tandem/examples/x.md`, '# Request\nA\n# Answer\nB\n');
    const prepared = gate.prepareFill({
      model: 'm',
      document: { path: `${root}/src/app.ts` },
      prefix: 'const a = ',
      suffix: ';\n',
      project: { files: [], examples: [one, ...(hidden ? [hidden] : [])] },
      projectChars: 0,
      projectExampleChars: 100,
    });
    assert.equal(prepared.input.examples?.length, 1);
    assert.equal(prepared.input.examples?.[0].answer, 'connect("TANDEM_REDACTED_AWS_ACCESS_KEY_ID_1_1nst")');
    assert.deepEqual(prepared.report.instructions, ['.tandem/examples/one.md']);
    // Without a budget for examples, none is sent.
    const none = gate.prepareFill({
      model: 'm',
      document: { path: `${root}/src/app.ts` },
      prefix: 'const a = ',
      suffix: ';\n',
      project: { files: [], examples: [one] },
      projectChars: 0,
    });
    assert.equal(none.input.examples, undefined);
  });
});
