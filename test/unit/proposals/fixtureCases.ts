// Reads the parser/matcher fixture cases in test/fixtures/proposals/*.case. A case is sections:
//   === before <path> [crlf] [no-eol]   a file as it is before the answer
//   === answer [crlf] [no-eol]          the assistant's answer
//   === after <path> [crlf] [no-eol]    the exact proposed text (or `=== after <path> deleted`)
//   === failures                        the exact failure messages, one a line (none when absent)
// A section's text is its lines joined with LF plus a final LF; `crlf` turns every LF into CRLF and
// `no-eol` drops the final line break. Lines starting with `#` before the first section are comments.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FixtureCase {
  name: string;
  before: Map<string, string>;
  answer: string;
  after: Map<string, string | undefined>;
  failures: string[];
}

export const fixtureDir = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'proposals');

export function loadCases(): FixtureCase[] {
  return fs
    .readdirSync(fixtureDir)
    .filter((name) => name.endsWith('.case'))
    .sort()
    .map((name) =>
      parseCase(name.slice(0, -'.case'.length), fs.readFileSync(path.join(fixtureDir, name), 'utf8')),
    );
}

export function parseCase(name: string, source: string): FixtureCase {
  const result: FixtureCase = { name, before: new Map(), answer: '', after: new Map(), failures: [] };
  const lines = source.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let header: string[] | undefined;
  let body: string[] = [];
  const flush = () => {
    if (!header) return;
    const [kind, ...rest] = header;
    const flags = new Set(rest.filter((word) => ['crlf', 'no-eol', 'deleted'].includes(word)));
    const target = rest.find((word) => !flags.has(word));
    let text = body.length ? body.join('\n') + (flags.has('no-eol') ? '' : '\n') : '';
    if (flags.has('crlf')) text = text.replace(/\n/g, '\r\n');
    if (kind === 'before') result.before.set(target!, text);
    else if (kind === 'after') result.after.set(target!, flags.has('deleted') ? undefined : text);
    else if (kind === 'answer') result.answer = text;
    else if (kind === 'failures') result.failures = body.filter((line) => line !== '');
    else throw new Error(`${name}: unknown section ${kind}`);
  };
  for (const line of lines) {
    const match = /^=== (\w+)(.*)$/.exec(line);
    if (match) {
      flush();
      header = [match[1], ...match[2].trim().split(/\s+/).filter(Boolean)];
      body = [];
    } else if (header) body.push(line);
    else if (!line.startsWith('#') && line.trim() !== '')
      throw new Error(`${name}: text before the first section`);
  }
  flush();
  return result;
}
