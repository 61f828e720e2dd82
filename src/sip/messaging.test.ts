/**
 * SIP MESSAGE through a real Client over a scripted registrar: what goes on the wire, how answers
 * settle `sendMessage()`, and how an incoming MESSAGE becomes a `message` event (answered 200).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain JS test helper of the dev server (JSDoc-typed, no .d.ts)
import { buildRequest, buildResponseTo } from '../../server/test-client.js';
import type { SipFrame } from '../../test/fake-registrar';
import { useRegistrarBed } from '../../test/registrar-bed';
import type { Client } from '../client/client';
import type { IncomingTextMessage } from '../client/events';
import { SipError } from '../errors';

const bed = useRegistrarBed({ fakeTimers: false });
let client: Client;

beforeEach(async () => {
  client = bed.newClient();
  await client.login('alice', 'pw');
});

async function nextMessage(): Promise<SipFrame> {
  await vi.waitFor(() => expect(bed.registrar.requests.filter((r) => r.method === 'MESSAGE')).not.toHaveLength(0));
  return bed.registrar.requests.filter((r) => r.method === 'MESSAGE').at(-1)!;
}

function answer(request: SipFrame, status: number, reason: string): void {
  bed.registrar.socket.receive(buildResponseTo(request, status, reason, { toTag: 'bob1' }));
}

describe('Messaging', () => {
  it('sends a MESSAGE to the target with the body and content type, and resolves on 200', async () => {
    const sent = client.sendMessage('bob', 'Hello Bob — ünïcode ✓', { contentType: 'text/plain;charset=utf-8' });
    const request = await nextMessage();
    expect(request.ruri).toBe('sip:bob@voxline.test');
    expect(request.header('to')).toContain('sip:bob@voxline.test');
    expect(request.header('content-type')).toBe('text/plain;charset=utf-8');
    expect(request.body).toBe('Hello Bob — ünïcode ✓');
    answer(request, 200, 'OK');
    await expect(sent).resolves.toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('rejects with SipError carrying the status of a final failure', async () => {
    const sent = client.sendMessage('nobody', 'hi').catch((e: unknown) => e);
    answer(await nextMessage(), 404, 'Not Found');
    const err = await sent;
    expect(err).toBeInstanceOf(SipError);
    expect((err as SipError).status).toBe(404);
  });

  it('turns an incoming MESSAGE into one "message" event, with the sender and an unescaped display name, and answers 200', async () => {
    const seen: IncomingTextMessage[] = [];
    client.on('message', (m) => seen.push(m));
    const request = buildRequest('MESSAGE', 'sip:alice@voxline.test', {
      from: 'sip:bob@voxline.test',
      to: 'sip:alice@voxline.test',
      body: 'hi Alice',
      contentType: 'text/plain',
    }).replace(/^From: <sip:bob@voxline.test>/m, 'From: "Bob \\"B\\" Smith" <sip:bob@voxline.test>');
    const before = bed.registrar.socket.sent.length;
    bed.registrar.socket.receive(request);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject({ from: 'bob', fromUri: 'sip:bob@voxline.test', displayName: 'Bob "B" Smith', body: 'hi Alice', contentType: 'text/plain' });
    await vi.waitFor(() => expect(bed.registrar.socket.sent.slice(before).some((f) => f.startsWith('SIP/2.0 200'))).toBe(true));
  });
});
