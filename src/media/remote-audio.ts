/**
 * Playback of a call's remote audio through a hidden `<audio>` element the SDK owns.
 */

/** Plays a remote stream through an `<audio>` element the SDK owns; `stop()` removes it. */
export class RemoteAudio {
  private element: HTMLAudioElement | null = null;

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
