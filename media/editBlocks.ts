/**
 * SEARCH/REPLACE blocks are shown as the proposal card under the answer, so the answer's text keeps
 * only a one-line mention of each (and of a block still being written).
 */
export function collapseEditBlocks(text: string): string {
  return text
    .replace(
      /^(`{3,}|~{3,})[^\n]*\n(?:[ \t]*\n)*[ \t]*<{5,9} ?SEARCH[\s\S]*?\n[ \t]*>{5,9} ?REPLACE[^\n]*\n(?:[ \t]*\n)*\1[^\n]*$/gm,
      '*(edit block: see the proposed changes below)*',
    )
    .replace(
      /^[ \t]*<{5,9} ?SEARCH[\s\S]*?\n[ \t]*>{5,9} ?REPLACE[^\n]*$/gm,
      '*(edit block: see the proposed changes below)*',
    )
    .replace(/^(?:(`{3,}|~{3,})[^\n]*\n)?[ \t]*<{5,9} ?SEARCH[\s\S]*$/m, '*(writing an edit…)*')
    .replace(/^[ \t]*<{5,9} ?DELETE(?: FILE)?[^\n]*$/gm, '*(proposes deleting this file)*');
}
