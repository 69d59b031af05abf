/**
 * The lines a model writes after the one it was asked for, turned into suggestions for where the user
 * will be once they have typed the lines before them: after typing the shown line and pressing Enter,
 * the text before the cursor is the request's prefix followed by that line, a newline and the next
 * line's indentation, and the text after it is the same. That is the prompt a new request would send
 * there, so the model's next line is its answer for that place, and asking again would only repeat it.
 */
import { emptyBlockStart } from './cleaning/blockShape';
import { cleanCompletion } from './cleaning/cleanCompletion';
import { leadingWhitespace, type CleaningContext } from './cleaning/cleaningContext';
import { ANCHOR_CHARS, type RequestAnchor } from './suggestionCache';

export interface PredictedPlace {
  /** Where the cursor will be: at the start of the line, after its indentation. */
  readonly anchor: RequestAnchor;
  /** The line's text after its indentation, cleaned as a request there would clean it. */
  readonly suggestion: string;
}

/**
 * Places at the start of each line after the request's line, for up to `maxLines` lines of `raw` (the
 * model's text from the request's position). Only lines the model ended with a newline count. It stops
 * at a blank line, at an empty block start (a request there asks for the whole block), and where the
 * cleaning would change a line (what the user types would then differ from what the model continued).
 */
export function nextLinePlaces(
  request: RequestAnchor,
  cleaning: CleaningContext,
  raw: string,
  maxLines: number,
): PredictedPlace[] {
  // Only at the end of a line: Enter there starts the next line with nothing after the cursor.
  if (cleaning.lineSuffix !== '') return [];
  const lines = raw.replace(/\r\n?/g, '\n').split('\n');
  // The line as the user gets it (nothing, when the model ended the line at once).
  const first = cleanCompletion(lines[0], cleaning);
  if (first.trim() !== lines[0].trim()) return [];
  const places: PredictedPlace[] = [];
  let typed = first;
  let linesAbove = [...cleaning.linesAbove];
  let finished = cleaning.linePrefix + first;
  // lines[i] is whole only when a newline follows it: the last piece may have been cut.
  for (let i = 1; i < lines.length - 1 && i <= maxLines; i++) {
    const line = lines[i];
    const indent = leadingWhitespace(line);
    linesAbove = [...linesAbove, finished];
    const context: CleaningContext = { ...cleaning, linePrefix: indent, lineSuffix: '', linesAbove };
    if (emptyBlockStart(context) !== undefined) break;
    const suggestion = cleanCompletion(line.slice(indent.length), context);
    // A blank line ends it too (nothing to show there).
    if (suggestion === '' || suggestion !== line.slice(indent.length).trimEnd()) break;
    typed += '\n' + indent;
    places.push({
      anchor: {
        docKey: request.docKey,
        offset: request.offset + typed.length,
        anchor: (request.anchor + typed).slice(-ANCHOR_CHARS),
        after: request.after,
      },
      suggestion,
    });
    typed += suggestion;
    finished = indent + suggestion;
  }
  return places;
}
