/**
 * Draws items at the next animation frame, each at most once per frame and always in its newest
 * version: a finished answer often arrives in the same frame as its last streamed words, and the frame
 * must draw the finished one (status "done"), not the version the first request captured.
 */
export class RenderQueue<T extends { readonly id: string }> {
  private readonly pending = new Map<string, T>();

  constructor(
    private readonly schedule: (run: () => void) => void,
    private readonly render: (item: T) => void,
  ) {}

  push(item: T): void {
    const scheduled = this.pending.has(item.id);
    this.pending.set(item.id, item);
    if (scheduled) return;
    this.schedule(() => {
      const latest = this.pending.get(item.id) ?? item;
      this.pending.delete(item.id);
      this.render(latest);
    });
  }
}
