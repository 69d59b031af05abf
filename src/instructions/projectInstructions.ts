// The project's own rules for the assistant: `AGENTS.md`, `.github/copilot-instructions.md`,
// `.tandem/instructions.md`, `*.instructions.md` files with `applyTo` globs, and few-shot examples in
// `.tandem/examples/*.md`. Parsing and choosing the ones that apply to a file; no I/O here.

import ignore from 'ignore';
import { load as loadYaml } from 'js-yaml';

/** What kind of instruction file, by its name and place. */
export type InstructionKind = 'agents' | 'copilot' | 'tandem' | 'scoped';

export interface InstructionFile {
  /** Absolute path with forward slashes. */
  readonly path: string;
  /** The workspace folder it belongs to (absolute, forward slashes, no trailing slash). */
  readonly root: string;
  readonly kind: InstructionKind;
  /** `applyTo` globs of a `*.instructions.md` file, relative to the workspace folder. */
  readonly applyTo?: readonly string[];
  /** The text without its front matter. */
  readonly body: string;
}

/** A request and the ideal answer, from `.tandem/examples/*.md`. */
export interface FewShotExample {
  readonly path: string;
  readonly root: string;
  readonly request: string;
  readonly answer: string;
}

/** The rules and examples chosen for one request, nearest last. */
export interface ProjectInstructions {
  readonly files: readonly InstructionFile[];
  readonly examples: readonly FewShotExample[];
}

export const emptyInstructions: ProjectInstructions = { files: [], examples: [] };

/** Globs (relative to a workspace folder) that find every candidate file. */
export const instructionGlobs = [
  '**/AGENTS.md',
  '.github/copilot-instructions.md',
  '.tandem/instructions.md',
  '**/*.instructions.md',
  '.tandem/examples/*.md',
] as const;

const slash = (path: string) => path.replace(/\\/g, '/');

/** The kind of a path inside `root`, or undefined when it is not an instruction file. */
export function instructionKindOf(root: string, path: string): InstructionKind | 'example' | undefined {
  const relative = relativeTo(root, path);
  if (relative === undefined) return undefined;
  const name = relative.slice(relative.lastIndexOf('/') + 1);
  if (relative === '.github/copilot-instructions.md') return 'copilot';
  if (relative === '.tandem/instructions.md') return 'tandem';
  if (/^\.tandem\/examples\/[^/]+\.md$/.test(relative)) return 'example';
  if (name === 'AGENTS.md') return 'agents';
  if (name.endsWith('.instructions.md')) return 'scoped';
  return undefined;
}

function relativeTo(root: string, path: string): string | undefined {
  const base = slash(root).replace(/\/+$/, '');
  const full = slash(path);
  return full.startsWith(`${base}/`) ? full.slice(base.length + 1) : undefined;
}

/** Splits `---` front matter from the body; front matter that is not YAML is kept as body text. */
export function splitFrontMatter(text: string): { data: Record<string, unknown>; body: string } {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return { data: {}, body: text };
  try {
    const data = loadYaml(match[1]);
    if (data && typeof data === 'object' && !Array.isArray(data))
      return { data: data as Record<string, unknown>, body: text.slice(match[0].length) };
  } catch {
    // Not YAML: the file is read as plain text.
  }
  return { data: {}, body: text };
}

/** `applyTo: "**\/*.ts, src/**"` or a YAML list, as globs. */
function globsOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items
    .filter((item): item is string => typeof item === 'string')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Reads one instruction file; undefined for a path that is none. */
export function parseInstructionFile(root: string, path: string, text: string): InstructionFile | undefined {
  const kind = instructionKindOf(root, path);
  if (kind === undefined || kind === 'example') return undefined;
  const { data, body } = splitFrontMatter(text);
  const file = { path: slash(path), root: slash(root).replace(/\/+$/, ''), kind, body: body.trim() };
  return kind === 'scoped' ? { ...file, applyTo: globsOf(data.applyTo) } : file;
}

/**
 * Reads a few-shot example: the text under a `Request` heading and under an `Answer` heading (any
 * level, any case); undefined when either is missing.
 */
export function parseExample(root: string, path: string, text: string): FewShotExample | undefined {
  const { body } = splitFrontMatter(text);
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    const heading = /^#{1,6}\s+(request|answer)\b.*$/i.exec(line);
    if (heading) {
      current = [];
      sections.set(heading[1].toLowerCase(), current);
    } else current?.push(line);
  }
  const request = sections.get('request')?.join('\n').trim();
  const answer = sections.get('answer')?.join('\n').trim();
  if (!request || !answer) return undefined;
  return { path: slash(path), root: slash(root).replace(/\/+$/, ''), request, answer };
}

/** True when a scoped file's globs match `target` (a path inside its workspace folder). */
export function appliesTo(file: InstructionFile, target: string | undefined): boolean {
  if (file.kind !== 'scoped') return true;
  const globs = file.applyTo ?? [];
  if (globs.length === 0) return false;
  if (globs.some((glob) => glob === '**' || glob === '**/*' || glob === '*')) return true;
  if (target === undefined) return false;
  const relative = relativeTo(file.root, target);
  if (relative === undefined) return false;
  return ignore().add(globs).ignores(relative);
}

const ORDER: Record<InstructionKind, number> = { copilot: 0, tandem: 1, agents: 2, scoped: 3 };

/**
 * The files that apply to `target` (a file being edited or asked about; undefined: no file): the
 * repository-wide files of its workspace folder, the nearest `AGENTS.md` above it, and the
 * `*.instructions.md` files whose `applyTo` matches it. Without a target, every workspace folder's
 * repository-wide files and root `AGENTS.md`, and the scoped files that apply to everything.
 */
export function selectInstructions(
  files: readonly InstructionFile[],
  examples: readonly FewShotExample[],
  target: string | undefined,
): ProjectInstructions {
  const path = target === undefined ? undefined : slash(target);
  const inRoot = (root: string) => path === undefined || relativeTo(root, path) !== undefined;
  const chosen: InstructionFile[] = [];
  const agents = files.filter((file) => file.kind === 'agents' && inRoot(file.root));
  if (path === undefined) {
    chosen.push(...agents.filter((file) => file.path === `${file.root}/AGENTS.md`));
  } else {
    const nearest = agents
      .filter((file) => relativeTo(file.path.slice(0, file.path.lastIndexOf('/')), path) !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (nearest) chosen.push(nearest);
  }
  for (const file of files) {
    if (file.kind === 'agents' || !inRoot(file.root)) continue;
    if (file.kind === 'scoped' && !appliesTo(file, path)) continue;
    chosen.push(file);
  }
  chosen.sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.path.localeCompare(b.path));
  return { files: chosen, examples: examples.filter((example) => inRoot(example.root)) };
}

/** The union of what applies to each of `paths` (or, with none, what applies without a file). */
export function selectForPaths(
  files: readonly InstructionFile[],
  examples: readonly FewShotExample[],
  paths: readonly string[],
): ProjectInstructions {
  if (paths.length === 0) return selectInstructions(files, examples, undefined);
  const chosen = new Set<InstructionFile>();
  const chosenExamples = new Set<FewShotExample>();
  for (const path of paths) {
    const one = selectInstructions(files, examples, path);
    one.files.forEach((file) => chosen.add(file));
    one.examples.forEach((example) => chosenExamples.add(example));
  }
  return {
    files: [...chosen].sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.path.localeCompare(b.path)),
    examples: [...chosenExamples],
  };
}

/** A file's path as shown to people and models: relative to its workspace folder. */
export function shownPath(file: { path: string; root: string }): string {
  return relativeTo(file.root, file.path) ?? file.path;
}

/**
 * The instructions within `maxChars`, each file under a heading naming it, in reading order. When
 * not everything fits, the most specific files (the nearest, the scoped ones) are kept first; a file
 * cut short says so.
 */
export function fitInstructions(
  instructions: ProjectInstructions,
  maxChars: number,
): { file: InstructionFile; text: string }[] {
  const kept = new Map<InstructionFile, string>();
  let left = maxChars;
  for (const file of [...instructions.files].reverse()) {
    const heading = `From ${shownPath(file)}:\n`;
    if (left <= heading.length + 40) break;
    const room = left - heading.length;
    const body =
      file.body.length <= room ? file.body : `${file.body.slice(0, room - 16).trimEnd()}\n[… cut short]`;
    kept.set(file, heading + body);
    left -= heading.length + body.length + 2;
  }
  return instructions.files.flatMap((file) => {
    const text = kept.get(file);
    return text === undefined ? [] : [{ file, text }];
  });
}

/** Characters an example takes in a prompt (its request and answer; the labels around them are few). */
export function exampleSize(example: { request: string; answer: string }): number {
  return example.request.length + example.answer.length;
}

/**
 * The examples that fit in `maxChars` together, at most `maxCount`. The rule: examples are taken
 * whole, in the order given (file-name order: the author ranks them by naming them `01-…`, `02-…`);
 * one that does not fit in what is left is dropped, and later, smaller ones are still tried.
 */
export function fitExamples(
  examples: readonly FewShotExample[],
  maxChars: number,
  maxCount = 3,
): FewShotExample[] {
  const kept: FewShotExample[] = [];
  let left = maxChars;
  for (const example of examples) {
    const size = exampleSize(example);
    if (kept.length >= maxCount || size > left) continue;
    kept.push(example);
    left -= size;
  }
  return kept;
}

/** Examples a ghost-text or next-edit fill carries at most: the code needs the room. */
export const FILL_MAX_EXAMPLES = 2;

/**
 * How a fill prompt's share for the project (`maxChars`) is spent: the instruction files first (the
 * rules), then whole examples (fitExamples' rule, at most FILL_MAX_EXAMPLES) in what the files left.
 */
export function fillProjectBudget(
  project: ProjectInstructions,
  maxChars: number,
): { instructionChars: number; exampleChars: number; examples: FewShotExample[] } {
  const instructionChars = project.files.length
    ? fitInstructions(project, maxChars).reduce((sum, part) => sum + part.text.length + 2, 0)
    : 0;
  const examples = fitExamples(project.examples, maxChars - instructionChars, FILL_MAX_EXAMPLES);
  return { instructionChars, exampleChars: examples.reduce((sum, e) => sum + exampleSize(e), 0), examples };
}
