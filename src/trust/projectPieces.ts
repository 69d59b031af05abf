// The project's instruction files and examples on their way through the gate: an excluded file is
// dropped (and said so), the rest are cut to the request's budget and redacted like any other text.

import {
  fitExamples,
  fitInstructions,
  shownPath,
  type ProjectInstructions,
} from '../instructions/projectInstructions';
import type { ExclusionRules } from './exclusion/exclusionRules';
import type { ReportBook } from './reportBook';

export interface AdmittedProject {
  /** The instruction files as one text (each under a heading naming it); '' when none. */
  readonly text: string;
  readonly examples: readonly { request: string; answer: string }[];
}

export function admitProject(
  book: ReportBook,
  rules: ExclusionRules,
  project: ProjectInstructions | undefined,
  budget: { instructionChars: number; exampleChars: number; maxExamples?: number },
): AdmittedProject {
  if (!project) return { text: '', examples: [] };
  const allowed = (path: string) => {
    if (!rules.check(path).excluded) return true;
    // Records why it was not sent.
    book.admit({ text: '', source: { kind: 'instructions', path } });
    return false;
  };
  const files = project.files.filter((file) => allowed(file.path));
  const parts: string[] = [];
  for (const part of fitInstructions({ files, examples: [] }, budget.instructionChars)) {
    for (const kept of book.admit({
      text: part.text,
      source: { kind: 'instructions', path: part.file.path },
    })) {
      parts.push(kept.text);
      book.usedInstructions(shownPath(part.file));
    }
  }
  const examples: { request: string; answer: string }[] = [];
  const candidates = project.examples.filter((example) => allowed(example.path));
  for (const example of fitExamples(candidates, budget.exampleChars, budget.maxExamples)) {
    const source = { kind: 'instructions' as const, path: example.path };
    const request = book.admit({ text: example.request, source })[0];
    const answer = book.admit({ text: example.answer, source })[0];
    if (!request || !answer) continue;
    examples.push({ request: request.text, answer: answer.text });
    book.usedInstructions(shownPath(example));
  }
  return { text: parts.join('\n\n'), examples };
}

/** How the instructions are introduced in a system message. */
export function instructionsSection(text: string): string {
  return `The project's own instructions for work in this repository (follow them unless the user asks otherwise):\n\n${text}`;
}
