/**
 * {@link WorkerOutbox} alone: who hears each outcome, what a reloaded tab's claim does with each
 * stored message (rebound, replayed, re-submitted), how long outcomes are remembered, and
 * malformed claims ignored. The engine's messaging is a fake that records what is re-submitted.
 */
import { describe, expect, it } from 'vitest';
import type { Messaging, MessageStatus, StoredMessage } from '../sip/messaging';
import { WorkerOutbox } from './worker-outbox';

const stored = (id: string, body = id): StoredMessage => ({ id, to: 'sip:bob@voxline.test', body, contentType: 'text/plain', deadline: 1e15 });
const status = (id: string, body = id, restored = false): MessageStatus => ({ id, status: 'delivered', to: 'bob', body, restored, at: 1 });

function setup(held: StoredMessage[] = []) {
  let now = 1_000;
  const posts: Array<[string, string]> = [];
  const resubmitted: string[][] = [];
  const outbox = new WorkerOutbox<string>((tab, s) => posts.push([tab, `${s.id}:${s.status}:${s.restored}`]), () => now);
  const messaging = { pending: () => held, restore: (m: StoredMessage[]) => resubmitted.push(m.map((x) => x.id)) } as unknown as Messaging;
  return { outbox, messaging, posts, resubmitted, advance: (ms: number) => (now += ms) };
}

describe('WorkerOutbox', () => {
  it('sends each outcome to the tab that sent the message, and none once that tab is gone', () => {
    const { outbox, posts } = setup();
    outbox.sent('a', 'tab1');
    outbox.sent('b', 'tab1');
    outbox.settled(status('a'));
    outbox.detach('tab1');
    outbox.settled(status('b'));
    expect(posts).toEqual([['tab1', 'a:delivered:false']]);
  });

  it('a claim rebinds what the engine still holds, replays a remembered outcome, and re-submits the rest in order', () => {
    const { outbox, messaging, posts, resubmitted } = setup([stored('held')]);
    outbox.sent('held', 'old');
    outbox.sent('done', 'old');
    outbox.detach('old');
    outbox.settled(status('done'));
    expect(outbox.claim('new', [stored('lost1'), stored('done'), stored('held'), stored('lost2')], messaging)).toBe(2);
    expect(posts).toEqual([['new', 'done:delivered:true']]);
    expect(resubmitted).toEqual([['lost1', 'lost2']]);
    outbox.settled(status('held'));
    outbox.settled(status('lost1', 'lost1', true));
    expect(posts.slice(1)).toEqual([
      ['new', 'held:delivered:true'],
      ['new', 'lost1:delivered:true'],
    ]);
  });

  it('forgets outcomes after two minutes (then re-submits), and does not replay one of another text under the same id', () => {
    const { outbox, messaging, posts, resubmitted, advance } = setup();
    outbox.settled(status('x', 'hello'));
    outbox.settled(status('y'));
    expect(outbox.claim('t', [stored('x', 'another text')], messaging)).toBe(1);
    advance(120_001);
    expect(outbox.claim('t', [stored('y')], messaging)).toBe(1);
    expect(posts).toEqual([]);
    expect(resubmitted).toEqual([['x'], ['y']]);
  });

  it('ignores malformed claims, and claims nothing while the engine is not logged in', () => {
    const { outbox, messaging, resubmitted } = setup();
    expect(outbox.claim('t', [null, 42, { id: 'x' }, { ...stored('bad'), to: 'not a uri' }, stored('ok')], messaging)).toBe(1);
    expect(resubmitted).toEqual([['ok']]);
    expect(outbox.claim('t', [stored('ok')], null)).toBe(0);
  });
});
