/**
 * The one HTML-escaping helper of the report. Every string that comes from
 * data (segment names, descriptions, actions, countries, reject reasons, file
 * paths) goes through it before it is placed in the page, in text or in an
 * attribute value.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes `&`, `<`, `>`, `"` and `'`, which makes the result safe both as
 * element text and inside a quoted attribute value. Non-strings are turned
 * into text first, so a number or a `null` from an older run cannot break the
 * page either.
 */
export function escapeHtml(value: unknown): string {
  const text = typeof value === 'string' ? value : value == null ? '' : String(value);
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
