/**
 * One setup for the unit tests of shared mode (#16) through real Clients: the
 * {@link useRegistrarBed} (real timers), and before each test a fresh in-process
 * {@link WorkerHub} running real engines on the scripted registrar, a `SharedWorker` global
 * whose every instance joins its tab to that hub over a cloning {@link directChannel}, and a
 * `navigator.locks` that grants each tab its Web Lock at once. The hub's waits for those locks
 * are kept in the order the tabs said hello: `tabGone(i)` is the i-th tab closed or crashed.
 * Globals are restored after each test by the registrar bed.
 */
import { beforeEach, vi } from 'vitest';
import { directChannel, type ChannelPort } from '../src/engine/direct-channel';
import { Engine } from '../src/engine/engine';
import { WorkerHub } from '../src/engine/worker-hub';
import { createLogger, type Logger } from '../src/logger';
import { resolveOptions } from '../src/resolve-options';
import type { FakeCallMedia } from './fake-call-media';
import { useRegistrarBed, type RegistrarBed } from './registrar-bed';

/** The fake `SharedWorker` a tab makes: its port is the page's end of the channel. */
export interface FakeSharedWorker {
  readonly port: ChannelPort;
  onerror: ((event: unknown) => void) | null;
}

export interface SharedWorkerBedOptions {
  /**
   * Options every engine the hub makes gets over the tab's own.
   * @defaultValue `{ persistOutbox: false, resumeCalls: false }`
   */
  engineOptions?: Record<string, unknown>;
  /**
   * For tabs that make calls: the per-tab media lists that the test file's
   * `vi.mock('../sip/media', …)` fills through `fakePageCallMedia` (fake-call-media.ts), emptied
   * before each test; `navigator.mediaDevices` is stubbed too, its `getUserMedia()` answering
   * with `bed.microphone()`. @defaultValue none (no `navigator.mediaDevices`)
   */
  callMedia?: FakeCallMedia[][];
  /** The hub's logger, made before each test. @defaultValue a silent logger */
  hubLogger?(): Logger;
  /**
   * What a new worker does with its end of the tab's channel (it may throw, as the
   * `SharedWorker` constructor would). @defaultValue the hub attaches it
   */
  connect?(workerEnd: ChannelPort, url: string, worker: FakeSharedWorker): void;
}

export interface SharedWorkerBed extends RegistrarBed {
  /** The hub every new `SharedWorker` joins (the one of the running test, or its `newHub()`). */
  readonly hub: WorkerHub;
  /** A new worker (the old one died): tabs made from now on join a fresh hub. */
  newHub(): WorkerHub;
  /** The Web Locks the hubs of this test wait for, one per tab, in the order the tabs said hello. */
  readonly tabLocks: readonly string[];
  /** Releases the Web Lock of the `index`-th tab (see `tabLocks`): that tab is gone (closed, reloaded, crashed). */
  tabGone(index: number): void;
  /** What `getUserMedia()` answers with `callMedia`: a stream with one audio track, until a test replaces it. */
  microphone: () => Promise<MediaStream>;
  /** Lets the hub's messages and the engines' promises settle: `ms` of real time. */
  settle(ms?: number): Promise<void>;
}

/** A stream with one live audio track, as a granted microphone gives. */
function grantedMicrophone(id: string): MediaStream {
  const track = { kind: 'audio', stop: vi.fn(), enabled: true };
  return { id, getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream;
}

/** Registers the hooks in the calling test file and returns the bed they fill. */
export function useSharedWorkerBed(options: SharedWorkerBedOptions = {}): SharedWorkerBed {
  const registrarBed = useRegistrarBed({ fakeTimers: false });
  const engineOptions = options.engineOptions ?? { persistOutbox: false, resumeCalls: false };
  let hub: WorkerHub | null = null;
  let hubLogger: Logger = createLogger('silent');
  let locks: Array<{ name: string; gone: () => void }> = [];
  let streams = 0;

  const newHub = (): WorkerHub =>
    (hub = new WorkerHub({
      logger: hubLogger,
      whenGone: (name, gone) => locks.push({ name, gone }),
      createEngine: (tabOptions, openMedia) => new Engine({ options: resolveOptions({ ...tabOptions, ...engineOptions }), logger: createLogger('silent'), openMedia }),
    }));

  const bed: SharedWorkerBed = {
    get registrar() {
      return registrarBed.registrar;
    },
    newClient: (clientOptions) => registrarBed.newClient(clientOptions),
    get hub(): WorkerHub {
      if (!hub) throw new Error('the hub exists only inside a test');
      return hub;
    },
    newHub,
    get tabLocks() {
      return locks.map((l) => l.name);
    },
    tabGone(index) {
      const lock = locks[index];
      if (!lock) throw new Error(`no tab ${index}: the hub waits for ${locks.length} Web Lock(s)`);
      lock.gone();
    },
    microphone: () => Promise.resolve(grantedMicrophone(`mic-${++streams}`)),
    settle: (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const grant = bed.microphone;

  beforeEach(() => {
    locks = [];
    hubLogger = options.hubLogger?.() ?? createLogger('silent');
    bed.microphone = grant;
    if (options.callMedia) options.callMedia.length = 0;
    const mediaDevices = { getUserMedia: () => bed.microphone(), enumerateDevices: () => Promise.resolve([]), addEventListener: () => undefined, removeEventListener: () => undefined };
    vi.stubGlobal('navigator', {
      // The tab's lock is granted at once and held for good (the request never settles).
      locks: { request: (_name: string, callback: () => Promise<void>) => (callback(), new Promise(() => undefined)) },
      ...(options.callMedia && { mediaDevices }),
    });
    newHub();
    const connect = options.connect ?? ((workerEnd: ChannelPort) => bed.hub.attach(workerEnd));
    vi.stubGlobal(
      'SharedWorker',
      class implements FakeSharedWorker {
        readonly port: ChannelPort;
        onerror: ((event: unknown) => void) | null = null;
        constructor(url: string) {
          const [pageEnd, workerEnd] = directChannel();
          this.port = pageEnd;
          connect(workerEnd, url, this);
        }
      },
    );
  });

  return bed;
}
