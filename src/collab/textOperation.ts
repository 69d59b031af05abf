/**
 * A change to a whole text as a sequence of retain / insert / delete components (the classic
 * operational-transformation shape). The document binding needs it for one job: while remote
 * changes are still on their way into the editor (applyEdit is asynchronous), a local edit is
 * expressed against the editor's text, not against the shared text; `transform` re-bases each onto
 * the other so neither is lost and both sides end equal.
 *
 * Components: a positive number retains that many UTF-16 code units, a negative number deletes that
 * many, a string inserts itself. Offsets are in LF-only text (see eol.ts).
 */
export type OpComponent = number | string;

/** One replacement in base-text coordinates: replace [from, to) by `insert`. */
export interface TextReplacement {
  from: number;
  to: number;
  insert: string;
}

export class TextOperation {
  readonly ops: OpComponent[] = [];
  /** Length of the text this operation applies to. */
  baseLength = 0;
  /** Length of the text it produces. */
  targetLength = 0;

  retain(count: number): this {
    if (count <= 0) return this;
    this.baseLength += count;
    this.targetLength += count;
    const last = this.ops.length - 1;
    if (last >= 0 && typeof this.ops[last] === 'number' && (this.ops[last] as number) > 0)
      (this.ops[last] as number) += count;
    else this.ops.push(count);
    return this;
  }

  insert(text: string): this {
    if (text.length === 0) return this;
    this.targetLength += text.length;
    const ops = this.ops;
    const last = ops.length - 1;
    if (last >= 0 && typeof ops[last] === 'string') {
      ops[last] = (ops[last] as string) + text;
    } else if (last >= 0 && typeof ops[last] === 'number' && (ops[last] as number) < 0) {
      // Canonical order: an insert next to a delete goes first, so equal edits compare equal.
      if (last > 0 && typeof ops[last - 1] === 'string') ops[last - 1] = (ops[last - 1] as string) + text;
      else ops.splice(last, 0, text);
    } else {
      ops.push(text);
    }
    return this;
  }

  delete(count: number): this {
    if (count <= 0) return this;
    this.baseLength += count;
    const last = this.ops.length - 1;
    if (last >= 0 && typeof this.ops[last] === 'number' && (this.ops[last] as number) < 0)
      (this.ops[last] as number) -= count;
    else this.ops.push(-count);
    return this;
  }

  isNoop(): boolean {
    return this.ops.length === 0 || (this.ops.length === 1 && isRetain(this.ops[0]));
  }

  apply(text: string): string {
    if (text.length !== this.baseLength)
      throw new Error(`operation expects a text of ${this.baseLength} code units, got ${text.length}`);
    const parts: string[] = [];
    let index = 0;
    for (const op of this.ops) {
      if (typeof op === 'string') parts.push(op);
      else if (op > 0) {
        parts.push(text.slice(index, index + op));
        index += op;
      } else index -= op;
    }
    return parts.join('');
  }

  /** The replacements this operation makes, ascending and non-overlapping, in base coordinates. */
  replacements(): TextReplacement[] {
    const result: TextReplacement[] = [];
    let index = 0;
    let current: TextReplacement | undefined;
    for (const op of this.ops) {
      if (isRetain(op)) {
        if (current) result.push(current);
        current = undefined;
        index += op;
        continue;
      }
      current ??= { from: index, to: index, insert: '' };
      if (typeof op === 'string') current.insert += op;
      else {
        index -= op;
        current.to = index;
      }
    }
    if (current) result.push(current);
    return result;
  }

  /** The operation that replaces [from, to) of a text of `baseLength` code units by `insert`. */
  static replacement(baseLength: number, from: number, to: number, insert: string): TextOperation {
    if (from < 0 || to < from || to > baseLength)
      throw new RangeError(`replacement [${from}, ${to}) is outside a text of ${baseLength} code units`);
    return new TextOperation()
      .retain(from)
      .delete(to - from)
      .insert(insert)
      .retain(baseLength - to);
  }

  /** One operation with the effect of `a` then `b`. */
  static compose(a: TextOperation, b: TextOperation): TextOperation {
    if (a.targetLength !== b.baseLength)
      throw new Error(`cannot compose: first produces ${a.targetLength}, second expects ${b.baseLength}`);
    const result = new TextOperation();
    const first = new Cursor(a.ops);
    const second = new Cursor(b.ops);
    while (!first.done() || !second.done()) {
      const x = first.peek();
      const y = second.peek();
      if (x !== undefined && isDelete(x)) {
        result.delete(-first.take(-x));
        continue;
      }
      if (y !== undefined && typeof y === 'string') {
        result.insert(second.take(y.length) as string);
        continue;
      }
      if (x === undefined || y === undefined) throw new Error('compose: operations of mismatched length');
      const size = Math.min(lengthOf(x), lengthOf(y));
      const fromFirst = first.take(size);
      const fromSecond = second.take(size);
      if (isDelete(fromSecond)) {
        // b deletes what a retained or inserted: an insert that is deleted again leaves no trace.
        if (isRetain(fromFirst)) result.delete(size);
      } else if (typeof fromFirst === 'string') result.insert(fromFirst);
      else result.retain(size);
    }
    return result;
  }

  /**
   * For concurrent `a` and `b` on the same text, returns [a', b'] with apply(apply(t, a), b') ===
   * apply(apply(t, b), a'). Inserts at the same place: a's goes first. Text one side deletes is not
   * deleted again, and text one side inserts is never deleted by the other.
   */
  static transform(a: TextOperation, b: TextOperation): [TextOperation, TextOperation] {
    if (a.baseLength !== b.baseLength)
      throw new Error(`cannot transform: bases differ (${a.baseLength} vs ${b.baseLength})`);
    const aPrime = new TextOperation();
    const bPrime = new TextOperation();
    const first = new Cursor(a.ops);
    const second = new Cursor(b.ops);
    while (!first.done() || !second.done()) {
      const x = first.peek();
      const y = second.peek();
      if (x !== undefined && typeof x === 'string') {
        first.take(x.length);
        aPrime.insert(x);
        bPrime.retain(x.length);
        continue;
      }
      if (y !== undefined && typeof y === 'string') {
        second.take(y.length);
        aPrime.retain(y.length);
        bPrime.insert(y);
        continue;
      }
      if (x === undefined || y === undefined) throw new Error('transform: operations of mismatched length');
      const size = Math.min(lengthOf(x), lengthOf(y));
      first.take(size);
      second.take(size);
      if (isRetain(x) && isRetain(y)) {
        aPrime.retain(size);
        bPrime.retain(size);
      } else if (isDelete(x) && isRetain(y)) aPrime.delete(size);
      else if (isRetain(x) && isDelete(y)) bPrime.delete(size);
      // Both delete the same text: neither needs to delete it again.
    }
    return [aPrime, bPrime];
  }
}

function isRetain(op: OpComponent | undefined): op is number {
  return typeof op === 'number' && op > 0;
}

function isDelete(op: OpComponent | undefined): op is number {
  return typeof op === 'number' && op < 0;
}

function lengthOf(op: OpComponent): number {
  return typeof op === 'string' ? op.length : Math.abs(op);
}

/** Walks an op list, letting callers take components in pieces. */
class Cursor {
  private index = 0;
  private offset = 0;

  constructor(private readonly ops: readonly OpComponent[]) {}

  done(): boolean {
    return this.index >= this.ops.length;
  }

  /** The rest of the current component, or undefined at the end. */
  peek(): OpComponent | undefined {
    const op = this.ops[this.index];
    if (op === undefined) return undefined;
    if (typeof op === 'string') return op.slice(this.offset);
    return op > 0 ? op - this.offset : op + this.offset;
  }

  /** Takes up to `size` units of the current component and returns them as a component. */
  take(size: number): OpComponent {
    const op = this.ops[this.index];
    if (op === undefined) throw new Error('operation cursor ran past the end');
    const remaining = lengthOf(op) - this.offset;
    const taken = Math.min(size, remaining);
    const piece: OpComponent =
      typeof op === 'string' ? op.slice(this.offset, this.offset + taken) : op > 0 ? taken : -taken;
    if (taken === remaining) {
      this.index++;
      this.offset = 0;
    } else this.offset += taken;
    return piece;
  }
}
