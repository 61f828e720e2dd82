/**
 * The reason phrases of SIP responses, for sip.js's `getReasonPhrase` (used when its core builds
 * a response without an explicit phrase): sip.js's IANA table (71 codes) cut to the codes that
 * appear anywhere in Voxline's src/ or in sip.js's core, which covers every response either of
 * them can send; any other code gets an empty phrase, as an unknown code always did in sip.js.
 * rollup.config.mjs puts this in place of sip.js's for its outgoing responses (≈ 0.35 KiB
 * min+gzip less); reason-phrases.test.ts checks the phrases against sip.js's and that no code
 * used in those sources is missing.
 */

const PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  423: 'Interval Too Brief',
  469: 'Bad Info Package',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
};

/** The reason phrase for `code`, or `''` for a code without one. */
export function getReasonPhrase(code: number): string {
  return PHRASES[code] ?? '';
}
