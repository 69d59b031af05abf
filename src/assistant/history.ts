/**
 * What the model is given of a conversation: the last few turns within a character budget, each user
 * turn with the context it was sent with, starting with a user turn.
 */
import type { ConversationTurn, UntrustedPiece } from '../trust';
import type { MessageView } from '../panel/protocol';

export interface HistoryBudget {
  /** Turns kept at most. */
  messages: number;
  /** Characters of text and context kept at most (the newest turn is kept whatever its size). */
  chars: number;
}

export const DEFAULT_HISTORY_BUDGET: HistoryBudget = { messages: 10, chars: 60_000 };

export function conversationHistory(
  messages: readonly MessageView[],
  contextOf: (messageId: string) => readonly UntrustedPiece[] | undefined,
  budget: HistoryBudget = DEFAULT_HISTORY_BUDGET,
): ConversationTurn[] {
  const turns: ConversationTurn[] = [];
  let chars = 0;
  const usable = messages.filter((message) => message.status !== 'error' && message.text.trim() !== '');
  for (const message of usable.slice(-budget.messages).reverse()) {
    const context = message.role === 'user' ? [...(contextOf(message.id) ?? [])] : [];
    const size = message.text.length + context.reduce((sum, piece) => sum + piece.text.length, 0);
    if (chars + size > budget.chars && turns.length > 0) break;
    chars += size;
    turns.unshift(
      message.role === 'user'
        ? { role: 'user', instructions: message.text, context }
        : { role: 'assistant', content: message.text },
    );
  }
  // A conversation the model sees starts with a user turn.
  while (turns.length && turns[0].role !== 'user') turns.shift();
  return turns;
}
