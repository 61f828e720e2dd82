import { describe, expect, it } from 'vitest';
import { answerDirection, dtlsFingerprint, iceUfrag, offerDirection, offeredDirection, rtpDtmfProblem } from './sdp';

const sdp = (session: string, audio: string, video = ''): string =>
  `v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n${session}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n${audio}${video ? `m=video 9 UDP/TLS/RTP/SAVPF 96\r\n${video}` : ''}`;

describe('offeredDirection', () => {
  it("reads the audio section's direction, else the session level's, else sendrecv", () => {
    expect(offeredDirection(sdp('', 'a=sendonly\r\n'))).toBe('sendonly');
    expect(offeredDirection(sdp('a=inactive\r\n', 'a=rtpmap:111 opus/48000/2\r\n'))).toBe('inactive');
    expect(offeredDirection(sdp('a=inactive\r\n', 'a=recvonly\r\n'))).toBe('recvonly');
    expect(offeredDirection(sdp('', 'a=rtpmap:111 opus/48000/2\r\n'))).toBe('sendrecv');
    // A video section's direction is not the audio's.
    expect(offeredDirection(sdp('', 'a=rtpmap:111 opus/48000/2\r\n', 'a=inactive\r\n'))).toBe('sendrecv');
  });
});

describe('iceUfrag', () => {
  it('reads the audio (or session-level) ICE username fragment', () => {
    expect(iceUfrag(sdp('', 'a=ice-ufrag:abcd\r\na=ice-pwd:x\r\n'))).toBe('abcd');
    expect(iceUfrag(sdp('a=ice-ufrag:sess\r\n', ''))).toBe('sess');
    expect(iceUfrag(sdp('', ''))).toBeUndefined();
    expect(iceUfrag(undefined)).toBeUndefined();
  });
});

describe('hold directions (RFC 3264)', () => {
  it('offers: hold makes sendrecv sendonly and recvonly inactive; resume reverses', () => {
    expect(['sendrecv', 'sendonly', 'recvonly', 'inactive'].map((d) => [offerDirection(d as RTCRtpTransceiverDirection, true), offerDirection(d as RTCRtpTransceiverDirection, false)])).toEqual([
      ['sendonly', 'sendrecv'],
      ['sendonly', 'sendrecv'],
      ['inactive', 'recvonly'],
      ['inactive', 'recvonly'],
    ]);
  });

  it('answers: intersect the offer with our hold', () => {
    expect(['sendrecv', 'sendonly', 'recvonly', 'inactive'].map((d) => [answerDirection(d as RTCRtpTransceiverDirection, false), answerDirection(d as RTCRtpTransceiverDirection, true)])).toEqual([
      ['sendrecv', 'sendonly'],
      ['recvonly', 'inactive'],
      ['sendonly', 'sendonly'],
      ['inactive', 'inactive'],
    ]);
  });
});

describe('rtpDtmfProblem: telephone-event at the audio codec\'s clock rate', () => {
  const answer = (formats: string, maps: string[]) => `v=0\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP ${formats}\r\n${maps.map((m) => `a=rtpmap:${m}\r\n`).join('')}a=sendrecv\r\n`;

  it('opus/48000 with telephone-event/48000: usable', () => {
    expect(rtpDtmfProblem(answer('111 110', ['111 opus/48000/2', '110 telephone-event/48000']))).toBeUndefined();
  });

  it('opus/48000 with telephone-event/8000 only (a desk phone behind rtpengine): not usable, and says why', () => {
    expect(rtpDtmfProblem(answer('111 101', ['111 opus/48000/2', '101 telephone-event/8000']))).toBe("the answer's telephone-event is at 8000 Hz, not at opus's 48000 Hz");
  });

  it('PCMU (static, no rtpmap) with telephone-event/8000: usable; without: not', () => {
    expect(rtpDtmfProblem(answer('0 101', ['101 telephone-event/8000']))).toBeUndefined();
    expect(rtpDtmfProblem(answer('0 8', []))).toBe('the answer has no telephone-event');
  });

  it('the first voice codec counts, whatever comes before it or after', () => {
    expect(rtpDtmfProblem(answer('101 13 0 111', ['101 telephone-event/8000', '13 CN/8000', '111 opus/48000/2']))).toBeUndefined();
    expect(rtpDtmfProblem(answer('111 0 101 110', ['111 opus/48000/2', '101 telephone-event/8000', '110 telephone-event/48000']))).toBeUndefined();
    expect(rtpDtmfProblem(answer('101', ['101 telephone-event/8000']))).toBe('the answer names no audio codec');
  });
});

describe('dtlsFingerprint', () => {
  it('reads the audio section\'s fingerprint, else the session-level one, lower-cased; undefined without', () => {
    expect(dtlsFingerprint(sdp('a=fingerprint:sha-256 AA:BB\r\n', 'a=fingerprint:sha-256 CC:DD\r\n'))).toBe('sha-256 cc:dd');
    expect(dtlsFingerprint(sdp('a=fingerprint:sha-256 AA:BB\r\n', 'a=sendrecv\r\n'))).toBe('sha-256 aa:bb');
    expect(dtlsFingerprint(sdp('', 'a=sendrecv\r\n'))).toBeUndefined();
  });
});
