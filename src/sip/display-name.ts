/**
 * Display names in SIP name-addr headers (`"Ann" <sip:ann@example.com>`) are RFC 3261
 * quoted-strings: `"` and `\` inside must be escaped as quoted-pairs. sip.js wraps the display
 * name in quotes without escaping it, and hands received ones back with the quotes stripped but
 * the escapes left in; these two functions fill those gaps.
 */

/**
 * The inside of an RFC 3261 quoted-string for `name` (sip.js adds the surrounding quotes):
 * `"` and `\` become quoted-pairs. CR and LF cannot appear in a header at all and become spaces.
 */
export function escapeDisplayName(name: string): string {
  return name.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, '\\$&');
}

/** Undoes the quoted-pairs of a display name as sip.js's parser returns it (quotes already stripped). */
export function unescapeDisplayName(name: string): string {
  return name.replace(/\\([\s\S])/g, '$1');
}
