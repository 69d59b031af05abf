import { scanForSecrets, type SecretFinding } from './secrets/secretScanner';
import type { RedactedText, SecretOrigin, SecretVault } from './secrets/secretVault';

/** How far around a cut window the gate looks for a secret crossing the cut (a 4096-bit PEM body fits). */
export const SURROUNDING_MARGIN = 4096;

/**
 * Redacts `text`. When the document it was cut from is given, secrets are searched in the window plus
 * a margin on each side, so one that starts above the window (a private key whose BEGIN line is not in
 * it) or ends below it is still replaced: the part inside the window becomes the placeholder of the
 * whole value.
 */
export function redactPiece(
  vault: SecretVault,
  text: string,
  surroundings?: { readonly text: string; readonly offset: number },
  origin?: SecretOrigin,
): RedactedText {
  if (!surroundings || !surroundings.text.startsWith(text, surroundings.offset))
    return vault.redact(text, undefined, origin);
  const from = Math.max(0, surroundings.offset - SURROUNDING_MARGIN);
  const to = Math.min(surroundings.text.length, surroundings.offset + text.length + SURROUNDING_MARGIN);
  const region = surroundings.text.slice(from, to);
  const windowStart = surroundings.offset - from;
  const windowEnd = windowStart + text.length;
  const findings: (SecretFinding & { value?: string })[] = [];
  for (const finding of scanForSecrets(region)) {
    if (finding.end <= windowStart || finding.start >= windowEnd) continue;
    const clipped = finding.start < windowStart || finding.end > windowEnd;
    findings.push({
      start: Math.max(finding.start, windowStart) - windowStart,
      end: Math.min(finding.end, windowEnd) - windowStart,
      kind: finding.kind,
      value: clipped ? region.slice(finding.start, finding.end) : undefined,
    });
  }
  return vault.redact(text, findings, origin);
}
