/**
 * Undo that is yours: one Y.UndoManager per shared text, tracking only transactions with this
 * participant's origin. A teammate's edits are never undone, and yours are undone even after theirs
 * moved them (Yjs undoes by item, not by offset). Consecutive edits within `captureTimeoutMs` undo
 * together, like typing a word.
 */
import * as Y from 'yjs';

export class OwnUndo {
  private readonly managers = new Map<Y.Text, Y.UndoManager>();
  /**
   * Origin of your edits written straight into the shared text rather than typed in the editor (a
   * large revert written in chunks): your Undo takes them like typing, and the editor's binding,
   * which skips its own origin's transactions, brings them into the editor like a teammate's.
   */
  readonly directOrigin: object = { direct: true };

  constructor(
    private readonly origin: unknown,
    private readonly captureTimeoutMs = 500,
  ) {}

  managerFor(text: Y.Text): Y.UndoManager {
    let manager = this.managers.get(text);
    if (!manager) {
      manager = new Y.UndoManager(text, {
        trackedOrigins: new Set([this.origin, this.directOrigin]),
        captureTimeout: this.captureTimeoutMs,
      });
      this.managers.set(text, manager);
    }
    return manager;
  }

  /** Undoes your last edit to `text`; false when there is nothing of yours to undo. */
  undo(text: Y.Text): boolean {
    return this.managerFor(text).undo() !== null;
  }

  redo(text: Y.Text): boolean {
    return this.managerFor(text).redo() !== null;
  }

  canUndo(text: Y.Text): boolean {
    return this.managers.get(text)?.canUndo() ?? false;
  }

  canRedo(text: Y.Text): boolean {
    return this.managers.get(text)?.canRedo() ?? false;
  }

  /** Ends the current capture group, so the next edit undoes separately. */
  stopCapturing(text: Y.Text): void {
    this.managers.get(text)?.stopCapturing();
  }

  forget(text: Y.Text): void {
    this.managers.get(text)?.destroy();
    this.managers.delete(text);
  }

  dispose(): void {
    for (const manager of this.managers.values()) manager.destroy();
    this.managers.clear();
  }
}
