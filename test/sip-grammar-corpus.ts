/**
 * Real SIP messages for the grammar's differential test (src/sip/grammar/grammar.test.ts), in the shapes servers
 * and user agents send: Kamailio, baresip, SIPp, JsSIP, sip.js, the dev server (server/), Asterisk
 * and a few carriers' quirks. Each message is split into its first line and its header values.
 */
const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n\r\n';

export const MESSAGES: string[] = [
  // sip.js / Voxline REGISTER over WSS
  crlf([
    'REGISTER sip:voxline.test SIP/2.0',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK5497830',
    'Max-Forwards: 70',
    'To: <sip:alice@voxline.test>',
    'From: "Alice Liddell" <sip:alice@voxline.test>;tag=r7a4fkj3l2',
    'Call-ID: 0o3ck8lhggbv0ak8pg5kfb',
    'CSeq: 2 REGISTER',
    'Contact: <sip:k3f1v2mn@df7jal23ls0d.invalid;transport=ws>;+sip.ice;reg-id=1;+sip.instance="<urn:uuid:4b7b2c07-5ce2-4a9b-9c6e-a1b5b3a4d7f1>";expires=600',
    'Expires: 600',
    'Allow: ACK,CANCEL,INVITE,MESSAGE,BYE,OPTIONS,INFO,NOTIFY,REFER',
    'Supported: path, gruu, outbound',
    'User-Agent: Voxline/0.1.0',
    'Content-Length: 0',
  ]),
  // Kamailio 401 and 407
  crlf([
    'SIP/2.0 401 Unauthorized',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;rport=53422;received=192.0.2.10;branch=z9hG4bK5497830',
    'To: <sip:alice@voxline.test>;tag=0f1c7e2b8a1e1f1c2d3e4f5a6b7c8d9e.a1b2',
    'From: "Alice Liddell" <sip:alice@voxline.test>;tag=r7a4fkj3l2',
    'Call-ID: 0o3ck8lhggbv0ak8pg5kfb',
    'CSeq: 1 REGISTER',
    'WWW-Authenticate: Digest realm="voxline.test", nonce="Y2FmZWJhYmU6YjE2YzQ2YzU=", qop="auth", algorithm=MD5',
    'Server: kamailio (5.7.4 (x86_64/linux))',
    'Content-Length: 0',
  ]),
  crlf([
    'SIP/2.0 407 Proxy Authentication Required',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;received=2001:db8::10;rport=40000;branch=z9hG4bK777',
    'To: <sip:bob@voxline.test>;tag=as1f2e3d4c',
    'From: <sip:alice@voxline.test>;tag=x1',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 1 INVITE',
    'Proxy-Authenticate: Digest realm="atlanta.example.com", domain="sip:ss1.example.com sip:ss2.example.com", qop="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
    'Content-Length: 0',
  ]),
  // baresip INVITE (UDP, IPv4, multiple Via via proxies)
  crlf([
    'INVITE sip:bob@192.0.2.4:5060;transport=udp SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-524287-1---e1e1e1e1;rport, SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKnashds7;received=[2001:db8::9]',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;ttl=16;maddr=224.2.0.1',
    'Max-Forwards: 70',
    'To: "Bob" <sip:bob@biloxi.example.com>',
    'From: "J\\"ohn \\\\ Dö" <sip:+15551234567@atlanta.example.com;user=phone>;tag=1928301774',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com;transport=tcp;ob>',
    'Record-Route: <sip:p2.domain.com;lr>, <sip:p1.example.com;lr;ftag=abc>',
    'Record-Route: <sip:[2001:db8::2]:5060;transport=tcp;lr=on>',
    'Content-Type: application/sdp',
    'Content-Disposition: session;handling=required',
    'Content-Length: 142',
  ]),
  // Asterisk / PJSIP 180, 183, 200
  crlf([
    'SIP/2.0 180 Ringing',
    'Via: SIP/2.0/WSS 203.0.113.5:8089;rport=8089;received=203.0.113.5;branch=z9hG4bKPj0b1c2d',
    'Record-Route: <sip:203.0.113.1;transport=wss;r2=on;lr>,<sip:203.0.113.1:5060;r2=on;lr>',
    'Contact: <sip:bob@203.0.113.9:5060;transport=UDP>',
    'To: <sip:bob@voxline.test>;tag=5f5a3b2c-1c2d',
    'From: <sip:alice@voxline.test>;tag=ab',
    'Call-ID: 5a1b2c3d4e5f@voxline',
    'CSeq: 102 INVITE',
    'Allow-Events: talk, hold, conference, refer',
  ]),
  crlf(['SIP/2.0 183 Session Progress', 'Content-Type: application/sdp; charset="utf-8"', 'Content-Length: 0', 'CSeq: 7 INVITE']),
  crlf([
    'SIP/2.0 200 OK',
    'Contact: "Bob" <sips:bob@[2001:db8:0:0:0:0:0:1]:5061;transport=tls>;expires=3600;q=0.7, <sip:bob@192.0.2.4>;expires=4294967295;q=1',
    'Contact: sip:bob@192.0.2.4;expires=60, tel:+1-555 ;x',
    'Session-Expires: 1800;refresher=uac',
    'Require: timer',
    'CSeq: 1 REGISTER',
  ]),
  // JsSIP MESSAGE with UTF-8 and a tel Request-URI
  crlf([
    'MESSAGE tel:+15555551212;phone-context=example.com SIP/2.0',
    'Via: SIP/2.0/WSS 9u2rl2v3kf5d.invalid;branch=z9hG4bK3485734',
    'From: "Zoë 🎧" <sip:zoe@voxline.test>;tag=abc',
    'To: sip:+15555551212@voxline.test;user=phone',
    'Content-Type: text/plain;charset=UTF-8',
  ]),
  crlf(['MESSAGE sip:bob@voxline.test SIP/2.0', 'f: Ada <sip:ada@voxline.test>;tag=9', 't: <sip:bob@voxline.test>', 'i: 8e3b8c0a', 'c: text/plain', 'l: 5', 'v: SIP/2.0/WS 127.0.0.1:1;branch=z9hG4bK-vx-99-00']),
  // BYE, REFER, NOTIFY (in dialog)
  crlf([
    'BYE sip:alice@df7jal23ls0d.invalid;transport=ws SIP/2.0',
    'Route: <sip:203.0.113.1;transport=wss;lr>',
    'CSeq: 231 BYE',
    'Reason: Q.850;cause=16;text="Normal call clearing"',
  ]),
  crlf([
    'REFER sip:alice@atlanta.example.com SIP/2.0',
    'Refer-To: <sip:carol@chicago.example.com?Replaces=8609%40pc33.atlanta.example.com%3Bto-tag%3D314159%3Bfrom-tag%3D1234567&Require=replaces>',
    'r: sip:dave@example.com;method=INVITE',
    'Refer-To: <tel:+15551234567>',
    'Refer-To: <http://example.com/x>;foo',
    'Referred-By: <sip:bob@biloxi.example.com>',
  ]),
  crlf([
    'NOTIFY sip:alice@df7jal23ls0d.invalid;transport=ws SIP/2.0',
    'Event: refer;id=93809824',
    'Event: presence.winfo',
    'Subscription-State: terminated;reason=noresource',
    'Subscription-State: active;expires=3600;retry_after=30',
    'Content-Type: message/sipfrag;version=2.0',
  ]),
  // SIPp's defaults, odd spacing and folding, unknown methods
  crlf([
    'OPTIONS sip:[::1]:5060 SIP/2.0',
    'Via: SIP/2.0/TCP [::1]:5060;branch=z9hG4bK-1-0',
    'From: sipp <sip:sipp@[::1]:5060>;tag=1',
    'To: sut <sip:service@[::1]:5060>',
    'Call-ID: 1-12345@::1',
    'CSeq: 1 OPTIONS',
    'Contact: sip:sipp@[::1]:5060',
    'Max-Forwards: 70',
  ]),
  crlf(['PRACK sip:x@y SIP/2.0', 'INFO sips:a@b.c;maddr=10.0.0.1;ttl=5?subject=hi&Priority=urgent SIP/2.0', 'From:   "Folded"\r\n <sip:f@example.com> ;tag = abc', 'CSeq: 2 PRACK']),
];

/** Extra single values, for every start rule. */
export const VALUES: string[] = [
  '*',
  ' * ',
  '',
  'sip:alice@voxline.test',
  'sip:alice:secret@voxline.test:5060;transport=TCP;lr;maddr=[2001:db8::1];user=ip;method=BYE;x=y?h=1&H=2&h=3',
  'sips:%61lice@Example.COM.',
  'sip:example.com.;lr',
  'sip:1.2.3.256',
  'sip:user@host:',
  'sip:user@host:123456',
  'sip:user@host_name',
  'sip:a@[::ffff:192.0.2.1]',
  'sip:a@[fe80::1%25eth0]',
  'sip:a@[1:2:3:4:5:6:7:8]',
  'sip:a@[1::2:3]',
  'sip:%E2%82%AC@host',
  'sip:%FF@host',
  'sip:host?constructor=1',
  'sip:host?__proto__=1',
  'sip:host;__proto__=x;toString=y',
  'SIP:ALICE@HOST;TRANSPORT=WSS',
  '"Alice" <sip:alice@x>',
  'Alice Bob <sip:alice@x>;tag=1;tag',
  '"A \\"B\\"" <sip:a@b>;expires=5',
  '<sip:a@b>;q=0.5;expires=abc;q=1.5',
  '<sip:a@b;ttl=7>',
  '<sip:a@b?X=1>, <sip:c@d>',
  '"unterminated <sip:a@b>',
  'SIP/2.0/WSS host.invalid;branch=z9hG4bK1;rport;received=1.2.3.4;x=[::1]',
  'SIP/2.0/UDP 10.0.0.1:;branch=x',
  'sip/2.0/udp h;maddr=h2.example.com',
  'SIP/2.0 200',
  'SIP/2.0 200 OK [x]',
  'SIP/2.0 999 ünïcödé',
  'INVITEX sip:a@b SIP/2.0',
  'INVITE sip:@@@ SIP/2.0',
  'INVITE sip:a@b SIP/3.14',
  '1 INVITE',
  '4294967296 FOO',
  'abc@def',
  'a"b@c',
  '0',
  '70',
  'text/html',
  'texts/plain',
  'multipart/mixed;boundary="xyz"',
  'render',
  'sessions',
  'Alert;handling=optionalx',
  'dialog;call-id=x;from-tag=y',
  'Digest realm="x",nonce="y",algorithm=MD5-sess',
  'Digest realm="x", qop="auth, auth-int", nonce="z"',
  'Digest stale=true,stale=false,opaque="o"',
  'Basic realm="x"',
  'Digest ,',
  'Digest domain="/path /other", realm="r"',
  'Digest domain="sip:u@@h.example.com:99", realm="r"',
];

/**
 * One input built from the grammar's own pieces (hosts, IPv6 forms, URI and header parameters,
 * display names, Via, challenges, first lines), with the start rules it is meant for; `next` is a
 * seeded random number generator. Reaches corners real messages rarely do, mostly well-formed.
 */
export function generatedInput(next: () => number): [string, string[]] {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  const repeat = (part: () => string, max: number): string => Array.from({ length: Math.floor(next() * max) }, part).join('');
  const hex = (): string => pick(['0', '1', 'a', 'ff', 'fe80', '2001', 'db8', 'ffff', '12345', '']);
  const host = (): string =>
    pick([
      'a', 'example.com', 'a.b.', '1.2.3.4', '10.0.0.256', 'host_1', 'a-b.c-d', '[::1]', '[::ffff:1.2.3.4]', '[1:2:3:4:5:6:7:8]', '[1::]',
      '[' + repeat(() => hex() + pick([':', '::', '.', '']), 9) + pick([']', '']),
    ]);
  const param = (): string =>
    ';' +
    pick([
      'lr', 'lr=on', 'transport=' + pick(['udp', 'TCP', 'wss', 'tlsx', '']), 'user=' + pick(['phone', 'ip', 'ipx']), 'maddr=' + host(),
      'ttl=' + pick(['1', '255', '1234', 'x']), 'method=' + pick(['INVITE', 'INVITEX', 'x']), 'x', 'X=Y', 'q=' + pick(['0', '0.5', '1', '0.1234']),
      'expires=' + pick(['60', 'x', '']), 'tag=' + pick(['a', '']), 'received=' + host(), 'branch=z9', 'rport', 'rport=', 'rport=5', 'x=' + host(), 'x="q\\"q"',
    ]);
  const uri = (): string =>
    pick(['sip:', 'sips:', 'SIP:', 'tel:', 'http://']) + pick(['', 'u@', 'u:p@', 'u:@', '%41@', '%ZZ@', 'a;b@']) + host() +
    pick(['', ':5060', ':', ':123456']) + repeat(param, 4) + pick(['', '?h=1', '?h=1&H=2', '?constructor=x', '?']);
  const nameAddr = (): string => pick(['', 'Alice ', '"Al \\"ice" ', 'a b c', '"x"']) + pick(['<' + uri() + '>', uri()]) + repeat(param, 4);
  const via = (): string =>
    pick(['SIP', 'sip', 'XX']) + pick(['/', ' / ']) + '2.0/' + pick(['UDP', 'wss', 'TCPX']) + pick([' ', '\r\n ', '']) + host() + pick(['', ':5060', ' : 1', ':']) + repeat(param, 4);
  const digest = (): string =>
    pick(['realm="r"', 'nonce="n"', 'qop="auth,auth-int"', 'qop="auth, x"', 'algorithm=' + pick(['MD5', 'md5-sess', 'SHA-256', '"MD5"']), 'stale=' + pick(['TRUE', 'false', 'x']), 'domain="' + uri() + ' /p"', 'opaque=""', 'x=y']);
  const forms: Array<[() => string, string[]]> = [
    [uri, ['SIP_URI', 'Refer_To', 'Contact', 'From']],
    [nameAddr, ['Contact', 'From', 'To', 'Name_Addr_Header', 'Record_Route', 'Refer_To']],
    [() => repeat(() => nameAddr() + pick([',', ' , ', ';']), 3) + nameAddr(), ['Contact', 'Record_Route']],
    [() => via() + pick(['', ', ' + via()]), ['Via']],
    [() => pick(['Digest ', 'Basic ', 'digest\t']) + repeat(() => digest() + pick([', ', ',', ' ,']), 4) + digest(), ['WWW_Authenticate', 'Proxy_Authenticate']],
    [() => pick(['INVITE ', 'FOO ', 'SIP/2.0 200 ']) + pick([uri(), 'OK']) + pick([' SIP/2.0', ' sip/2.0', '']), ['Request_Response']],
    [() => pick(['1 ', '2 ']) + pick(['INVITE', 'ACK', 'X']), ['CSeq']],
    [() => pick(['session', 'render;handling=optional', 'text/plain;a=b']), ['Content_Disposition', 'Content_Type']],
    [() => pick(['refer', 'presence.winfo;id=1']) + repeat(param, 3), ['Event']],
    [() => pick(['active', 'terminated;reason=timeout', 'x;expires=1;retry_after=2']), ['Subscription_State']],
  ];
  const [form, rules] = pick(forms);
  return [form(), rules];
}
