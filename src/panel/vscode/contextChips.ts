import * as vscode from 'vscode';
import {
  displayPathOf,
  isWorkspaceDocument,
  resolveNamedPath,
  trustPathOf,
} from '../../workspace/vscode/fileAddress';
import type { UntrustedPiece } from '../../trust';
import { rankPaths } from '../fileSearch';
import type { ChipRef, ChipView } from '../protocol';

const MAX_FILE_CHARS = 200_000;
const FILE_LIST_LIMIT = 20_000;

/**
 * Context the person can attach to a request: the selection, the active file, its problems, and files
 * picked with @. The panel takes focus away from the editor, so the last text editor is remembered.
 */
export class ContextChips implements vscode.Disposable {
  private lastEditor: vscode.TextEditor | undefined =
    vscode.window.activeTextEditor && isWorkspaceDocument(vscode.window.activeTextEditor.document)
      ? vscode.window.activeTextEditor
      : undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the chips on offer (active file, selection, problems) change. */
  readonly onDidChange = this.changed.event;
  private files: Promise<string[]> | undefined;
  private readonly disposables: vscode.Disposable[];

  /** `exclusion` says why a file is never sent to a model, or undefined when it may be. */
  constructor(private readonly exclusion: (path: string) => string | undefined = () => undefined) {
    this.disposables = [
      this.changed,
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && isWorkspaceDocument(editor.document)) {
          this.lastEditor = editor;
          this.changed.fire();
        }
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (
          event.textEditor === this.lastEditor ||
          (isWorkspaceDocument(event.textEditor.document) &&
            event.textEditor === vscode.window.activeTextEditor)
        ) {
          this.lastEditor = event.textEditor;
          this.changed.fire();
        }
      }),
      vscode.languages.onDidChangeDiagnostics(() => this.changed.fire()),
      vscode.workspace.onDidCreateFiles(() => (this.files = undefined)),
      vscode.workspace.onDidDeleteFiles(() => (this.files = undefined)),
      vscode.workspace.onDidRenameFiles(() => (this.files = undefined)),
    ];
  }

  get editor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active && isWorkspaceDocument(active.document)) this.lastEditor = active;
    if (this.lastEditor && this.lastEditor.document.isClosed) this.lastEditor = undefined;
    return this.lastEditor;
  }

  /** The chips on offer right now. */
  available(): ChipView[] {
    const editor = this.editor;
    if (!editor) return [];
    const path = displayPathOf(editor.document.uri);
    const name = path.split('/').pop() ?? path;
    const chips: ChipView[] = [];
    const selection = editor.selection;
    if (!selection.isEmpty) {
      const end =
        selection.end.character === 0 && selection.end.line > selection.start.line
          ? selection.end.line
          : selection.end.line + 1;
      chips.push({
        ref: { kind: 'selection' },
        label: `${name}:${selection.start.line + 1}-${end}`,
        detail: 'selection',
      });
    }
    chips.push({ ref: { kind: 'activeFile' }, label: name, detail: 'active file' });
    const problems = vscode.languages.getDiagnostics(editor.document.uri);
    if (problems.length)
      chips.push({
        ref: { kind: 'diagnostics' },
        label: `Problems in ${name}`,
        detail: `${problems.length} problem${problems.length > 1 ? 's' : ''}`,
      });
    // Everything offered here comes from this one file: if it is excluded, say so on each chip.
    const excluded = this.exclusion(trustPathOf(editor.document.uri));
    return excluded ? chips.map((chip) => ({ ...chip, excluded })) : chips;
  }

  /** Workspace files whose path matches `query` best (for @ mentions). */
  async search(query: string): Promise<string[]> {
    this.files ??= Promise.resolve(
      vscode.workspace.findFiles('**/*', '**/{node_modules,.git,dist,out}/**', FILE_LIST_LIMIT),
    ).then((uris) => uris.map(displayPathOf).sort());
    return rankPaths(await this.files, query, 20);
  }

  /** The text each chip stands for now, as untrusted pieces for the trust gate, and the chips' labels. */
  async resolve(
    refs: readonly ChipRef[],
  ): Promise<{ pieces: UntrustedPiece[]; labels: string[]; problems: string[] }> {
    const pieces: UntrustedPiece[] = [];
    const labels: string[] = [];
    const problems: string[] = [];
    const editor = this.editor;
    const seen = new Set<string>();
    for (const ref of refs) {
      const key = ref.kind === 'file' ? `file:${ref.path}` : ref.kind;
      if (seen.has(key)) continue;
      seen.add(key);
      if (ref.kind === 'file') {
        const resolved = resolveNamedPath(ref.path);
        if (!('uri' in resolved)) {
          problems.push(resolved.reason);
          continue;
        }
        const text = await readText(resolved.uri);
        if (text === undefined) {
          problems.push(`${ref.path} could not be read`);
          continue;
        }
        pieces.push(filePiece(resolved.uri, text));
        labels.push(`@${ref.path}`);
        continue;
      }
      if (!editor) {
        problems.push('no editor is open for the selection, file or problems');
        continue;
      }
      const document = editor.document;
      const path = trustPathOf(document.uri);
      if (ref.kind === 'activeFile') {
        pieces.push(filePiece(document.uri, document.getText()));
        labels.push(displayPathOf(document.uri));
      } else if (ref.kind === 'selection') {
        const selection = editor.selection;
        if (selection.isEmpty) continue;
        const startLine = selection.start.line;
        const endLine =
          selection.end.character === 0 && selection.end.line > startLine
            ? selection.end.line
            : selection.end.line + 1;
        const range = new vscode.Range(startLine, 0, endLine, 0);
        pieces.push({
          text: document.getText(range),
          source: { kind: 'selection', path, range: { startLine, endLine } },
          surroundings: { text: document.getText(), offset: document.offsetAt(range.start) },
        });
        labels.push(`${displayPathOf(document.uri)}:${startLine + 1}-${endLine}`);
      } else {
        const diagnostics = vscode.languages.getDiagnostics(document.uri);
        if (diagnostics.length === 0) continue;
        const text = diagnostics
          .map(
            (diagnostic) =>
              `${displayPathOf(document.uri)}:${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1} ${severityName(diagnostic.severity)}: ${diagnostic.message}${diagnostic.source ? ` (${diagnostic.source})` : ''}`,
          )
          .join('\n');
        pieces.push({ text, source: { kind: 'diagnostic', path, label: 'problems' } });
        labels.push(`problems in ${displayPathOf(document.uri)}`);
      }
    }
    return { pieces, labels, problems };
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

export function filePiece(uri: vscode.Uri, text: string): UntrustedPiece {
  const clipped = text.length > MAX_FILE_CHARS ? text.slice(0, MAX_FILE_CHARS) : text;
  const lines = clipped.split('\n').length;
  return {
    text: clipped,
    source: {
      kind: 'file',
      path: trustPathOf(uri),
      range: text.length > MAX_FILE_CHARS ? { startLine: 0, endLine: lines } : undefined,
    },
  };
}

export async function readText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder('utf-8', { fatal: false }).decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

function severityName(severity: vscode.DiagnosticSeverity): string {
  return ['error', 'warning', 'info', 'hint'][severity] ?? 'problem';
}
