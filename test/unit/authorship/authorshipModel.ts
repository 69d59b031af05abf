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
    let out = '';
    const restoredAlready = new Set<string>();
    for (const c of this.chars) {
      if (c.edit === undefined || !choose(this.edits.get(c.edit)!.meta)) {
        out += c.ch;
        continue;
      }
      if (intact.has(c.edit) && !restoredAlready.has(c.edit)) {
        out += this.edits.get(c.edit)!.replaced;
        restoredAlready.add(c.edit);
      }
    }
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
