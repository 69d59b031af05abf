// When a failed model request becomes a notification. A request the user asked for (a panel answer)
// is shown at most once per kind of failure every 30 s, so a broken server does not flood the window.
// A background request (ghost text, next edit) is shown once per kind and server, and again only after
// a request succeeded: a server that is not running stays in the status bar, not in a toast every
// half minute while the user types.
import type { ModelErrorKind } from './errors';

export const NOTIFY_EVERY_MS = 30_000;

export class NotificationPolicy {
  private readonly lastShown = new Map<string, number>();
  private readonly shownInBackground = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when this failure is to be shown now (and records that it was). */
  shouldShow(failure: { kind: ModelErrorKind | 'other'; url?: string; background?: boolean }): boolean {
    if (failure.background) {
      const key = `${failure.kind} ${failure.url ?? ''}`;
      if (this.shownInBackground.has(key)) return false;
      this.shownInBackground.add(key);
      return true;
    }
    const now = this.now();
    if (now - (this.lastShown.get(failure.kind) ?? -Infinity) < NOTIFY_EVERY_MS) return false;
    this.lastShown.set(failure.kind, now);
    return true;
  }

  /** A request succeeded: background failures are worth telling again. */
  succeeded(): void {
    this.shownInBackground.clear();
  }
}
