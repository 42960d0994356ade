/** The most characters of a caller's text (a tool or prompt name, a resource URI) that are logged, audited or echoed. */
export const MAX_CALLER_TEXT = 256;

/**
 * `text` cut to {@link MAX_CALLER_TEXT} characters, marked with `…` when cut: a name or URI
 * comes from the caller and may be as long as the body allows, which no audit line or error
 * message needs (a real name is far shorter).
 *
 * @example boundedCallerText('x'.repeat(200_000)) // 256 × 'x' followed by '…'
 */
export function boundedCallerText(text: string): string {
  if (text.length <= MAX_CALLER_TEXT) return text;
  // Not half of a surrogate pair at the cut.
  const end = /[\uD800-\uDBFF]/.test(text[MAX_CALLER_TEXT - 1]) ? MAX_CALLER_TEXT - 1 : MAX_CALLER_TEXT;
  return `${text.slice(0, end)}…`;
}
