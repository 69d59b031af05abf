/**
 * Large writes this participant is making straight into shared texts, in chunks (a revert of many
 * lines): while one runs in a file, this participant's other changes to that file's shared text
 * that would meet it (another revert, accepting or undoing a proposal there) wait until it is in,
 * and are told how far it has got. One per session.
 */
export interface DirectWrite {
  /** What is being written, for messages ("a revert of the assistant's edits"). */
  readonly what: string;
  done: number;
  readonly total: number;
}

export class DirectWrites {
  private readonly writes = new Map<string, DirectWrite>();

  /** Starts a write into `path`; undefined when one is already running there. */
  start(path: string, what: string, total: number): DirectWrite | undefined {
    if (this.writes.has(path)) return undefined;
    const write: DirectWrite = { what, done: 0, total };
    this.writes.set(path, write);
    return write;
  }

  end(path: string, write: DirectWrite): void {
    if (this.writes.get(path) === write) this.writes.delete(path);
  }

  /** Why `path`'s shared text should not be changed by another such action now, if so. */
  busy(path: string): string | undefined {
    const write = this.writes.get(path);
    if (!write) return undefined;
    const share = write.total > 0 ? ` (${Math.floor((100 * write.done) / write.total)}% written)` : '';
    return `${write.what} in ${path} is still being written${share}; try again once it is in`;
  }
}
