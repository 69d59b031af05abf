import type * as OpenAIModule from 'openai';

let loaded: typeof OpenAIModule | undefined;

/**
 * The `openai` SDK, loaded on first use. Evaluating it costs about 25 ms, which extension activation
 * must not pay: nothing in the model layer touches it until a request is made.
 */
export function openaiSdk(): typeof OpenAIModule {
  return (loaded ??= require('openai') as typeof OpenAIModule);
}
