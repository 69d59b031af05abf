/**
 * A fast, slightly pessimistic estimate of how many tokens a code model's BPE tokenizer makes of a
 * text, in one pass without allocating. Code tokenizers (Qwen2.5-Coder, DeepSeek-Coder, StarCoder2)
 * give common identifiers one token per ~4-6 letters, most punctuation a token each, and merge runs of
 * spaces; over-estimating a little keeps prompts safely inside the budget.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let segment = 0; // length of the current piece of a word (camelCase hump, snake_case part, digits)
  let previous = 0; // class of the previous word character: 1 lower, 2 upper, 3 digit, 4 underscore
  let spaces = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const kind = wordCharKind(code);
    if (kind) {
      if (spaces) {
        tokens += spaceTokens(spaces);
        spaces = 0;
      }
      // A new piece starts at a hump (aB), after an underscore, and between letters and digits.
      const startsPiece =
        segment > 0 &&
        ((kind === 2 && previous === 1) || previous === 4 || (kind === 3) !== (previous === 3));
      if (startsPiece) {
        tokens += pieceTokens(segment);
        segment = 0;
      }
      segment++;
      previous = kind;
      continue;
    }
    if (segment) {
      tokens += pieceTokens(segment);
      segment = 0;
      previous = 0;
    }
    if (code === 32 || code === 9) {
      spaces++;
      continue;
    }
    if (spaces) {
      tokens += spaceTokens(spaces);
      spaces = 0;
    }
    // Newlines, punctuation and non-ASCII each count as one token (non-ASCII is often more; rare in code).
    tokens++;
  }
  if (segment) tokens += pieceTokens(segment);
  if (spaces) tokens += spaceTokens(spaces);
  return tokens;
}

function wordCharKind(code: number): number {
  if (code >= 97 && code <= 122) return 1;
  if (code >= 65 && code <= 90) return 2;
  if (code >= 48 && code <= 57) return 3;
  return code === 95 ? 4 : 0;
}

/** A single space usually merges into the following word's token; longer runs take one per 4. */
function spaceTokens(length: number): number {
  return length === 1 ? 0 : Math.ceil(length / 4);
}

/** Common pieces of identifiers are one token up to about six characters. */
function pieceTokens(length: number): number {
  return Math.ceil(length / 6);
}
