// Keeps the workspace's instruction files and few-shot examples in memory, in step with the disk (a
// file watcher), so every feature can ask which apply to a file: synchronously for ghost text (what
// is loaded so far), or after loading for chat and proposals.

import * as vscode from 'vscode';
import {
  emptyInstructions,
  instructionGlobs,
  instructionKindOf,
  parseExample,
  parseInstructionFile,
  selectForPaths,
  selectInstructions,
  type FewShotExample,
  type InstructionFile,
  type ProjectInstructions,
} from '../projectInstructions';

/** Instruction files larger than this are not read (they would not fit any prompt budget anyway). */
const MAX_FILE_BYTES = 256 * 1024;
const MAX_FILES = 500;
const EXCLUDE = '{**/node_modules/**,**/.git/**}';

export class InstructionsService implements vscode.Disposable {
  private files: InstructionFile[] = [];
  private examples: FewShotExample[] = [];
  private loading: Promise<void> | undefined;
  private stale = true;
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the instruction files were (re)loaded. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.invalidate()),
    );
  }

  /**
   * The files that apply to `path` (a file being edited or asked about) from what is loaded now;
   * starts loading on first use, so the very first suggestion may go without them.
   */
  forFile(path: string | undefined): ProjectInstructions {
    if (this.stale) void this.ready();
    return selectInstructions(this.files, this.examples, path);
  }

  /** The same after loading, for every file a request is about: for chat and proposals. */
  async forPaths(paths: readonly string[]): Promise<ProjectInstructions> {
    await this.ready();
    return selectForPaths(this.files, this.examples, paths);
  }

  /** Resolves when the files on disk are loaded (again, after a change). */
  ready(): Promise<void> {
    if (!this.stale && this.loading) return this.loading;
    this.stale = false;
    this.watch();
    this.loading = this.load().catch((error: unknown) => {
      this.log.error(`Reading the project's instruction files failed: ${String(error)}`);
    });
    return this.loading;
  }

  get loaded(): ProjectInstructions {
    return this.files.length || this.examples.length
      ? { files: this.files, examples: this.examples }
      : emptyInstructions;
  }

  private invalidate(): void {
    this.stale = true;
  }

  private watch(): void {
    if (this.watcher) return;
    // A string glob is matched against absolute paths: the folder-relative ones (`.tandem/...`)
    // need a leading `**/` to match at all. A nested match only causes a reload, which reads exactly.
    // The folders count too: a file written into a folder just created may be reported only as the
    // folder's creation.
    const anywhere = [
      ...instructionGlobs.map((glob) => (glob.startsWith('**/') ? glob : `**/${glob}`)),
      '**/.github',
      '**/.github/instructions',
      '**/.tandem',
      '**/.tandem/examples',
    ];
    this.watcher = vscode.workspace.createFileSystemWatcher(`{${anywhere.join(',')}}`);
    const reload = () => {
      this.invalidate();
      void this.ready();
    };
    this.disposables.push(
      this.watcher,
      this.watcher.onDidCreate(reload),
      this.watcher.onDidChange(reload),
      this.watcher.onDidDelete(reload),
    );
  }

  private async load(): Promise<void> {
    // Loads can overlap (one per change event): only the latest one's result is kept.
    const generation = ++this.generation;
    const files: InstructionFile[] = [];
    const examples: FewShotExample[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const root = folder.uri.fsPath;
      const found = await vscode.workspace.findFiles(
        new vscode.RelativePattern(folder, `{${instructionGlobs.join(',')}}`),
        EXCLUDE,
        MAX_FILES,
      );
      for (const uri of found) {
        const kind = instructionKindOf(root, uri.fsPath);
        if (!kind) continue;
        const text = await this.read(uri);
        if (text === undefined) continue;
        if (kind === 'example') {
          const example = parseExample(root, uri.fsPath, text);
          if (example) examples.push(example);
          else this.log.warn(`${uri.fsPath}: an example needs a "Request" and an "Answer" heading; skipped`);
        } else {
          const file = parseInstructionFile(root, uri.fsPath, text);
          if (file?.body) files.push(file);
        }
      }
    }
    examples.sort((a, b) => a.path.localeCompare(b.path));
    if (generation !== this.generation) return;
    this.files = files;
    this.examples = examples;
    this.log.info(`Project instructions: ${files.length} file(s), ${examples.length} example(s)`);
    this.changed.fire();
  }

  private async read(uri: vscode.Uri): Promise<string | undefined> {
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_FILE_BYTES) {
        this.log.warn(`${uri.fsPath} is larger than ${MAX_FILE_BYTES / 1024} KB: not used as instructions`);
        return undefined;
      }
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch (error) {
      this.log.warn(`Could not read ${uri.fsPath}: ${String(error)}`);
      return undefined;
    }
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
