// `npm run bench -- coediting`: what Tandem's document binding costs, on a 5 MB CRLF file (the largest
// a session shares) and between two editors through the real collaboration server on 127.0.0.1:
// - local_keystroke_*: a keystroke in the editor until it is in the shared Y.Text (5 MB, CRLF);
// - remote_edit_*:     a peer's edit arriving until the editor is handed its document edit (5 MB, CRLF);
// - seed_5mb_ms, check_5mb_ms: sharing the file once; one consistency check of document vs shared text;
// - peer_keystroke_*:  a keystroke in one editor until the other editor shows it, through the server.
import WebSocket from 'ws';
import * as Y from 'yjs';
import { SessionConnection } from '../../src/collab/connection';
import { type BindableDocument, DocumentBinding } from '../../src/collab/documentBinding';
import { type DocumentContentChange, type DocumentEdit, type Eol, fromLf } from '../../src/collab/eol';
import { SessionDocument } from '../../src/collab/sessionDocument';
import { startCollabServer } from '../../src/server';
import { quantile, round, writeSuiteResult } from './results';

const LOCAL = { bench: 'local' };
const COUNT = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An editor document with an incrementally maintained line index (as VS Code keeps one), whose
 * edits apply at once and report their change event before resolving, like VS Code's.
 */
class BenchDocument implements BindableDocument {
  version = 1;
  private starts: number[] = [0];
  onChange: (changes: DocumentContentChange[], version: number) => void = () => undefined;
  onApply: () => void = () => undefined;

  constructor(
    private text: string,
    readonly eol: Eol,
  ) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  get length(): number {
    return this.text.length;
  }
  get lineCount(): number {
    return this.starts.length;
  }
  offsetAtLineStart(line: number): number {
    return this.starts[line] ?? this.text.length;
  }
  getText(): string {
    return this.text;
  }
  positionAt(offset: number): { line: number; character: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low, character: offset - this.starts[low] };
  }
  /** Applies one replacement and returns its change as VS Code reports it. */
  replace(offset: number, length: number, inserted: string): DocumentContentChange {
    const change = {
      range: { start: this.positionAt(offset), end: this.positionAt(offset + length) },
      rangeOffset: offset,
      rangeLength: length,
      text: inserted,
    };
    this.text = this.text.slice(0, offset) + inserted + this.text.slice(offset + length);
    // Shift the line index: cheap next to the text copy, as VS Code's piece tree makes it.
    const first = change.range.start.line + 1;
    const removedLines = change.range.end.line - change.range.start.line;
    const added: number[] = [];
    for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1))
      added.push(offset + i + 1);
    const delta = inserted.length - length;
    for (let i = first + removedLines; i < this.starts.length; i++) this.starts[i] += delta;
    this.starts.splice(first, removedLines, ...added);
    this.version++;
    return change;
  }
  userEdit(offset: number, length: number, inserted: string): void {
    const change = this.replace(offset, length, inserted);
    this.onChange([change], this.version);
  }
  applyEdits(edits: DocumentEdit[]): Promise<boolean> {
    this.onApply();
    const changes = [...edits]
      .sort((a, b) => b.offset - a.offset)
      .map((edit) => this.replace(edit.offset, edit.length, edit.text));
    this.onChange(changes, this.version);
    return Promise.resolve(true);
  }
}

/** A 5 MB source-like text with LF line ends (the shared form). */
function fiveMegabytes(): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 5 * 1024 * 1024 - 100; i++) {
    const line = `    const value${i} = compute(${i % 977}, "item ${i}"); // ünïcode 😀`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return lines.join('\n');
}

async function largeFile(): Promise<Record<string, number>> {
  const lf = fiveMegabytes();
  const ydoc = new Y.Doc();
  const session = new SessionDocument(ydoc);
  const seedStarted = performance.now();
  const { text } = session.seed('big.ts', lf, { eol: '\r\n', bom: false });
  const seedMs = performance.now() - seedStarted;
  const doc = new BenchDocument(fromLf(lf, '\r\n'), '\r\n');
  const binding = new DocumentBinding(text, doc, {
    origin: LOCAL,
    checkDelayMs: 60_000,
    checkMaxDelayMs: 60_000,
  });
  doc.onChange = (changes, version) => binding.handleDocumentChange(changes, version);

  let next = 7;
  const random = () => (next = (next * 1103515245 + 12345) % 2147483648) / 2147483648;
  const local: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const offset = doc.offsetAtLineStart(Math.floor(random() * doc.lineCount));
    const change = doc.replace(offset, 0, 'x');
    const started = performance.now();
    binding.handleDocumentChange([change], doc.version);
    local.push(performance.now() - started);
  }

  // A peer's Y.Doc, in sync; its edits reach ours as updates, as the provider applies them.
  const peer = new Y.Doc();
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(ydoc));
  const remote: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    let applied = 0;
    doc.onApply = () => (applied = performance.now());
    const peerText = peer.getMap<Y.Text>('texts').get('big.ts')!;
    const before = Y.encodeStateVector(ydoc);
    // At a line start (the texts are in sync here): a real editor never splits a surrogate pair.
    const line = Math.floor(random() * doc.lineCount);
    peerText.insert(doc.offsetAtLineStart(line) - line, 'peer\n');
    const update = Y.encodeStateAsUpdate(peer, before);
    const started = performance.now();
    Y.applyUpdate(ydoc, update, 'remote');
    await binding.whenIdle();
    remote.push(applied - started);
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(ydoc, Y.encodeStateVector(peer)));
  }
  const checks: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    if (!binding.checkConsistency()) throw new Error('the 5 MB document diverged from its shared text');
    checks.push(performance.now() - started);
  }
  binding.dispose();
  return {
    file_bytes: Buffer.byteLength(lf),
    local_keystroke_p50_ms: round(quantile(local, 0.5)),
    local_keystroke_p99_ms: round(quantile(local, 0.99)),
    remote_edit_p50_ms: round(quantile(remote, 0.5)),
    remote_edit_p99_ms: round(quantile(remote, 0.99)),
    seed_5mb_ms: round(seedMs, 1),
    check_5mb_ms: round(quantile(checks, 0.5), 1),
  };
}

async function throughServer(): Promise<Record<string, number>> {
  const server = await startCollabServer({ secret: 'coediting-bench-secret-0123456789' });
  const room = 'bench';
  // Side 0 hosts (only the host seeds a file's shared text: the server refuses anyone else's), side 1
  // is a read-write guest typing into it, as in a real session.
  const tokens = [
    server.createToken({ room, role: 'host', name: 'host' }),
    server.createToken({ room, role: 'rw', name: 'guest' }),
  ];
  const sides = tokens.map((token) => {
    const ydoc = new Y.Doc();
    const connection = new SessionConnection({
      serverUrl: server.url,
      room,
      token,
      doc: ydoc,
      WebSocketPolyfill: WebSocket,
    });
    return { ydoc, connection, session: new SessionDocument(ydoc) };
  });
  await Promise.all(sides.map((side) => side.connection.whenConnected()));
  sides[0].session.seed('notes.md', '# Notes\n', { eol: '\n', bom: false });
  while (!sides[1].session.text('notes.md')) await sleep(5);
  const docs = sides.map((side) => {
    const doc = new BenchDocument('# Notes\n', '\n');
    const binding = new DocumentBinding(side.session.text('notes.md')!, doc, { origin: LOCAL });
    doc.onChange = (changes, version) => binding.handleDocumentChange(changes, version);
    return { doc, binding };
  });
  const latencies: number[] = [];
  for (let i = 0; i < 200; i++) {
    const marker = `k${i};`;
    const started = performance.now();
    docs[0].doc.userEdit(docs[0].doc.length, 0, marker);
    while (!docs[1].doc.getText().endsWith(marker)) await new Promise((resolve) => setImmediate(resolve));
    latencies.push(performance.now() - started);
    await sleep(10);
  }
  for (const { binding } of docs) binding.dispose();
  for (const side of sides) side.connection.dispose();
  await server.close();
  return {
    peer_keystroke_p50_ms: round(quantile(latencies, 0.5)),
    peer_keystroke_p99_ms: round(quantile(latencies, 0.99)),
  };
}

async function main(): Promise<void> {
  const large = await largeFile();
  const peers = await throughServer();
  writeSuiteResult('coediting', { ...large, ...peers });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
