import * as os from 'node:os';
import {
  describeImage,
  imageBytes,
  type ChatImage,
  type ChatMessage,
  type ContextSnippet,
  type FimInput,
  type ModelClient,
} from '../model';
import { describeExclusion, type ExclusionRules, type ExclusionVerdict } from './exclusion/exclusionRules';
import { displayPathIn } from '../workspace/fileAddress';
import { chooseNonce, fence, trustPreamble } from './fencing';
import { findProtectedChanges, type ProposedFileChange, type ProtectedChange } from './protectedPaths';
import { admitProject, instructionsSection } from './projectPieces';
import { redactPiece } from './redactPiece';
import { ReportBook, type AdmittedPiece } from './reportBook';
import { SecretVault, type PlaceholderStreamRestorer, type RestoreResult } from './secrets/secretVault';
import type {
  GateChatRequest,
  GatedCall,
  GateFillRequest,
  GateRawRequest,
  GateReport,
  PieceSource,
  PreparedChat,
  RequestLogMode,
} from './types';

const HOME = os.homedir();
/** Room for the project's instruction files and few-shot examples in a chat request. */
const CHAT_INSTRUCTION_CHARS = 16_000;
const CHAT_EXAMPLE_CHARS = 8_000;

/** The model layer as the gate uses it: only the gate holds a ModelClient. */
export type GateModel = Pick<ModelClient, 'chat' | 'fill' | 'complete'>;

/** Largest image the gate lets through, and largest total of one request's images. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGES_BYTES = 20 * 1024 * 1024;
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** An image the gate will not send (too large, not an image type it knows): nothing was sent. */
export class TrustImageError extends Error {
  readonly kind = 'image' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TrustImageError';
  }
}

/** The images of a request, or the reason they cannot go. */
function checkImages(images: readonly ChatImage[]): string[] {
  let total = 0;
  const shown: string[] = [];
  for (const image of images) {
    if (!IMAGE_TYPES.has(image.mimeType) || !/^[A-Za-z0-9+/]*={0,2}$/.test(image.data))
      throw new TrustImageError(`${image.name} is not a PNG, JPEG, GIF or WebP image: it was not sent.`);
    const bytes = imageBytes(image);
    total += bytes;
    if (bytes > MAX_IMAGE_BYTES)
      throw new TrustImageError(
        `${image.name} is ${(bytes / 1024 / 1024).toFixed(1)} MB; images up to ${MAX_IMAGE_BYTES / 1024 / 1024} MB are sent. Nothing was sent: crop or shrink it and try again.`,
      );
    if (total > MAX_IMAGES_BYTES)
      throw new TrustImageError(
        `The images add up to more than ${MAX_IMAGES_BYTES / 1024 / 1024} MB. Nothing was sent: send fewer or smaller images.`,
      );
    shown.push(describeImage(image));
  }
  return shown;
}

/** The document a fill was asked for is excluded: nothing was sent. */
export class TrustExclusionError extends Error {
  readonly kind = 'excluded' as const;
  constructor(
    readonly path: string,
    readonly verdict: ExclusionVerdict,
  ) {
    super(describeExclusion(path, verdict));
    this.name = 'TrustExclusionError';
  }
}

/** True for the gate's refusal of an excluded file (also across bundles, where `instanceof` fails). */
export function isTrustExclusionError(error: unknown): error is TrustExclusionError {
  return (
    error instanceof TrustExclusionError ||
    (error instanceof Error &&
      error.name === 'TrustExclusionError' &&
      (error as { kind?: unknown }).kind === 'excluded')
  );
}

/**
 * A request in a model's own trained prompt format would carry one of the format's control tokens in
 * untrusted text (a file holding `<|editable_region_end|>` forges the prompt's structure): not sent.
 */
export class TrustControlTokenError extends Error {
  readonly kind = 'control-token' as const;
  constructor(
    readonly token: string,
    readonly displayPath: string | undefined,
  ) {
    super(
      `Not sent: ${displayPath ?? 'the context'} contains "${token}", a control token of the model's prompt format, which would let the file rewrite the prompt.`,
    );
    this.name = 'TrustControlTokenError';
  }
}

/** True for the gate's refusal of text holding a control token (also across bundles). */
export function isTrustControlTokenError(error: unknown): error is TrustControlTokenError {
  return (
    error instanceof TrustControlTokenError ||
    (error instanceof Error &&
      error.name === 'TrustControlTokenError' &&
      (error as { kind?: unknown }).kind === 'control-token')
  );
}

export interface TrustGateOptions {
  readonly model: GateModel;
  readonly rules: ExclusionRules;
  /** Shared by every feature for the window's lifetime, so placeholders stay stable across requests. */
  readonly vault?: SecretVault;
  /** Read per request: `tandem.trust.requestLog`. */
  readonly requestLogMode?: () => RequestLogMode;
  /** Names of the workspace folders by path, for paths shown to the model in multi-root workspaces. */
  readonly folderNames?: () => ReadonlyMap<string, string>;
}

/** A prepared fill: the FIM input exactly as the model layer will format it. */
export interface PreparedFill {
  readonly input: FimInput;
  readonly report: GateReport;
}

/**
 * The one way to a model. Every feature hands its request here: excluded sources are dropped,
 * secrets replaced by stable placeholders, untrusted text fenced, what was sent attached to the
 * request log; then the model layer is called.
 */
export class TrustGate {
  readonly vault: SecretVault;
  readonly rules: ExclusionRules;
  private readonly model: GateModel;
  private readonly requestLogMode: () => RequestLogMode;
  private readonly folderNames: () => ReadonlyMap<string, string>;

  constructor(options: TrustGateOptions) {
    this.model = options.model;
    this.rules = options.rules;
    this.vault = options.vault ?? new SecretVault();
    this.requestLogMode = options.requestLogMode ?? (() => 'memory');
    this.folderNames =
      options.folderNames ??
      (() => new Map(this.rules.workspaceRoots.map((root) => [root, root.slice(root.lastIndexOf('/') + 1)])));
  }

  /** A shared session joined (`tandem://room`) with the globs its host keeps from models, or left (`undefined`). */
  setSessionGlobs(root: string, globs: readonly string[] | undefined): void {
    this.rules.setSessionGlobs(root, globs);
  }

  /** Whether a file may never be sent (built-in patterns, the setting, `.tandemignore` files). */
  isExcluded(path: string): boolean {
    return this.rules.isExcluded(path);
  }

  /** A sentence saying whether and why a file is not sent. */
  explainExclusion(path: string): string {
    return describeExclusion(path, this.rules.check(path));
  }

  /**
   * Writes placeholders back to the original values. Use on every proposal before applying it, with
   * the path of the file it goes into: only secrets from that file or its session are written back.
   */
  restore(text: string, target?: string): RestoreResult {
    return this.vault.restore(text, target);
  }

  /** `text` with every secret this window has already redacted replaced by its placeholder (for storage). */
  redactKnown(text: string): string {
    return this.vault.redact(text, [], { path: 'untrusted:storage' }).text;
  }

  /** The proposed changes that need an explicit confirmation, with their reasons. */
  protectedChanges(changes: readonly ProposedFileChange[]): ProtectedChange[] {
    return findProtectedChanges(changes, this.rules);
  }

  /** A chat request through the gate. */
  chat(request: GateChatRequest): GatedCall {
    const prepared = this.prepareChat(request);
    const call = this.model.chat(
      {
        model: request.model,
        messages: prepared.messages,
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        stop: request.stop,
        n: request.n,
        stream: request.stream,
        extraBody: request.extraBody,
      },
      { signal: request.signal, feature: request.feature, attachment: prepared.report.attachment },
    );
    return this.gated(call, prepared.report);
  }

  /** An inline-completion (FIM) request through the gate. Throws TrustExclusionError for excluded files. */
  fill(request: GateFillRequest): GatedCall {
    const prepared = this.prepareFill(request);
    const call = this.model.fill(prepared.input, {
      model: request.model,
      format: request.format,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      n: request.n,
      stream: request.stream,
      extraBody: request.extraBody,
      signal: request.signal,
      feature: request.feature ?? 'completion',
      attachment: prepared.report.attachment,
    });
    return this.gated(call, prepared.report, request.document.path);
  }

  /**
   * A request in a model's own prompt format (next-edit models trained on one). The document must not
   * be excluded (else TrustExclusionError); pieces from excluded files are dropped, the rest redacted;
   * since the format cannot hold fences, no untrusted text may contain one of its control tokens
   * (else TrustControlTokenError): nothing is sent in either case.
   */
  raw(request: GateRawRequest): GatedCall {
    const verdict = this.rules.check(request.document.path);
    if (verdict.excluded) throw new TrustExclusionError(request.document.path, verdict);
    const book = new ReportBook(this);
    const texts = request.pieces.map((piece) => {
      const [admitted] = book.admit(piece);
      if (!admitted) return undefined;
      const token = request.controlTokens.find((candidate) => admitted.text.includes(candidate));
      if (token !== undefined) throw new TrustControlTokenError(token, admitted.displayPath);
      return admitted.text;
    });
    const report = book.report('', [
      "prompt in the model's own format: untrusted text checked free of its control tokens",
    ]);
    const rendered = request.render(texts, (path) => this.displayPath(path));
    const options = { signal: request.signal, feature: request.feature, attachment: report.attachment };
    const generation = {
      model: request.model,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      stop: request.stop,
      n: request.n,
      stream: request.stream,
      extraBody: request.extraBody,
    };
    const call =
      'prompt' in rendered
        ? this.model.complete({ ...generation, prompt: rendered.prompt }, options)
        : this.model.chat({ ...generation, messages: rendered.messages }, options);
    return this.gated(call, report);
  }

  /** Everything `chat` does except calling the model: the exact messages it would send. */
  prepareChat(request: GateChatRequest): PreparedChat {
    const turns = [
      ...(request.history ?? []),
      { role: 'user' as const, instructions: request.instructions, context: request.context },
    ];
    const images = request.images?.length ? checkImages(request.images) : [];
    const book = new ReportBook(this);
    const project = admitProject(book, this.rules, request.project, {
      instructionChars: CHAT_INSTRUCTION_CHARS,
      exampleChars: CHAT_EXAMPLE_CHARS,
    });
    // Keep what is sent, then choose a nonce absent from all of it.
    type StagedTurn = { content: string } | { instructions: string; pieces: AdmittedPiece[] };
    const staged = turns.map((turn): StagedTurn => {
      if (turn.role === 'assistant') return { content: book.redactTrusted(turn.content, 'answer') };
      const pieces = (turn.context ?? []).flatMap((piece) => book.admit(piece));
      return { instructions: book.redactTrusted(turn.instructions), pieces };
    });
    const system = request.system ? book.redactTrusted(request.system) : undefined;
    const everything = [system ?? '', project.text];
    for (const example of project.examples) everything.push(example.request, example.answer);
    for (const turn of staged) {
      if ('content' in turn) everything.push(turn.content);
      else {
        everything.push(turn.instructions);
        for (const piece of turn.pieces)
          everything.push(piece.text, piece.displayPath ?? '', piece.source.label ?? '');
      }
    }
    const nonce = chooseNonce(everything);
    const preamble = trustPreamble(nonce, this.vault.tag);
    const systemParts = [system ?? '', project.text ? instructionsSection(project.text) : '', preamble];
    const messages: ChatMessage[] = [{ role: 'system', content: systemParts.filter(Boolean).join('\n\n') }];
    for (const example of project.examples)
      messages.push(
        { role: 'user', content: example.request },
        { role: 'assistant', content: example.answer },
      );
    for (const turn of staged) {
      if ('content' in turn) {
        messages.push({ role: 'assistant', content: turn.content });
        continue;
      }
      const fenced = turn.pieces.map((piece) =>
        fence(piece.text, nonce, {
          kind: piece.source.kind,
          path: piece.displayPath,
          lines: piece.source.range
            ? `${piece.source.range.startLine + 1}-${piece.source.range.endLine}`
            : undefined,
          label: piece.source.label,
        }),
      );
      messages.push({ role: 'user', content: [...fenced, turn.instructions].join('\n\n') });
    }
    if (request.images?.length) messages[messages.length - 1].images = request.images;
    const notes = [
      `untrusted text fenced in <untrusted-${nonce}> tags`,
      ...images.map((image) => `image sent: ${image}`),
    ];
    const report = book.report(nonce, notes);
    return { messages, report: images.length ? { ...report, images } : report };
  }

  /** Everything `fill` does except calling the model: the FIM input it would hand to the model layer. */
  prepareFill(request: GateFillRequest): PreparedFill {
    const verdict = this.rules.check(request.document.path);
    if (verdict.excluded) throw new TrustExclusionError(request.document.path, verdict);
    const book = new ReportBook(this);
    const around =
      request.document.text !== undefined && request.document.prefixOffset !== undefined
        ? { text: request.document.text, offset: request.document.prefixOffset }
        : undefined;
    // Prefix and suffix are scanned as one text so a secret under the cursor is caught whole; a
    // secret that spans the cursor ends up as its placeholder at the end of the prefix.
    const joined = request.prefix + request.suffix;
    const source: PieceSource = { kind: 'file', path: request.document.path };
    const redacted = redactPiece(this.vault, joined, around, { path: request.document.path });
    const cursor = request.prefix.length;
    let prefix = '';
    let suffix = '';
    const take = (from: number, to: number) => {
      if (from < cursor) prefix += joined.slice(from, Math.min(to, cursor));
      if (to > cursor) suffix += joined.slice(Math.max(from, cursor), to);
    };
    let at = 0;
    for (const redaction of redacted.redactions) {
      take(at, redaction.start);
      if (redaction.start < cursor) prefix += redaction.placeholder;
      else suffix += redaction.placeholder;
      at = redaction.end;
    }
    take(at, joined.length);
    book.record(source, joined.length, redacted.redactions);
    const project = admitProject(book, this.rules, request.project, {
      instructionChars: request.projectChars ?? 0,
      exampleChars: 0,
    });
    const snippets: ContextSnippet[] = [];
    for (const piece of request.snippets ?? []) {
      for (const kept of book.admit(piece))
        snippets.push({ path: kept.displayPath ?? 'context', text: kept.text });
    }
    const input: FimInput = {
      prefix,
      suffix,
      filePath: this.displayPath(request.document.path),
      repoName: request.repoName,
      snippets: snippets.length ? snippets : undefined,
      lineComment: request.lineComment,
      languageId: request.document.languageId,
      instructions: project.text || undefined,
    };
    return { input, report: book.report('', []) };
  }

  /**
   * A path as the model sees it: workspace-relative, with the home folder shortened to `~`, or for a
   * virtual file system's file outside the workspace folders (a shared session's, when its folder is
   * not in the window) its whole `tandem://room/…` address, which an answer can name unambiguously.
   */
  displayPath(path: string): string {
    return displayPathIn(path, this.folderNames(), HOME);
  }

  /** @internal */
  logMode(): RequestLogMode {
    return this.requestLogMode();
  }

  /** `target`: the document the answer goes into (a fill's own document); none for a chat answer shown in the panel. */
  private gated(call: GatedCall['call'], report: GateReport, target?: string): GatedCall {
    const vault = this.vault;
    return {
      call,
      report,
      restore: (text: string, into = target) => vault.restore(text, into),
      streamRestorer: (into = target): PlaceholderStreamRestorer => vault.streamRestorer(into),
    };
  }
}
