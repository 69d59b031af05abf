import type { Redaction, SentSource, TrustAttachment } from '../model';
import { describeExclusion } from './exclusion/exclusionRules';
import type { TrustGate } from './gate';
import { redactPiece } from './redactPiece';
import type { DroppedPiece, GateReport, PieceSource, UntrustedPiece } from './types';

/** An untrusted piece that passed the exclusion check, redacted. */
export interface AdmittedPiece {
  readonly text: string;
  readonly source: PieceSource;
  readonly displayPath?: string;
}

/** Collects, while one request is prepared, what was sent, dropped and redacted. */
export class ReportBook {
  private readonly sent: GateReport['sent'][number][] = [];
  private readonly dropped: DroppedPiece[] = [];
  private readonly redactions: {
    placeholder: string;
    kind: string;
    displayPath?: string;
    source?: SentSource;
  }[] = [];

  private readonly instructions: string[] = [];

  constructor(private readonly gate: TrustGate) {}

  /** Names an instruction file or example that went with the request. */
  usedInstructions(path: string): void {
    if (!this.instructions.includes(path)) this.instructions.push(path);
  }

  /**
   * Trusted text (the user's words, the feature's prompt): redacted, never fenced. An earlier answer
   * sent back as history is not the user's words: a secret first seen there is restored nowhere.
   */
  redactTrusted(text: string, from: 'user' | 'answer' = 'user'): string {
    const redacted = this.gate.vault.redact(
      text,
      undefined,
      from === 'user' ? 'trusted' : { path: 'untrusted:answer' },
    );
    for (const redaction of redacted.redactions)
      this.redactions.push({ placeholder: redaction.placeholder, kind: redaction.kind });
    return redacted.text;
  }

  /** An untrusted piece: dropped when its file is excluded, else redacted. */
  admit(piece: UntrustedPiece): AdmittedPiece[] {
    if (piece.source.path !== undefined) {
      const verdict = this.gate.rules.check(piece.source.path);
      if (verdict.excluded) {
        this.dropped.push({
          source: piece.source,
          reason: 'excluded',
          message: describeExclusion(piece.source.path, verdict),
        });
        return [];
      }
    }
    // A secret from a file may be written back only into that file (or its session); one from text
    // with no file (a peer's words, tool output) only into what is shown, never into a file.
    const redacted = redactPiece(this.gate.vault, piece.text, piece.surroundings, {
      path: piece.source.path ?? `untrusted:${piece.source.kind}`,
    });
    this.record(piece.source, piece.text.length, redacted.redactions);
    const displayPath =
      piece.source.path !== undefined ? this.gate.displayPath(piece.source.path) : undefined;
    return [{ text: redacted.text, source: piece.source, displayPath }];
  }

  record(
    source: PieceSource,
    chars: number,
    redactions: readonly { placeholder: string; kind: string; start: number }[],
  ): void {
    const displayPath = source.path !== undefined ? this.gate.displayPath(source.path) : undefined;
    this.sent.push({ source, displayPath, chars, redactions: redactions.length });
    for (const redaction of redactions) {
      this.redactions.push({
        placeholder: redaction.placeholder,
        kind: redaction.kind,
        displayPath,
        source: displayPath !== undefined ? { path: displayPath, range: source.range } : undefined,
      });
    }
  }

  report(nonce: string, notes: readonly string[]): GateReport {
    const attachment: TrustAttachment | undefined =
      this.gate.logMode() === 'off'
        ? undefined
        : {
            sources: this.sent
              .filter((entry) => entry.displayPath !== undefined)
              .map((entry) => ({ path: entry.displayPath as string, range: entry.source.range })),
            redactions: this.redactions.map((redaction): Redaction => ({
              placeholder: redaction.placeholder,
              kind: redaction.kind,
              source: redaction.source,
            })),
            excluded: this.dropped.map((entry) =>
              entry.source.path !== undefined ? this.gate.displayPath(entry.source.path) : entry.source.kind,
            ),
            notes: [
              ...notes,
              ...(this.instructions.length ? [`project instructions: ${this.instructions.join(', ')}`] : []),
              `${this.redactions.length} secret${this.redactions.length === 1 ? '' : 's'} redacted`,
              ...this.dropped.map((entry) => entry.message),
            ],
          };
    return {
      nonce,
      sent: this.sent,
      dropped: this.dropped,
      instructions: this.instructions,
      redactions: this.redactions.map(({ placeholder, kind, displayPath }) => ({
        placeholder,
        kind,
        displayPath,
      })),
      attachment,
    };
  }
}
