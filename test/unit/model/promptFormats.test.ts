import * as assert from 'node:assert/strict';
import {
  buildFimPrompt,
  detectPromptFormat,
  extractFill,
  FillFilter,
  resolvePromptFormat,
  stopTokens,
  type FimInput,
} from '../../../src/model';

// Golden prompts: the exact text each family's model sees. A changed character here changes completions.
const input: FimInput = { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' };
const withContext: FimInput = {
  ...input,
  filePath: 'src/calc.py',
  repoName: 'demo',
  lineComment: '#',
  snippets: [{ path: 'src/util.py', text: 'def double(x):\n    return 2 * x' }],
};

describe('FIM prompt formats (golden)', () => {
  it('Qwen2.5-Coder', () => {
    const prompt = buildFimPrompt('qwen', input);
    assert.deepEqual(prompt, {
      format: 'qwen',
      kind: 'completion',
      prompt: '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
      stop: [
        '<|endoftext|>',
        '<|fim_prefix|>',
        '<|fim_suffix|>',
        '<|fim_middle|>',
        '<|fim_pad|>',
        '<|repo_name|>',
        '<|file_sep|>',
        '<|im_start|>',
        '<|im_end|>',
      ],
    });
  });

  it('Qwen2.5-Coder with repository context', () => {
    assert.equal(
      (buildFimPrompt('qwen', withContext) as { prompt: string }).prompt,
      '<|repo_name|>demo\n<|file_sep|>src/util.py\ndef double(x):\n    return 2 * x\n<|file_sep|>src/calc.py\n' +
        '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
    );
  });

  it('DeepSeek-Coder (full-width bars and U+2581)', () => {
    const prompt = buildFimPrompt('deepseek', input);
    assert.equal(
      (prompt as { prompt: string }).prompt,
      '<｜fim▁begin｜>def add(a, b):\n    <｜fim▁hole｜>\n\nprint(add(1, 2))\n<｜fim▁end｜>',
    );
    assert.deepEqual(prompt.stop, [
      '<｜fim▁begin｜>',
      '<｜fim▁hole｜>',
      '<｜fim▁end｜>',
      '<｜end▁of▁sentence｜>',
      '<|EOT|>',
    ]);
    assert.equal(
      (buildFimPrompt('deepseek', withContext) as { prompt: string }).prompt,
      '<｜fim▁begin｜># Path: src/util.py\ndef double(x):\n    return 2 * x\ndef add(a, b):\n    <｜fim▁hole｜>\n\nprint(add(1, 2))\n<｜fim▁end｜>',
    );
  });

  it('StarCoder / StarCoder2', () => {
    const prompt = buildFimPrompt('starcoder', input);
    assert.equal(
      (prompt as { prompt: string }).prompt,
      '<fim_prefix>def add(a, b):\n    <fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>',
    );
    assert.deepEqual(prompt.stop, [
      '<|endoftext|>',
      '<fim_prefix>',
      '<fim_suffix>',
      '<fim_middle>',
      '<file_sep>',
    ]);
    assert.equal(
      (buildFimPrompt('starcoder', withContext) as { prompt: string }).prompt,
      '<file_sep>src/util.py\ndef double(x):\n    return 2 * x\n<file_sep>' +
        '<fim_prefix>def add(a, b):\n    <fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>',
    );
  });

  it('CodeLlama (spaces around the sentinels)', () => {
    const prompt = buildFimPrompt('codellama', input);
    assert.equal(
      (prompt as { prompt: string }).prompt,
      '<PRE> def add(a, b):\n     <SUF>\n\nprint(add(1, 2))\n <MID>',
    );
    assert.deepEqual(prompt.stop, ['<EOT>', '<PRE>', '<SUF>', '<MID>', '</s>']);
  });

  it('Codestral (suffix first)', () => {
    const prompt = buildFimPrompt('codestral', input);
    assert.equal(
      (prompt as { prompt: string }).prompt,
      '[SUFFIX]\n\nprint(add(1, 2))\n[PREFIX]def add(a, b):\n    ',
    );
    assert.deepEqual(prompt.stop, ['[PREFIX]', '[SUFFIX]', '[MIDDLE]', '</s>']);
  });

  it('CodeGemma', () => {
    const prompt = buildFimPrompt('codegemma', input);
    assert.equal(
      (prompt as { prompt: string }).prompt,
      '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
    );
    assert.deepEqual(prompt.stop, [
      '<|fim_prefix|>',
      '<|fim_suffix|>',
      '<|fim_middle|>',
      '<|file_separator|>',
      '<end_of_turn>',
      '<eos>',
    ]);
    assert.equal(
      (buildFimPrompt('codegemma', withContext) as { prompt: string }).prompt,
      '<|file_separator|>src/util.py\ndef double(x):\n    return 2 * x\n<|file_separator|>' +
        '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
    );
  });

  it('OpenAI-style suffix', () => {
    assert.deepEqual(buildFimPrompt('openai-suffix', input), {
      format: 'openai-suffix',
      kind: 'completion',
      prompt: 'def add(a, b):\n    ',
      suffix: '\n\nprint(add(1, 2))\n',
      stop: [],
    });
  });

  it('chat "fill the hole" for chat-only models', () => {
    const prompt = buildFimPrompt('chat', { ...input, filePath: 'src/calc.py', languageId: 'python' });
    assert.equal(prompt.kind, 'chat');
    assert.deepEqual(prompt, {
      format: 'chat',
      kind: 'chat',
      stop: ['</COMPLETION>'],
      messages: [
        {
          role: 'system',
          content:
            'You are a code completion engine inside an editor. You are given a file with a hole marked {{FILL_HERE}}. ' +
            'Reply with exactly the text that belongs in the hole, wrapped in <COMPLETION> and </COMPLETION>. ' +
            'Write no explanation and no Markdown fences. Do not repeat the code before or after the hole. ' +
            'Keep the indentation of the surrounding code. If nothing belongs there, reply <COMPLETION></COMPLETION>.',
        },
        {
          role: 'user',
          content:
            'Fill the hole in src/calc.py (python):\n<file>\ndef add(a, b):\n    {{FILL_HERE}}\n\nprint(add(1, 2))\n\n</file>',
        },
      ],
    });
  });
});

describe('prompt format detection', () => {
  const cases: [string, string][] = [
    ['qwen2.5-coder:1.5b-base', 'qwen'],
    ['Qwen/Qwen2.5-Coder-7B', 'qwen'],
    ['qwen2.5-coder-1.5b-q8_0.gguf', 'qwen'],
    ['qwen3-coder:30b', 'qwen'],
    ['codeqwen:7b-code', 'starcoder'],
    ['deepseek-coder:6.7b-base', 'deepseek'],
    ['deepseek-ai/deepseek-coder-1.3b-base', 'deepseek'],
    ['deepseek-coder-v2:16b', 'deepseek'],
    ['starcoder2:3b', 'starcoder'],
    ['bigcode/starcoder', 'starcoder'],
    ['stable-code:3b-code', 'starcoder'],
    ['granite-code:8b', 'starcoder'],
    ['codellama:7b-code', 'codellama'],
    ['CodeLlama-13b-hf', 'codellama'],
    ['codestral:22b', 'codestral'],
    ['codestral-latest', 'codestral'],
    ['codegemma:2b', 'codegemma'],
    ['gpt-4o-mini', 'chat'],
    ['llama3.1:8b', 'chat'],
    ['mistral:7b-instruct', 'chat'],
    ['gemma2:9b', 'chat'],
    ['my-custom-base-model', 'openai-suffix'],
  ];
  for (const [model, format] of cases) {
    it(`${model} -> ${format}`, () => assert.equal(detectPromptFormat(model), format));
  }

  it('the setting overrides detection', () => {
    assert.equal(resolvePromptFormat('auto', 'starcoder2:3b'), 'starcoder');
    assert.equal(resolvePromptFormat('codellama', 'starcoder2:3b'), 'codellama');
  });
});

describe('fill extraction', () => {
  it('cuts at the first stop token when the server ignored `stop`', () => {
    assert.equal(extractFill('qwen', 'return a + b<|endoftext|>junk'), 'return a + b');
    assert.equal(extractFill('codellama', 'x = 1 <EOT>more'), 'x = 1 ');
    assert.equal(extractFill('openai-suffix', 'anything<|endoftext|>'), 'anything<|endoftext|>');
  });

  it('unwraps the chat answer and a fence the model added anyway', () => {
    assert.equal(extractFill('chat', '<COMPLETION>return a + b</COMPLETION>'), 'return a + b');
    assert.equal(
      extractFill('chat', '<COMPLETION>```python\nreturn a + b\n```</COMPLETION>'),
      'return a + b',
    );
    assert.equal(extractFill('chat', 'return a + b'), 'return a + b');
    assert.equal(extractFill('chat', '<COMPLETION></COMPLETION>'), '');
  });

  it('streams only certain text: a possible stop token is held back until it is clear', () => {
    const filter = new FillFilter('qwen');
    assert.equal(filter.push('return a'), 'return a');
    assert.equal(filter.push(' + b<|'), ' + b');
    assert.equal(filter.push('fim'), '');
    assert.equal(filter.push('ish'), '<|fimish');
    assert.equal(filter.push('<|endoftext|> ignored'), '');
    assert.equal(filter.stopped, true);
    assert.equal(filter.push('more'), '');
    assert.equal(filter.text, 'return a + b<|fimish');
  });

  it('streams a chat fill without its wrapper', () => {
    const filter = new FillFilter('chat');
    const pieces = ['<COMP', 'LETION>', '```ts\n', 'return', ' 1;', '\n```', '</COMPLETION>'];
    const out = pieces.map((piece) => filter.push(piece)).join('') + filter.flush();
    assert.equal(out, 'return 1;');
    assert.deepEqual(stopTokens('chat'), ['</COMPLETION>']);
  });
});
