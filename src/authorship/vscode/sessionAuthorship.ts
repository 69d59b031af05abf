import * as vscode from 'vscode';
import * as Y from 'yjs';
import type { AuthoredRun, AuthorshipView } from '../authorship';
import { type AuthoredDeletion, deletionsOf } from '../fileSummary';
import type { AuthorshipMeta } from '../authorship';
import { planRevert, type RevertPlan, type TextReplacement } from '../revertPlan';
import {
  applySharedRevertInChunks,
  HUMAN_TEXT,
  lfLineCharacter,
  recordsToDrop,
  sharedAuthorshipView,
} from '../sharedAuthorship';
import { markReverted } from '../revertMarks';
import { DEFAULT_CHUNK_CHARS, insertedLength } from '../../collab/burstApply';
import type { ActiveSession } from '../../collab/vscode/activeSession';
import { stillBeingApplied } from '../../proposals/shared/sharedState';
import { within } from '../../server/wait';

const EMPTY_VIEW: AuthorshipView = { runs: [], edits: new Map() };

/** How long a revert waits for a binding to write it to the shared text before marking line breaks. */
const BINDING_WAIT_MS = 2000;

/** Waits until the file's binding has written what is pending between editor and shared text (2 s at most). */
async function bindingIdle(active: ActiveSession, uri: vscode.Uri): Promise<void> {
  await within(active.bindings.bindingFor(uri)?.whenIdle(), BINDING_WAIT_MS);
}

/** Origin of the host's removal of reverted edits' records (nobody's Undo brings them back). */
const RECORDS_ORIGIN = 'tandem-authorship-records';

/** A shared file with assistant edits, as Revert sees it. */
export interface SessionRevertFile {
  readonly uri: vscode.Uri;
  readonly view: AuthorshipView;
  /** The shared text now (LF), to check the editor holds the same before changing it. */
  readonly text: string;
}

/**
 * Authorship in the session this window is in: the assistant's characters of every shared file, read
 * from the `tandemAi` attributes of its Y.Text and the host's `authorship` records, for everyone
 * (host and guests alike). A source of hover and gutter marks, and of files for Revert.
 */
export class SessionAuthorship implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private active: ActiveSession | undefined;
  private detach: (() => void) | undefined;
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `chunkChars`: restored text longer than this is written in chunks of whole lines this size. */
  constructor(private readonly chunkChars = DEFAULT_CHUNK_CHARS) {}

  attach(active: ActiveSession | undefined): void {
    this.detach?.();
    this.detach = undefined;
    const before = this.active;
    this.active = active;
    // Marks of the session left (or the new one's) are redrawn.
    if (before) for (const path of before.session.document.texts.keys()) this.fire(before, path);
    if (!active) return;
    const document = active.session.document;
    const onTexts = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
      for (const event of events) {
        const path = event.target === document.texts ? undefined : event.path[0];
        if (typeof path === 'string') this.schedule(path);
        else if (event instanceof Y.YMapEvent) for (const key of event.keysChanged) this.schedule(key);
      }
    };
    const onRecords = () => {
      for (const path of document.texts.keys()) this.schedule(path);
    };
    document.texts.observeDeep(onTexts);
    document.authorship.observe(onRecords);
    // The shared text changes before the editor catches up (marks wait for both to agree).
    const onEditor = vscode.workspace.onDidChangeTextDocument((event) => {
      const path = active.sharedPathOf(event.document.uri);
      if (path !== undefined) this.schedule(path);
    });
    this.detach = () => {
      document.texts.unobserveDeep(onTexts);
      document.authorship.unobserve(onRecords);
      onEditor.dispose();
    };
    onRecords();
  }

  /** The assistant runs of a shared file's editor, in that document's offsets; undefined if not shared. */
  runsOf(document: vscode.TextDocument): readonly AuthoredRun[] | undefined {
    const found = this.viewIn(document);
    if (!found) return undefined;
    const { view, offsetOf } = found;
    return view.runs.map((run) => ({ start: offsetOf(run.start), end: offsetOf(run.end), meta: run.meta }));
  }

  /** A shared file's accepted edits that only deleted text, in its editor's offsets. */
  deletionsOf(document: vscode.TextDocument): readonly AuthoredDeletion[] {
    const found = this.viewIn(document);
    if (!found) return [];
    return deletionsOf(found.view).map((deletion) => ({ ...deletion, at: found.offsetOf(deletion.at) }));
  }

  /** A shared file's authorship, and how its offsets map to the editor's (LF vs CRLF). */
  private viewIn(
    document: vscode.TextDocument,
  ): { view: AuthorshipView; offsetOf: (offset: number) => number } | undefined {
    const path = this.active?.sharedPathOf(document.uri);
    const ytext = path === undefined ? undefined : this.active!.session.document.text(path);
    if (!ytext) return undefined;
    const lf = ytext.toString();
    // Mid-sync the editor may not hold the shared text yet: no marks rather than misplaced ones.
    if (document.getText().replace(/\r\n/g, '\n') !== lf) return { view: EMPTY_VIEW, offsetOf: (at) => at };
    const offsetOf = (offset: number) => {
      const { line, character } = lfLineCharacter(lf, offset);
      return document.offsetAt(new vscode.Position(line, character));
    };
    return { view: sharedAuthorshipView(ytext, this.active!.session.document.authorship), offsetOf };
  }

  /** The session's shared files with assistant edits (none outside a session). */
  files(): SessionRevertFile[] {
    const active = this.active;
    if (!active) return [];
    const document = active.session.document;
    const files: SessionRevertFile[] = [];
    for (const [path, ytext] of document.texts) {
      const uri = active.uriOf(path);
      if (!uri || !(ytext instanceof Y.Text)) continue;
      const view = sharedAuthorshipView(ytext, document.authorship);
      if (view.runs.length > 0 || view.edits.size > 0) files.push({ uri, view, text: ytext.toString() });
    }
    return files;
  }

  /** Why this participant may not revert the marks of a shared document (see `refusal`). */
  refusalFor(document: vscode.TextDocument): string | undefined {
    return this.active?.sharedPathOf(document.uri) === undefined ? undefined : this.refusal;
  }

  /** This participant's name in the session (what proposals they ask for carry), if in one. */
  get selfName(): string | undefined {
    return this.active?.session.selfName;
  }

  /** Why this participant may not change shared files, or undefined when they may. */
  get refusal(): string | undefined {
    return this.active?.session.readOnly
      ? 'you joined this session read-only: only the host and writers can revert the assistant’s edits'
      : undefined;
  }

  /**
   * Why these edits of `uri` cannot be reverted yet, if so: one is an accept still being written in
   * chunks, or this window's own large revert of that file is still being written.
   */
  notYetRevertible(edits: readonly string[], uri?: vscode.Uri): string | undefined {
    const active = this.active;
    if (!active) return undefined;
    const path = uri && active.sharedPathOf(uri);
    return (
      (path === undefined ? undefined : active.directWrites.busy(path)) ??
      stillBeingApplied(active.session.document, edits)
    );
  }

  /** Whether a revert of a shared file writing `replacements` is written in chunks (see `revertInChunks`). */
  isLargeRevert(replacements: readonly TextReplacement[]): boolean {
    return insertedLength(replacements) > this.chunkChars;
  }

  /**
   * Writes a large revert of a shared file straight into its shared text in chunks, as the host's
   * applier writes a large accept (src/collab/burstApply.ts): teammates' keystrokes pass between the
   * chunks, and text they type meanwhile stays where they typed it. Written with this participant's
   * direct origin, so their Undo takes the whole revert back as one step (keys they type themselves
   * while it is written are a step of their own, undone first) and the editor's binding shows it
   * like a teammate's edit.
   * The plan is made again from the shared text as it is now (teammates may have typed since the
   * command looked), in the same tick as the first chunk. Resolves once the last chunk is in and the
   * editor has caught up (or after a short wait).
   */
  async revertInChunks(
    uri: vscode.Uri,
    choose: (meta: AuthorshipMeta) => boolean,
    progress?: (done: number, total: number) => void,
  ): Promise<{ plan: RevertPlan; transactions: number } | { refused: string }> {
    const active = this.active;
    const path = active?.sharedPathOf(uri);
    const ytext = path === undefined ? undefined : active!.session.document.text(path);
    if (!active || path === undefined || !ytext) return { refused: `${uri.path} is no longer shared` };
    if (this.refusal) return { refused: this.refusal };
    const plan = planRevert(
      sharedAuthorshipView(ytext, active.session.document.authorship),
      choose,
      ytext.toString(),
    );
    const busy = this.notYetRevertible(plan.edits, uri);
    if (busy) return { refused: busy };
    const { replacements, edits } = plan;
    const write = active.directWrites.start(
      path,
      "a revert of the assistant's edits",
      insertedLength(replacements),
    );
    if (!write) return { refused: active.directWrites.busy(path)! };
    const undo = active.bindings.undo;
    let transactions: number;
    try {
      transactions = await applySharedRevertInChunks(ytext, undefined, replacements, edits, {
        origin: undo.directOrigin,
        undo: undo.managerFor(ytext),
        maxChunkChars: this.chunkChars,
        reverted: { by: active.session.selfName, edits: plan.takenBack },
        progress: (done, total) => {
          write.done = done;
          progress?.(done, total);
        },
      });
    } finally {
      active.directWrites.end(path, write);
    }
    await bindingIdle(active, uri);
    return { plan, transactions };
  }

  /**
   * Makes what this participant writes to these shared files from now until the returned function is
   * called one undo step of its own: the revert the binding writes, then its marks (`finishRevert`),
   * however long the binding takes to write it, and not merged with typing just before or after it.
   */
  oneUndoStep(uris: readonly vscode.Uri[]): () => void {
    const active = this.active;
    if (!active) return () => undefined;
    const held: { manager: Y.UndoManager; timeout: number }[] = [];
    for (const uri of uris) {
      const path = active.sharedPathOf(uri);
      const text = path === undefined ? undefined : active.session.document.text(path);
      if (!text) continue;
      const manager = active.bindings.undo.managerFor(text);
      manager.stopCapturing();
      held.push({ manager, timeout: manager.captureTimeout });
      manager.captureTimeout = Number.MAX_SAFE_INTEGER;
    }
    return () => {
      for (const { manager, timeout } of held.splice(0)) {
        manager.captureTimeout = timeout;
        manager.stopCapturing();
      }
    };
  }

  /**
   * After a revert written through the binding: the edits it took back (`edits`: its plan's
   * `takenBack`) are marked as reverted by this participant (src/authorship/revertMarks.ts: only
   * those with no character left), and the assistant line breaks it kept (`offsets` in the shared
   * text it left, which is `expected`) become people's. VS Code reports the revert's '\n' -> '\n' replacements as no change (checked in
   * the integration test), so the binding never rewrites them. Written with the binding's origin
   * before the revert's undo step closes: one Undo takes all of it back. The line breaks are skipped,
   * with their marks left as they are, when the shared text moved on meanwhile (someone typed).
   * Resolves with whether the line breaks were written (true when there were none).
   */
  async finishRevert(
    uri: vscode.Uri,
    expected: string,
    offsets: readonly number[],
    edits: readonly string[],
  ): Promise<boolean> {
    const active = this.active;
    const path = active?.sharedPathOf(uri);
    const ytext = path === undefined ? undefined : active!.session.document.text(path);
    if (!active || !ytext) return offsets.length === 0;
    // The revert reaches the shared text through the binding once it has written the editor's change.
    await bindingIdle(active, uri);
    const breaks = offsets.length > 0 && ytext.toString() === expected;
    active.session.document.doc.transact(() => {
      if (breaks)
        for (const offset of offsets)
          if (expected.charAt(offset) === '\n') ytext.format(offset, 1, { ...HUMAN_TEXT });
      markReverted(ytext, edits, active.session.selfName);
    }, active.session.origin);
    return offsets.length === 0 || breaks;
  }

  /**
   * After a revert: the host drops the records it can (they are host-only; see `recordsToDrop`): an
   * edit that wrote text keeps its record, so your Undo of the revert brings its marks back. A
   * guest's stay until the host's next revert of them; with their characters gone they change nothing.
   */
  forget(edits: readonly string[]): void {
    const active = this.active;
    if (!active || active.session.role !== 'host') return;
    const records = active.session.document.authorship;
    active.session.document.doc.transact(() => {
      for (const id of recordsToDrop(records, edits)) records.delete(id);
    }, RECORDS_ORIGIN);
  }

  private schedule(path: string): void {
    this.pending.add(path);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const active = this.active;
      const paths = [...this.pending];
      this.pending.clear();
      if (active) for (const changed of paths) this.fire(active, changed);
    }, 25);
  }

  private fire(active: ActiveSession, path: string): void {
    const uri = active.uriOf(path);
    if (uri) this.changed.fire(uri);
  }

  dispose(): void {
    this.detach?.();
    this.detach = undefined;
    this.active = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
