import * as vscode from 'vscode';
import { trustPathOf } from '../../workspace/vscode/fileAddress';
import type { DocumentText } from '../documentText';

export { isServedDocument } from '../../workspace/vscode/fileAddress';

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
