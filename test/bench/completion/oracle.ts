// The model the completion bench talks to: a script for the scripted model server that answers like
// a decent code model would. It finds where the request's prefix ends in the file being typed and
// answers with what really comes next there (the rest of the line, or at a block start the block),
// right with a fixed probability per position and otherwise with another line of the same file, so
// that both pipelines see the same, reproducible model.
import type { ScriptFunction, ScriptReply } from '../../fixtures/model-server';
import { hash } from './traces';

export interface OracleOptions {
  /** Probability that an answer at the start of a line is what the user goes on to type. */
  correctAtLineStart: number;
  /** The same, for a request in the middle of a line (the model has seen part of the line). */
  correctMidLine: number;
}

const TAIL_CHARS = 300;

export class OracleModel {
  readonly answers = { correct: 0, wrong: 0, unknown: 0 };
  private readonly files: string[] = [];
  /** Lines long enough to pass for code, per file (wrong answers are drawn from them). */
  private readonly codeLines = new Map<string, string[]>();

  constructor(private readonly options: OracleOptions) {}

  /** A file whose text the user types towards. */
  addFile(text: string): void {
    if (this.files.includes(text)) return;
    this.files.push(text);
    this.codeLines.set(
      text,
      text.split('\n').filter((line) => line.trim().length > 8),
    );
  }

  readonly script: ScriptFunction = (request) => this.answer(request.promptText, request.body);

  private answer(promptText: string, body: Record<string, unknown>): ScriptReply {
    const match = /<\|fim_prefix\|>([\s\S]*)<\|fim_suffix\|>[\s\S]*<\|fim_middle\|>$/.exec(promptText);
    const prefix = match?.[1] ?? '';
    const tail = prefix.slice(-TAIL_CHARS);
    for (const file of this.files) {
      const at = tail.length ? file.indexOf(tail) : -1;
      if (at < 0) continue;
      const position = at + tail.length;
      const oneLine = Array.isArray(body.stop) && body.stop.includes('\n');
      return { text: this.continuation(file, position, oneLine) };
    }
    this.answers.unknown++;
    return { text: '' };
  }

  private continuation(file: string, position: number, oneLine: boolean): string {
    const lineStart = file.lastIndexOf('\n', position - 1) + 1;
    const atLineStart = file.slice(lineStart, position).trim() === '';
    const chance = (hash(`${position}`) % 10_000) / 10_000;
    const correct = chance < (atLineStart ? this.options.correctAtLineStart : this.options.correctMidLine);
    const truth = oneLine ? restOfLine(file, position) : block(file, position);
    if (correct) {
      this.answers.correct++;
      return truth;
    }
    this.answers.wrong++;
    return otherLine(this.codeLines.get(file)!, position, truth);
  }
}

function restOfLine(file: string, position: number): string {
  const end = file.indexOf('\n', position);
  return file.slice(position, end < 0 ? file.length : end);
}

/** The rest of the block the cursor starts, plus the line after it (models run on past the end). */
function block(file: string, position: number): string {
  const lineStart = file.lastIndexOf('\n', position - 1) + 1;
  const above = file
    .slice(0, lineStart)
    .split('\n')
    .filter((line) => line.trim() !== '');
  const openerIndent = indentWidth(above[above.length - 1] ?? '');
  const lines = file.slice(position).split('\n');
  const taken = [lines[0]];
  for (let i = 1; i < lines.length && taken.length < 12; i++) {
    taken.push(lines[i]);
    if (lines[i].trim() !== '' && indentWidth(lines[i]) <= openerIndent) {
      if (i + 1 < lines.length) taken.push(lines[i + 1]);
      break;
    }
  }
  return taken.join('\n');
}

/** A plausible wrong answer: another line of the same file. */
function otherLine(lines: readonly string[], position: number, truth: string): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const candidate = lines[hash(`${position}:${attempt}`) % lines.length].trim();
    if (!truth.trimStart().startsWith(candidate.slice(0, 3))) return candidate;
  }
  return 'return;';
}

function indentWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    if (char === ' ') width++;
    else if (char === '\t') width += 4;
    else break;
  }
  return width;
}
