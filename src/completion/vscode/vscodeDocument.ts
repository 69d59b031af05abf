import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../collab/vscode/guestFileSystem';
import { trustPathOf } from '../../trust/vscode/trustPath';
import type { DocumentText } from '../documentText';

/**
 * The schemes inline suggestions serve: files on disk (local or remote), untitled editors, and a
 * shared session's files as a guest sees them.
 */
const SERVED_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-userdata', SESSION_SCHEME]);

export function isServedDocument(document: vscode.TextDocument): boolean {
  return SERVED_SCHEMES.has(document.uri.scheme);
}

/**
 * A `TextDocument` as the completion pipeline reads it. Offsets count "\n" line ends whatever the
 * file uses, so they agree with the text the pipeline joins from lines.
 */
export class VscodeDocumentText implements DocumentText {
  readonly key: string;
  readonly path: string;
  readonly languageId: string;
  private readonly crlf: boolean;

  constructor(private readonly document: vscode.TextDocument) {
    this.key = document.uri.toString();
    // The path the trust gate checks and the model sees.
    this.path = trustPathOf(document.uri);
    this.languageId = document.languageId;
    this.crlf = document.eol === vscode.EndOfLine.CRLF;
  }

  get lineCount(): number {
    return this.document.lineCount;
  }

  lineAt(line: number): string {
    return this.document.lineAt(line).text;
  }

  offsetAt(line: number, character: number): number {
    const offset = this.document.offsetAt(new vscode.Position(line, character));
    return this.crlf ? offset - line : offset;
  }
}
