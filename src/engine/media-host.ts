/**
 * Shared mode, page side: the calls of the SharedWorker engine in this tab. It keeps a
 * {@link RemoteCall} for every call the engine lists here (`call` messages), and makes and serves
 * the real media (src/media: microphone, peer connection, `<audio>`) of the calls this tab owns,
 * the ones it placed or answered: the engine's `media` requests run on it in the order they came,
 * each answered with a `media-reply` carrying the media's state; a change the media reports by
 * itself (connectivity, remote audio) goes to the engine as `media-state`. `client.audio` device
 * switches apply to the calls whose microphone this tab opened. A `MediaStream` the application
 * passes as `audio` never leaves the tab: the engine names it by its id. With `resumeCalls`, the
 * records of the calls it owns are kept across its reload (page-call-store.ts) and claimed back.
 */
import { InvalidStateError } from '../errors';
import type { CallMedia } from '../media/call-media';
import { acquireAudio, deviceAudio, stopStream, switchInput } from '../media/audio-source';
import type { CallMediaFactory, CallMediaOptions } from '../sip/calls';
import type { EngineProxy } from './engine-proxy';
import type { PageCallStore } from './page-call-store';
import { decodeValue, encodeError, encodeValue, PROTOCOL_VERSION, type CallSnapshot, type EngineMessage, type MediaSnapshot } from './protocol';
import { RemoteCall } from './remote-call';

/** What the tab's calls tell the client. */
export interface PageCallsHooks {
  /** A call this tab sees for the first time; `ring`: a new incoming call (`incomingcall`). */
  added(view: RemoteCall, ring: boolean): void;
  /** The other party transferred `from`; the engine placed `next`. */
  transferred(from: RemoteCall, next: RemoteCall): void;
  /** A call this tab owned before its reload is back here (`callresumed`). */
  claimed(view: RemoteCall): void;
}

/** The audio of a call, as the engine's `call` command or `answer` carries it. */
type AudioRef = { audio?: MediaTrackConstraints; streamId?: string };

export class PageCalls {
  private readonly views = new Map<string, RemoteCall>();
  private readonly medias = new Map<string, CallMedia>();
  /** The application's own streams (`audio: MediaStream`), by id, until their call's media is open. */
  private readonly streams = new Map<string, MediaStream>();
  /** Calls whose microphone this tab opened (device switches move them). */
  private readonly ownMic = new Set<string>();
  private inputDeviceId: string | null = null;
  private outputDeviceId: string | null = null;

  constructor(
    private readonly proxy: EngineProxy,
    private readonly createMedia: CallMediaFactory,
    private readonly hooks: PageCallsHooks,
    /** With `resumeCalls`: where this tab keeps its calls' records. */
    readonly store: PageCallStore | null,
  ) {}

  /** A `call`, `media` or `stored` message of the engine. */
  receive(message: Extract<EngineMessage, { kind: 'call' | 'media' | 'stored' }>): void {
    if (message.kind === 'stored') return this.store?.keep(message.calls);
    if (message.kind === 'media') return void this.serve(message);
    const { callId, event, call } = message;
    const payload = decodeValue(message.payload);
    let view = this.views.get(callId);
    if (!view) {
      if (event === 'ended') return;
      view = this.view(call);
      this.hooks.added(view, event === 'incoming');
    }
    if (event === 'incoming' || event === 'listed') return;
    if (event === 'transferred') {
      const next = payload as CallSnapshot;
      return this.hooks.transferred(view, this.views.get(next.id) ?? this.view(next));
    }
    if (event === 'ended') this.views.delete(callId);
    if (event === 'claimed') return view.apply(call), this.hooks.claimed(view);
    view.apply(call, event, payload);
  }

  /** Places a call whose media this tab owns; resolves with its view once the INVITE is out. */
  async place(target: string, headers: Record<string, string>, options: CallMediaOptions): Promise<RemoteCall> {
    const ref = this.keep(options.audio);
    try {
      const call = (await this.proxy.request({ op: 'call', target, headers, playRemoteAudio: options.playRemoteAudio !== false, ...ref })) as CallSnapshot;
      return this.views.get(call.id) ?? this.view(call);
    } finally {
      if (ref.streamId) this.streams.delete(ref.streamId);
    }
  }

  /** Answers `view`'s call with its media in this tab. */
  async answer(view: RemoteCall, options: CallMediaOptions): Promise<void> {
    const ref = this.keep(options.audio);
    try {
      await this.proxy.request({ op: 'call-op', callId: view.id, method: 'answer', args: [{ ...ref, playRemoteAudio: options.playRemoteAudio !== false }] });
    } finally {
      if (ref.streamId) this.streams.delete(ref.streamId);
    }
  }

  /** Moves the microphone of the calls this tab opened it for to `deviceId` (`null`: the default). */
  async useInput(deviceId: string | null): Promise<void> {
    await switchInput([...this.ownMic].flatMap((id) => this.medias.get(id) ?? []), deviceId);
    this.inputDeviceId = deviceId;
  }

  /** Plays the remote audio of this tab's calls on `deviceId`, now and later. */
  async useOutput(deviceId: string | null): Promise<void> {
    for (const media of this.medias.values()) await media.setOutputDevice(deviceId);
    this.outputDeviceId = deviceId;
  }

  /** The tab is done (destroy()): its media closes at once (the engine ends its calls). */
  close(): void {
    for (const media of this.medias.values()) media.close();
    this.medias.clear();
  }

  private view(call: CallSnapshot): RemoteCall {
    const view = new RemoteCall(call, (method, args) => this.proxy.request({ op: 'call-op', callId: call.id, method, args }), () => this.medias.get(call.id));
    this.views.set(call.id, view);
    return view;
  }

  private keep(audio: CallMediaOptions['audio']): AudioRef {
    if (typeof MediaStream !== 'undefined' && audio instanceof MediaStream) {
      this.streams.set(audio.id, audio);
      return { streamId: audio.id };
    }
    return audio instanceof Object ? { audio: audio as MediaTrackConstraints } : {};
  }

  private async serve({ seq, callId, op, args }: Extract<EngineMessage, { kind: 'media' }>): Promise<void> {
    const post = (reply: { ok: true; value: unknown } | { ok: false; error: ReturnType<typeof encodeError> }): void =>
      this.proxy.post({ voxline: PROTOCOL_VERSION, kind: 'media-reply', seq, ...reply, state: this.state(callId) } as Parameters<EngineProxy['post']>[0]);
    try {
      const decoded = args.map(decodeValue);
      const media = this.medias.get(callId);
      let value: unknown;
      if (op === 'open') await this.open(callId, decoded[0] as AudioRef & { playRemoteAudio: boolean });
      else if (!media) throw new InvalidStateError(`no media for call ${callId} in this tab`);
      else if (op === 'close') {
        media.close();
        this.medias.delete(callId);
        this.ownMic.delete(callId);
      } else value = await (media[op] as (...a: unknown[]) => unknown).apply(media, decoded);
      post({ ok: true, value: encodeValue(value) });
    } catch (err) {
      post({ ok: false, error: encodeError(err) });
    }
  }

  private async open(callId: string, { audio, streamId, playRemoteAudio }: AudioRef & { playRemoteAudio: boolean }): Promise<void> {
    const given = streamId === undefined ? undefined : this.streams.get(streamId);
    const { stream, owned } = await acquireAudio(given ?? audio ?? deviceAudio(this.inputDeviceId));
    let media: CallMedia;
    try {
      media = this.createMedia({ stream, owned, playRemoteAudio });
    } catch (err) {
      if (owned) stopStream(stream);
      throw err;
    }
    media.delegate = {
      onRemoteStream: (remote) => {
        this.views.get(callId)?.emit('remotestream', remote);
        this.push(callId);
      },
      onConnectionState: () => this.push(callId),
    };
    if (owned) this.ownMic.add(callId);
    if (this.outputDeviceId !== null) media.setOutputDevice(this.outputDeviceId).catch(() => undefined);
    this.medias.set(callId, media);
  }

  /** The media's state for the engine's mirror, or `null` when this tab has no media for the call. */
  private state(callId: string): MediaSnapshot | null {
    const media = this.medias.get(callId);
    return media ? { signalingState: media.signalingState, held: media.held, muted: media.muted, connectionState: media.connectionState } : null;
  }

  private push(callId: string): void {
    const state = this.state(callId);
    if (state) this.proxy.post({ voxline: PROTOCOL_VERSION, kind: 'media-state', callId, state });
  }
}
