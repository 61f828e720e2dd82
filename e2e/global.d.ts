// Types of the page-side harness (e2e/pages/harness.js), for specs' page.evaluate callbacks.
import type * as VoxlineSdk from '../src/index';

interface RecordedEvent {
  client: string;
  callId?: string;
  type: string;
  payload: unknown;
  t: number;
}

interface DescribedError {
  name: string;
  code?: string;
  key?: string;
  status?: number;
  message: string;
  isVoxline: boolean;
}

declare global {
  interface Window {
    Voxline: typeof VoxlineSdk;
    vx: {
      events: RecordedEvent[];
      clients: Record<string, VoxlineSdk.Client>;
      calls: Record<string, VoxlineSdk.Call[]>;
      trackCall(name: string, call: VoxlineSdk.Call): VoxlineSdk.Call;
      openPeerConnections(): number;
      selectedLocalPorts(): Promise<number[]>;
      openWebSockets(): number;
      sipFramesSeen(method: string): number;
      sentTrackLabels(): string[];
      pendingTimers(): number;
      pageErrors: Array<{ type: string; message: string }>;
      liveMicrophoneTracks(): number;
      audioElements(): number;
      sdk(): typeof VoxlineSdk;
      create(name: string, options: unknown): VoxlineSdk.Client;
      of(name: string, type?: string): RecordedEvent[];
      attempt<T>(fn: () => T | Promise<T>): Promise<{ ok: boolean; value?: T; error?: DescribedError }>;
      describeError(err: unknown): DescribedError;
    };
  }
}
export {};
