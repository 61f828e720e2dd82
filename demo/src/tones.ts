/**
 * Every sound the phone makes, synthesised with WebAudio (no audio files): the ringtone of an
 * incoming call, the ringback while the other side rings, and a short DTMF beep per key.
 *
 * Browsers only let an AudioContext play after a user gesture, so `unlock()` is called from one
 * (the sign-in button); sounds requested before that are skipped silently. They play on the
 * speaker chosen in the Audio settings where the browser can route an AudioContext
 * (`AudioContext.setSinkId`), else on the default output.
 */

/** DTMF frequency pairs (ITU-T Q.23). */
const DTMF: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

type Pattern = (ctx: AudioContext, out: AudioNode, start: number) => void;

/** Two short bursts of a warbling 440/480 Hz pair, every 3 s: a friendly ring. */
const RINGTONE: Pattern = (ctx, out, start) => {
  for (const offset of [0, 0.45]) {
    burst(ctx, out, [440, 480], start + offset, 0.35, 0.16, 16);
  }
};

/** North-American ringback: 440 + 480 Hz, 2 s on, 4 s off (one cycle per 6 s). */
const RINGBACK: Pattern = (ctx, out, start) => burst(ctx, out, [440, 480], start, 2, 0.05);

function burst(ctx: AudioContext, out: AudioNode, freqs: number[], start: number, length: number, volume: number, warbleHz = 0): void {
  const gain = ctx.createGain();
  gain.gain.setValueAtTime(0, start);
  gain.gain.linearRampToValueAtTime(volume, start + 0.02);
  gain.gain.setValueAtTime(volume, start + length - 0.03);
  gain.gain.linearRampToValueAtTime(0, start + length);
  gain.connect(out);
  for (const freq of freqs) {
    const osc = ctx.createOscillator();
    osc.frequency.value = freq;
    if (warbleHz > 0) {
      const lfo = ctx.createOscillator();
      const depth = ctx.createGain();
      lfo.frequency.value = warbleHz;
      depth.gain.value = freq * 0.03;
      lfo.connect(depth).connect(osc.frequency);
      lfo.start(start);
      lfo.stop(start + length);
    }
    osc.connect(gain);
    osc.start(start);
    osc.stop(start + length);
  }
}

/** `AudioContext.setSinkId` (Chromium 110+), not in every browser nor every DOM typing. */
type RoutableContext = AudioContext & { setSinkId?: (sinkId: string) => Promise<void>; sinkId?: unknown };

export class Tones {
  private ctx: AudioContext | null = null;
  /** The output device for every sound ('' = the default). */
  private sinkId = '';
  private loop: { timer: ReturnType<typeof setInterval>; output: GainNode } | null = null;

  /** Creates or resumes the AudioContext; call from a user gesture. */
  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
      this.route();
    } catch {
      this.ctx = null; // no WebAudio: the phone works, silently
    }
  }

  /** Plays every sound on output device `deviceId` (`null`: the default) where the browser can. */
  setSinkId(deviceId: string | null): void {
    this.sinkId = deviceId ?? '';
    this.route();
  }

  /** True while a ringtone or ringback plays. */
  get playing(): boolean {
    return this.loop !== null;
  }

  ringtone(): void {
    this.repeat(RINGTONE, 3000);
  }

  ringback(): void {
    this.repeat(RINGBACK, 6000);
  }

  /** Stops the ringtone or ringback. */
  stop(): void {
    if (!this.loop) return;
    clearInterval(this.loop.timer);
    this.loop.output.disconnect();
    this.loop = null;
  }

  /** A 120 ms dual-tone beep for a keypad key. */
  key(key: string): void {
    const pair = DTMF[key.toUpperCase()];
    const ctx = this.ready();
    if (!pair || !ctx) return;
    burst(ctx, ctx.destination, pair, ctx.currentTime, 0.12, 0.08);
  }

  private repeat(pattern: Pattern, everyMs: number): void {
    this.stop();
    const ctx = this.ready();
    if (!ctx) return;
    const output = ctx.createGain();
    output.connect(ctx.destination);
    const play = (): void => pattern(ctx, output, ctx.currentTime + 0.02);
    play();
    this.loop = { timer: setInterval(play, everyMs), output };
  }

  private route(): void {
    const ctx = this.ready() as RoutableContext | null;
    if (!ctx?.setSinkId || (typeof ctx.sinkId === 'string' && ctx.sinkId === this.sinkId)) return;
    // A refused device (unplugged meanwhile) keeps the sounds on the current output.
    void ctx.setSinkId(this.sinkId).catch(() => undefined);
  }

  private ready(): AudioContext | null {
    return this.ctx && this.ctx.state !== 'closed' ? this.ctx : null;
  }
}
