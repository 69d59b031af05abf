/**
 * A line diff fast enough for 20,000-line files: lines are interned to integers once; each range is
 * trimmed of its common prefix and suffix; lines that occur exactly once on both sides (patience
 * anchors, kept in their longest increasing order) split the range into small gaps; only the gaps
 * without anchors go through Myers' O(ND) algorithm. A gap whose edit distance passes `maxCost` is
 * reported as one replacement rather than searched further, which keeps the worst case bounded.
 */

/** A changed region: lines [aStart, aEnd) of the old text became lines [bStart, bEnd) of the new. */
export interface LineChange {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

export interface LineDiffOptions {
  /** Edit distance (lines) past which a gap without anchors is treated as one replacement. */
  maxCost?: number;
  /** Compare lines through this key (e.g. trimmed), default: the line itself. */
  key?: (line: string) => string;
  /** Split ranges on lines unique to both sides first (default true); false gives a minimal diff. */
  patience?: boolean;
}

const DEFAULT_MAX_COST = 2000;

export function diffLines(
  a: readonly string[],
  b: readonly string[],
  options: LineDiffOptions = {},
): LineChange[] {
  const ids = new Map<string, number>();
  const key = options.key;
  const intern = (lines: readonly string[]): Int32Array => {
    const out = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const text = key ? key(lines[i]) : lines[i];
      let id = ids.get(text);
      if (id === undefined) {
        id = ids.size;
        ids.set(text, id);
      }
      out[i] = id;
    }
    return out;
  };
  const A = intern(a);
  const B = intern(b);
  const differ = new RangeDiffer(
    A,
    B,
    ids.size,
    options.maxCost ?? DEFAULT_MAX_COST,
    options.patience ?? true,
  );
  differ.run();
  return differ.result();
}

class RangeDiffer {
  private readonly changes: LineChange[] = [];
  private readonly countA: Int32Array;
  private readonly countB: Int32Array;
  private readonly posA: Int32Array;
  private readonly posB: Int32Array;
  private readonly stamp: Int32Array;
  private generation = 0;

  constructor(
    private readonly A: Int32Array,
    private readonly B: Int32Array,
    idCount: number,
    private readonly maxCost: number,
    private readonly patience: boolean,
  ) {
    this.countA = new Int32Array(idCount);
    this.countB = new Int32Array(idCount);
    this.posA = new Int32Array(idCount);
    this.posB = new Int32Array(idCount);
    this.stamp = new Int32Array(idCount);
  }

  run(): void {
    // An explicit stack instead of recursion: deeply nested anchor gaps cannot overflow the call stack.
    const stack: number[] = [0, this.A.length, 0, this.B.length];
    while (stack.length) {
      const bHi0 = stack.pop()!;
      const bLo0 = stack.pop()!;
      const aHi0 = stack.pop()!;
      const aLo0 = stack.pop()!;
      let aLo = aLo0;
      let bLo = bLo0;
      let aHi = aHi0;
      let bHi = bHi0;
      const { A, B } = this;
      while (aLo < aHi && bLo < bHi && A[aLo] === B[bLo]) {
        aLo++;
        bLo++;
      }
      while (aLo < aHi && bLo < bHi && A[aHi - 1] === B[bHi - 1]) {
        aHi--;
        bHi--;
      }
      if (aLo === aHi || bLo === bHi) {
        if (aLo !== aHi || bLo !== bHi) this.changes.push({ aStart: aLo, aEnd: aHi, bStart: bLo, bEnd: bHi });
        continue;
      }
      const anchors = this.patience ? this.uniqueAnchors(aLo, aHi, bLo, bHi) : [];
      if (anchors.length === 0) {
        this.myers(aLo, aHi, bLo, bHi);
        continue;
      }
      let prevA = aLo;
      let prevB = bLo;
      for (let i = 0; i < anchors.length; i += 2) {
        stack.push(prevA, anchors[i], prevB, anchors[i + 1]);
        prevA = anchors[i] + 1;
        prevB = anchors[i + 1] + 1;
      }
      stack.push(prevA, aHi, prevB, bHi);
    }
  }

  result(): LineChange[] {
    const sorted = this.changes.sort((x, y) => x.aStart - y.aStart || x.bStart - y.bStart);
    const merged: LineChange[] = [];
    for (const change of sorted) {
      const last = merged[merged.length - 1];
      if (last && last.aEnd === change.aStart && last.bEnd === change.bStart) {
        last.aEnd = change.aEnd;
        last.bEnd = change.bEnd;
      } else merged.push({ ...change });
    }
    return merged;
  }

  /** Pairs (a, b) of lines unique on both sides of the range, in longest increasing order; flat. */
  private uniqueAnchors(aLo: number, aHi: number, bLo: number, bHi: number): number[] {
    const { A, B, countA, countB, posA, posB, stamp } = this;
    const generation = ++this.generation;
    for (let i = aLo; i < aHi; i++) {
      const id = A[i];
      if (stamp[id] !== generation) {
        stamp[id] = generation;
        countA[id] = 0;
        countB[id] = 0;
      }
      countA[id]++;
      posA[id] = i;
    }
    for (let j = bLo; j < bHi; j++) {
      const id = B[j];
      if (stamp[id] !== generation) continue;
      countB[id]++;
      posB[id] = j;
    }
    // Candidates in order of their position in A, carrying their position in B.
    const candA: number[] = [];
    const candB: number[] = [];
    for (let i = aLo; i < aHi; i++) {
      const id = A[i];
      if (countA[id] === 1 && countB[id] === 1) {
        candA.push(i);
        candB.push(posB[id]);
      }
    }
    if (candA.length === 0) return [];
    // Longest increasing subsequence of candB (patience sorting with back links).
    const tails: number[] = [];
    const back = new Int32Array(candB.length);
    for (let i = 0; i < candB.length; i++) {
      let lo = 0;
      let hi = tails.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (candB[tails[mid]] < candB[i]) lo = mid + 1;
        else hi = mid;
      }
      back[i] = lo > 0 ? tails[lo - 1] : -1;
      tails[lo] = i;
    }
    const out = new Array<number>(tails.length * 2);
    for (let i = tails[tails.length - 1], n = tails.length - 1; i >= 0; i = back[i], n--) {
      out[n * 2] = candA[i];
      out[n * 2 + 1] = candB[i];
    }
    return out;
  }

  /** Myers' greedy O(ND) diff on one range, with the V arrays kept for the backtrack. */
  private myers(aLo: number, aHi: number, bLo: number, bHi: number): void {
    const { A, B } = this;
    const n = aHi - aLo;
    const m = bHi - bLo;
    const limit = Math.min(n + m, this.maxCost);
    const offset = limit + 1;
    const v = new Int32Array(2 * limit + 3);
    const trace: Int32Array[] = [];
    let found = -1;
    for (let d = 0; d <= limit && found < 0; d++) {
      trace.push(v.slice(offset - d - 1, offset + d + 2));
      for (let k = -d; k <= d; k += 2) {
        let x =
          k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
            ? v[offset + k + 1]
            : v[offset + k - 1] + 1;
        let y = x - k;
        while (x < n && y < m && A[aLo + x] === B[bLo + y]) {
          x++;
          y++;
        }
        v[offset + k] = x;
        if (x >= n && y >= m) {
          found = d;
          break;
        }
      }
    }
    if (found < 0) {
      this.changes.push({ aStart: aLo, aEnd: aHi, bStart: bLo, bEnd: bHi });
      return;
    }
    // Walk back from the end, emitting single-line deletions and insertions (merged in result()).
    let x = n;
    let y = m;
    for (let d = found; d > 0; d--) {
      const saved = trace[d];
      const at = (k: number) => saved[k + d + 1];
      const k = x - y;
      const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
      const prevX = at(prevK);
      const prevY = prevX - prevK;
      while (x > prevX && y > prevY) {
        x--;
        y--;
      }
      if (prevK === k + 1) {
        this.changes.push({ aStart: aLo + x, aEnd: aLo + x, bStart: bLo + y - 1, bEnd: bLo + y });
      } else {
        this.changes.push({ aStart: aLo + x - 1, aEnd: aLo + x, bStart: bLo + y, bEnd: bLo + y });
      }
      x = prevX;
      y = prevY;
    }
  }
}
