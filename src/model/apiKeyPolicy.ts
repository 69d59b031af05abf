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

/**
 * The server an API key belongs to: the base URL's origin (`https://api.example.com:8443`), so a key
 * entered for one server is never sent to another. Undefined for a URL that cannot be read.
 */
export function keyOriginOf(baseUrl: string): string | undefined {
  try {
    const url = new URL(baseUrl.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
