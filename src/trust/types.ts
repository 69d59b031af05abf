// The trust gate's public data types: what features hand to the gate and what they get back.

import type { ChatImage, ChatMessage, ModelCall, PromptFormatSetting, TrustAttachment } from '../model';
import type { ProjectInstructions } from '../instructions/projectInstructions';
import type { PlaceholderStreamRestorer, RestoreResult } from './secrets/secretVault';

/** Where a piece of untrusted text came from. */
export type SourceKind =
  | 'file' // a file's content or part of it
  | 'selection' // what the user selected in an editor (still file text: untrusted)
  | 'diagnostic' // a problem reported by a language server or linter
  | 'peer' // text written by another participant of a shared session
  | 'terminal' // terminal output
  | 'tool' // output of a tool or command
  | 'web' // fetched web content
  | 'instructions' // the project's instruction files and few-shot examples (AGENTS.md, ...)
  | 'other';

export interface PieceSource {
  readonly kind: SourceKind;
  /** File-system path (`uri.fsPath`) of the file the text belongs to; checked against the exclusion rules. */
  readonly path?: string;
  /** Zero-based lines, end exclusive (as in the request log). */
  readonly range?: { readonly startLine: number; readonly endLine: number };
  /** A name for the fence, e.g. a peer's display name or a diagnostic's source ("eslint"). */
  readonly label?: string;
}

/** Text the model should read but never obey: file content, diagnostics, peers' words, tool output. */
export interface UntrustedPiece {
  readonly text: string;
  readonly source: PieceSource;
  /**
   * The whole document `text` was cut from and the offset where `text` starts in it. Optional; when
   * given, a secret that crosses the cut (a private key whose header is above the window) is still
   * found and redacted.
   */
  readonly surroundings?: { readonly text: string; readonly offset: number };
}

/** Earlier turns of a conversation: the gate rebuilds them so old context is fenced afresh. */
export type ConversationTurn =
  | { readonly role: 'user'; readonly instructions: string; readonly context?: readonly UntrustedPiece[] }
  | { readonly role: 'assistant'; readonly content: string };

interface GenerationOptions {
  /** Which feature asks (shown in the request log): 'panel', 'edit', 'completion', ... */
  readonly feature: string;
  readonly model: string;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly stop?: readonly string[];
  readonly n?: number;
  readonly stream?: boolean;
  readonly extraBody?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
}

/** A chat request: trusted instructions from the user plus untrusted context pieces. */
export interface GateChatRequest extends GenerationOptions {
  /** The feature's own system prompt (trusted; the gate appends its fencing rules to it). */
  readonly system?: string;
  /** What the user asked, in their words (trusted: not fenced, but redacted). */
  readonly instructions: string;
  readonly context?: readonly UntrustedPiece[];
  readonly history?: readonly ConversationTurn[];
  /** The project's instruction files and examples for this request: excluded ones dropped, the rest redacted. */
  readonly project?: ProjectInstructions;
  /** Images for the user's message (screenshots): checked against the gate's type and size limits. */
  readonly images?: readonly ChatImage[];
}

/** An inline-completion (fill-in-the-middle) request. Prefix and suffix stay raw for the FIM template. */
export interface GateFillRequest extends Omit<GenerationOptions, 'stop' | 'feature'> {
  readonly feature?: string;
  /** The document being edited. If it is excluded the gate refuses with a TrustExclusionError. */
  readonly document: {
    readonly path: string;
    readonly languageId?: string;
    /** The whole document and the offset where `prefix` starts in it (see UntrustedPiece.surroundings). */
    readonly text?: string;
    readonly prefixOffset?: number;
  };
  readonly prefix: string;
  readonly suffix: string;
  /** Other files as context; excluded ones are dropped, the rest redacted. */
  readonly snippets?: readonly UntrustedPiece[];
  readonly repoName?: string;
  readonly lineComment?: string;
  readonly format?: PromptFormatSetting;
  /**
   * The project's instruction files and examples for this file, and how many characters of each fit
   * the prompt budget (see fillProjectBudget).
   */
  readonly project?: ProjectInstructions;
  readonly projectChars?: number;
  readonly projectExampleChars?: number;
}

/**
 * A request in a model's own prompt format. The feature renders the prompt from the pieces as the
 * gate admitted them (redacted; `undefined` for a piece from an excluded file) and paths as shown to
 * the model.
 */
export interface GateRawRequest extends GenerationOptions {
  /** The document being edited. If it is excluded the gate refuses with a TrustExclusionError. */
  readonly document: { readonly path: string };
  readonly pieces: readonly UntrustedPiece[];
  /** Strings with a meaning in the format; untrusted text holding one is not sent. */
  readonly controlTokens: readonly string[];
  render(
    texts: readonly (string | undefined)[],
    displayPath: (path: string) => string,
  ): { readonly prompt: string } | { readonly messages: ChatMessage[] };
}

/** A piece the gate did not send, and why (a sentence a feature can show as is). */
export interface DroppedPiece {
  readonly source: PieceSource;
  readonly reason: 'excluded';
  readonly message: string;
}

/** What the gate did to a request. */
export interface GateReport {
  /** Per-request nonce naming the fence tags (`untrusted-<nonce>`); empty for fills. */
  readonly nonce: string;
  readonly sent: readonly { source: PieceSource; displayPath?: string; chars: number; redactions: number }[];
  readonly dropped: readonly DroppedPiece[];
  readonly redactions: readonly { placeholder: string; kind: string; displayPath?: string }[];
  /** The instruction files and examples that went with the request (paths as shown), in order. */
  readonly instructions: readonly string[];
  /** Images sent with the request: "name, type, size". */
  readonly images?: readonly string[];
  /** What was attached to the request log record (undefined when `tandem.trust.requestLog` is "off"). */
  readonly attachment?: TrustAttachment;
}

/** A prepared chat: exactly what will be sent. */
export interface PreparedChat {
  readonly messages: ChatMessage[];
  readonly report: GateReport;
}

/** A request the gate let through: the model call plus what is needed to restore placeholders locally. */
export interface GatedCall {
  /** The model layer's call: stream it, await `result`, or `abort()` it. */
  readonly call: ModelCall;
  readonly report: GateReport;
  /**
   * Writes placeholders in model output back to the original secrets (locally, never sent). `target`
   * is the path of the document the text goes into (for a fill, its own document unless given): only
   * secrets that came from that document or its session are written back.
   */
  restore(text: string, target?: string): RestoreResult;
  /** The same, for streamed text: holds back a placeholder split across chunks. */
  streamRestorer(target?: string): PlaceholderStreamRestorer;
}

/** `tandem.trust.requestLog`: keep what was sent in memory for "Tandem: Show Request Log", or not. */
export type RequestLogMode = 'memory' | 'off';
