/**
 * Playback of a call's remote audio through a hidden `<audio>` element the SDK owns.
 */

/** Plays a remote stream through an `<audio>` element the SDK owns; `stop()` removes it. */
export class RemoteAudio {
  private element: HTMLAudioElement | null = null;
  private sinkId = '';

  /** Routes playback to output device `deviceId` ('' = the default), now and for later playback. */
  async setSinkId(deviceId: string): Promise<void> {
    this.sinkId = deviceId;
    await this.applySink();
  }

  private async applySink(): Promise<void> {
    const element = this.element as (HTMLAudioElement & { sinkId?: string; setSinkId?: (id: string) => Promise<void> }) | null;
    if (element?.setSinkId && element.sinkId !== this.sinkId) await element.setSinkId(this.sinkId);
  }

  /** Plays `stream` (creating the element on first use); without a `document` (SSR) does nothing. */
  play(stream: MediaStream): void {
    const doc = (globalThis as { document?: Document }).document;
    if (!doc) return;
    if (!this.element) {
      this.element = doc.createElement('audio');
      this.element.autoplay = true;
      this.element.setAttribute('data-voxline', 'remote-audio');
      this.element.style.display = 'none';
      doc.body?.appendChild(this.element);
      // A chosen output device applies to a new element too; a refusal keeps the default.
      if (this.sinkId) void this.applySink().catch(() => undefined);
    }
    if (this.element.srcObject !== stream) this.element.srcObject = stream;
    this.element.play().catch(() => {
      // Autoplay may need a user gesture; the element keeps trying once allowed.
    });
  }

  /** Stops playback and removes the element. Idempotent. */
  stop(): void {
    if (!this.element) return;
    this.element.pause();
    this.element.srcObject = null;
    this.element.remove();
    this.element = null;
  }
}
