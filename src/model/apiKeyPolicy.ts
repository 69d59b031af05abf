/**
 * `OPENAI_API_KEY` is OpenAI's key. Tandem sends it only to OpenAI's API, never to another provider's
 * OpenAI-compatible server or a local one: a key set in Secret Storage ("Tandem: Set API Key") is the
 * key for any other server.
 */
export function isOpenAiServer(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl);
    return url.protocol === 'https:' && url.hostname.toLowerCase() === 'api.openai.com';
  } catch {
    return false;
  }
}
