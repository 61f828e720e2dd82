/**
 * Turning what an application passes as a destination ('bob', 'bob@example.com',
 * 'sip:bob@example.com') into a SIP URI, and a SIP URI back into the short form.
 */
import { Grammar, type URI } from 'sip.js';

const USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Parses a destination. Throws `TypeError` naming `argument` (e.g. `call(target)`) when it is
 * not a user name, `user@host` or a `sip:`/`sips:` URI.
 */
export function parseTarget(value: unknown, domain: string, argument: string): URI {
  const fail = (): never => {
    throw new TypeError(`${argument}: "${String(value)}" is not a user name, user@host or sip: URI`);
  };
  if (typeof value !== 'string') return fail();
  const text = value.trim();
  let uri: URI | undefined;
  if (/^sips?:/i.test(text)) {
    uri = Grammar.URIParse(text);
  } else if (text.includes('@')) {
    const [user, host, ...rest] = text.split('@');
    if (rest.length === 0 && user && host && USER.test(user) && HOST.test(host)) uri = Grammar.URIParse(`sip:${text}`);
  } else if (USER.test(text)) {
    uri = Grammar.URIParse(`sip:${text}@${domain}`);
  }
  if (!uri || !uri.user) return fail();
  return uri;
}

/** The short form of a URI for an application: `bob` on our domain, else `bob@host`. */
export function shortAddress(uri: URI, domain: string): string {
  const user = uri.user ?? '';
  return uri.host.toLowerCase() === domain.toLowerCase() ? user : `${user}@${uri.host}`;
}
