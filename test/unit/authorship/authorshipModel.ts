// The reference model the authorship property tests compare against: a document as a list of
// characters, each with an identity and the assistant edit that wrote it (or none). It follows
// edits by identity, so it knows exactly which characters survive, without any offset arithmetic.
import type { AuthorshipMeta } from '../../../src/authorship/authorship';

interface ModelChar {
  readonly ch: string;
  readonly edit: string | undefined;
}

export class ReferenceDocument {
  chars: ModelChar[];
  readonly edits = new Map<string, { meta: AuthorshipMeta; replaced: string; length: number }>();

  constructor(text: string) {
    this.chars = [...text].map((ch) => ({ ch, edit: undefined }));
  }

  get text(): string {
    return this.chars.map((c) => c.ch).join('');
  }

  human(offset: number, deleted: number, inserted: string): void {
    this.chars.splice(offset, deleted, ...[...inserted].map((ch) => ({ ch, edit: undefined })));
  }

  assistant(offset: number, deleted: number, inserted: string, meta: AuthorshipMeta): void {
    const replaced = this.text.slice(offset, offset + deleted);
    this.chars.splice(offset, deleted, ...[...inserted].map((ch) => ({ ch, edit: meta.edit })));
    this.edits.set(meta.edit, { meta, replaced, length: inserted.length });
  }

  /** The text after reverting the chosen edits, by the rule the feature promises. */
  reverted(choose: (meta: AuthorshipMeta) => boolean): string {
    const intact = new Set<string>();
    for (const [id, edit] of this.edits) {
      if (!choose(edit.meta)) continue;
      const positions = this.chars.flatMap((c, i) => (c.edit === id ? [i] : []));
      const contiguous = positions.every((p, i) => i === 0 || p === positions[i - 1] + 1);
      if (positions.length === edit.length && contiguous && edit.length > 0) intact.add(id);
    }
    // Characters of chosen edits people changed since go one by one ("loose"); but such a line break
    // stays when its line keeps a visible character that stays (back to the last line break that
    // stays) and so does the next line (up to its line break).
    const loose = this.chars.map(
      (c) => c.edit !== undefined && choose(this.edits.get(c.edit)!.meta) && !intact.has(c.edit),
    );
    const stays = (i: number) => !loose[i] && this.chars[i].ch.trim() !== '';
    const keep = new Set<number>();
    let lineStart = 0;
    this.chars.forEach((c, i) => {
      if (c.ch !== '\n') return;
      if (!loose[i]) {
        lineStart = i + 1;
        return;
      }
      let next = i + 1;
      while (next < this.chars.length && this.chars[next].ch !== '\n') next++;
      const left = this.chars.slice(lineStart, i).some((_, k) => stays(lineStart + k));
      const right = this.chars.slice(i + 1, next).some((_, k) => stays(i + 1 + k));
      if (left && right) {
        keep.add(i);
        lineStart = i + 1;
      }
    });
    let out = '';
    const restoredAlready = new Set<string>();
    this.chars.forEach((c, i) => {
      if (c.edit === undefined || !choose(this.edits.get(c.edit)!.meta) || keep.has(i)) {
        out += c.ch;
        return;
      }
      if (intact.has(c.edit) && !restoredAlready.has(c.edit)) {
        out += this.edits.get(c.edit)!.replaced;
        restoredAlready.add(c.edit);
      }
    });
    return out;
  }

  /** Which edit wrote each character ('' for people). */
  owners(): string[] {
    return this.chars.map((c) => c.edit ?? '');
  }
}

export function meta(edit: string, proposal = 'p1', askedBy = 'alice', at = 1): AuthorshipMeta {
  return { edit, proposal, model: 'test-model', askedBy, at };
}
