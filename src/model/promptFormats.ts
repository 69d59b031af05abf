// Fill-in-the-middle prompt formats per model family. Each template is pinned by golden tests
// (test/unit/model/promptFormats.test.ts): a changed character here changes what models see.

import type { ChatMessage } from './types';

/** Families with their own FIM tokens, plus OpenAI-style `suffix` and a chat prompt for chat-only models. */
export type PromptFormat =
  'qwen' | 'deepseek' | 'starcoder' | 'codellama' | 'codestral' | 'codegemma' | 'openai-suffix' | 'chat';

/** The `tandem.model.promptFormat` setting: a format, or 'auto' to detect it from the model name. */
export type PromptFormatSetting = PromptFormat | 'auto';

export const promptFormats: readonly PromptFormat[] = [
  'qwen',
  'deepseek',
  'starcoder',
  'codellama',
  'codestral',
  'codegemma',
  'openai-suffix',
  'chat',
];

/** Another file given as context (repository-level prompts). */
export interface ContextSnippet {
  path: string;
  text: string;
}

/** What to fill: the text before and after the cursor, and optional context. */
export interface FimInput {
  prefix: string;
  suffix: string;
  /** Workspace-relative path of the file being edited. */
  filePath?: string;
  /** Repository (workspace folder) name, for formats that have a slot for it. */
  repoName?: string;
  /** Other files' text, most relevant last (closest to the cursor). */
  snippets?: readonly ContextSnippet[];
  /** Line comment of the file's language, used to label snippets for formats without file tokens. */
  lineComment?: string;
  /** Language id, named in the chat prompt. */
  languageId?: string;
  /**
   * The project's instructions (AGENTS.md and the like): a comment block ahead of the code for FIM
   * formats, part of the system message for the chat format.
   */
  instructions?: string;
  /** The project's few-shot examples (`.tandem/examples`), in the same place as the instructions. */
  examples?: readonly { request: string; answer: string }[];
}

/** A ready-to-send fill request: either a completion or a chat, plus how to read the answer. */
export type FimPrompt =
  | { format: PromptFormat; kind: 'completion'; prompt: string; suffix?: string; stop: readonly string[] }
  | { format: PromptFormat; kind: 'chat'; messages: ChatMessage[]; stop: readonly string[] };

const qwenStops = [
  '<|endoftext|>',
  '<|fim_prefix|>',
  '<|fim_suffix|>',
  '<|fim_middle|>',
  '<|fim_pad|>',
  '<|repo_name|>',
  '<|file_sep|>',
  '<|im_start|>',
  '<|im_end|>',
];
const deepseekStops = [
  '<｜fim▁begin｜>',
  '<｜fim▁hole｜>',
  '<｜fim▁end｜>',
  '<｜end▁of▁sentence｜>',
  '<|EOT|>',
];
const starcoderStops = ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<file_sep>'];
const codellamaStops = ['<EOT>', '<PRE>', '<SUF>', '<MID>', '</s>'];
const codestralStops = ['[PREFIX]', '[SUFFIX]', '[MIDDLE]', '</s>'];
const codegemmaStops = [
  '<|fim_prefix|>',
  '<|fim_suffix|>',
  '<|fim_middle|>',
  '<|file_separator|>',
  '<end_of_turn>',
  '<eos>',
];
export const chatHoleMarker = '{{FILL_HERE}}';
const chatStops = ['</COMPLETION>'];

/** Stop sequences of a format (what ends a fill). */
export function stopTokens(format: PromptFormat): readonly string[] {
  switch (format) {
    case 'qwen':
      return qwenStops;
    case 'deepseek':
      return deepseekStops;
    case 'starcoder':
      return starcoderStops;
    case 'codellama':
      return codellamaStops;
    case 'codestral':
      return codestralStops;
    case 'codegemma':
      return codegemmaStops;
    case 'chat':
      return chatStops;
    case 'openai-suffix':
      return [];
  }
}

/**
 * The format for a model name. Code families are recognised by name (Ollama tags, Hugging Face ids
 * and GGUF file names all contain it); chat-tuned general models get the chat prompt; anything else
 * gets OpenAI-style `suffix`, which servers such as Ollama turn into the model's own FIM template.
 */
export function detectPromptFormat(model: string): PromptFormat {
  const name = model.toLowerCase();
  if (/codestral/.test(name)) return 'codestral';
  if (/codegemma/.test(name)) return 'codegemma';
  if (/code-?llama/.test(name)) return 'codellama';
  if (/deepseek[-_ .]?coder/.test(name)) return 'deepseek';
  // CodeQwen 1.5 predates Qwen2.5-Coder's tokens and uses StarCoder's.
  if (/codeqwen/.test(name)) return 'starcoder';
  if (/qwen[\d.]*[-_ ]?coder/.test(name)) return 'qwen';
  if (/starcoder|stable-?code|granite[-_ .]?\d*[-_ .]?code/.test(name)) return 'starcoder';
  if (
    /(^|[/:_-])(gpt-|o\d|chatgpt|claude|gemini)|instruct|chat|[-_:]it\b|llama[-_ ]?\d|mistral|mixtral|phi[-_]?\d|gemma|qwen/.test(
      name,
    )
  )
    return 'chat';
  return 'openai-suffix';
}

/** The setting resolved against a model name. */
export function resolvePromptFormat(setting: PromptFormatSetting, model: string): PromptFormat {
  return setting === 'auto' ? detectPromptFormat(model) : setting;
}

/** A few-shot example as plain text, for prompts without turns (a comment block, a system message). */
function exampleText(example: { request: string; answer: string }): string {
  return `Example request:\n${example.request}\nIdeal answer:\n${example.answer}`;
}

/** The instructions and examples as line comments of the file's language, ending in a newline; '' when none. */
function instructionsComment(input: FimInput): string {
  const parts = [
    input.instructions ? `Project instructions:\n${input.instructions}` : '',
    ...(input.examples ?? []).map(exampleText),
  ].filter(Boolean);
  if (!parts.length) return '';
  const comment = input.lineComment ?? '//';
  const lines = parts.join('\n').split('\n');
  return lines.map((line) => (line ? `${comment} ${line}` : comment)).join('\n') + '\n';
}

function commentedSnippets(input: FimInput): string {
  const comment = input.lineComment ?? '//';
  return (input.snippets ?? [])
    .map((snippet) => {
      const body = snippet.text.endsWith('\n') ? snippet.text : `${snippet.text}\n`;
      return `${comment} Path: ${snippet.path}\n${body}`;
    })
    .join('');
}

/** Snippets joined with a family's file separator token: `<sep>path\ntext\n` each. */
function separatedSnippets(snippets: readonly ContextSnippet[] | undefined, separator: string): string {
  return (snippets ?? [])
    .map(
      (snippet) =>
        `${separator}${snippet.path}\n${snippet.text.endsWith('\n') ? snippet.text : `${snippet.text}\n`}`,
    )
    .join('');
}

function qwenPrompt(input: FimInput): string {
  const fim = `<|fim_prefix|>${instructionsComment(input)}${input.prefix}<|fim_suffix|>${input.suffix}<|fim_middle|>`;
  // Qwen2.5-Coder's repository-level format: only when there is context to give.
  if (!input.snippets?.length) return fim;
  const repo = `<|repo_name|>${input.repoName ?? 'workspace'}\n`;
  const current = `<|file_sep|>${input.filePath ?? 'current'}\n`;
  return repo + separatedSnippets(input.snippets, '<|file_sep|>') + current + fim;
}

function starcoderPrompt(input: FimInput): string {
  const fim = `<fim_prefix>${instructionsComment(input)}${input.prefix}<fim_suffix>${input.suffix}<fim_middle>`;
  if (!input.snippets?.length) return fim;
  return separatedSnippets(input.snippets, '<file_sep>') + '<file_sep>' + fim;
}

function codegemmaPrompt(input: FimInput): string {
  const fim = `<|fim_prefix|>${instructionsComment(input)}${input.prefix}<|fim_suffix|>${input.suffix}<|fim_middle|>`;
  if (!input.snippets?.length) return fim;
  return separatedSnippets(input.snippets, '<|file_separator|>') + '<|file_separator|>' + fim;
}

const chatSystemPrompt =
  'You are a code completion engine inside an editor. You are given a file with a hole marked ' +
  `${chatHoleMarker}. Reply with exactly the text that belongs in the hole, wrapped in <COMPLETION> and ` +
  '</COMPLETION>. Write no explanation and no Markdown fences. Do not repeat the code before or after the ' +
  'hole. Keep the indentation of the surrounding code. If nothing belongs there, reply <COMPLETION></COMPLETION>.';

function chatMessages(input: FimInput): ChatMessage[] {
  const language = input.languageId ? ` (${input.languageId})` : '';
  const context = (input.snippets ?? [])
    .map((snippet) => `Related file ${snippet.path}:\n<file>\n${snippet.text}\n</file>\n\n`)
    .join('');
  const file = input.filePath ?? 'untitled';
  const user =
    `${context}Fill the hole in ${file}${language}:\n<file>\n` +
    `${input.prefix}${chatHoleMarker}${input.suffix}\n</file>`;
  const examples = (input.examples ?? []).map(exampleText).join('\n\n');
  const system = [
    chatSystemPrompt,
    input.instructions
      ? `The project's own instructions (follow them in what you write):\n\n${input.instructions}`
      : '',
    examples ? `Examples from the project of what it expects:\n\n${examples}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/** Builds the exact request for a fill in `format`. */
export function buildFimPrompt(format: PromptFormat, input: FimInput): FimPrompt {
  const stop = stopTokens(format);
  const snippets = commentedSnippets(input);
  const instructions = instructionsComment(input);
  switch (format) {
    case 'qwen':
      return { format, kind: 'completion', prompt: qwenPrompt(input), stop };
    case 'deepseek':
      return {
        format,
        kind: 'completion',
        prompt: `<｜fim▁begin｜>${instructions}${snippets}${input.prefix}<｜fim▁hole｜>${input.suffix}<｜fim▁end｜>`,
        stop,
      };
    case 'starcoder':
      return { format, kind: 'completion', prompt: starcoderPrompt(input), stop };
    case 'codellama':
      return {
        format,
        kind: 'completion',
        prompt: `<PRE> ${instructions}${snippets}${input.prefix} <SUF>${input.suffix} <MID>`,
        stop,
      };
    case 'codestral':
      return {
        format,
        kind: 'completion',
        prompt: `[SUFFIX]${input.suffix}[PREFIX]${instructions}${snippets}${input.prefix}`,
        stop,
      };
    case 'codegemma':
      return { format, kind: 'completion', prompt: codegemmaPrompt(input), stop };
    case 'openai-suffix':
      return {
        format,
        kind: 'completion',
        prompt: instructions + snippets + input.prefix,
        suffix: input.suffix,
        stop,
      };
    case 'chat':
      return { format, kind: 'chat', messages: chatMessages(input), stop };
  }
}
