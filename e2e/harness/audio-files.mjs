// @ts-check
/**
 * Audio files of the gateway topology, made and read in Node (no sox or ffmpeg needed):
 * - the tone baresip plays (`aufile`): 16-bit PCM WAV, 48 kHz stereo so opus is negotiated;
 * - the tone SIPp streams (`rtp_stream`): raw G.711 µ-law bytes at 8 kHz (payload type 0);
 * - baresip's recordings (`sndfile`): 16-bit PCM WAV, analysed for non-silent samples.
 */
import fs from 'node:fs';

/**
 * Writes a 16-bit PCM WAV file holding a sine tone.
 * @param {string} file
 * @param {{ rate?: number, channels?: number, hz?: number, seconds?: number, amplitude?: number }} [opts]
 */
export function writeToneWav(file, { rate = 48_000, channels = 2, hz = 440, seconds = 60, amplitude = 0.3 } = {}) {
  const frames = Math.round(rate * seconds);
  const dataBytes = frames * channels * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * channels * 2, 28); // byte rate
  buf.writeUInt16LE(channels * 2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  let offset = 44;
  for (let i = 0; i < frames; i++) {
    const sample = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * amplitude * 32767);
    for (let c = 0; c < channels; c++) {
      buf.writeInt16LE(sample, offset);
      offset += 2;
    }
  }
  fs.writeFileSync(file, buf);
}

/**
 * G.711 µ-law encoding of one 16-bit linear sample (ITU-T G.711, as in Sun's g711.c).
 * @param {number} sample -32768..32767
 */
export function linearToUlaw(sample) {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/**
 * Writes raw µ-law bytes (8 kHz mono) of a sine tone: what SIPp's `rtp_stream` sends as
 * payload type 0, 160 bytes per 20 ms packet.
 * @param {string} file
 * @param {{ hz?: number, seconds?: number, amplitude?: number }} [opts]
 */
export function writeToneUlaw(file, { hz = 425, seconds = 10, amplitude = 0.3 } = {}) {
  const n = 8000 * seconds;
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = linearToUlaw(Math.round(Math.sin((2 * Math.PI * hz * i) / 8000) * amplitude * 32767));
  fs.writeFileSync(file, buf);
}

/**
 * Reads a 16-bit PCM WAV file. Tolerates a header whose sizes were never filled in (a file still
 * being written): the data chunk then runs to the end of the file.
 * @param {string} file
 * @returns {{ rate: number, channels: number, samples: Int16Array }}
 */
export function readWav(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${file}: not a WAV file`);
  }
  let rate = 0;
  let channels = 0;
  let bits = 0;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`${file}: ${bits}-bit samples, expected 16`);
      const end = size > 0 && body + size <= buf.length ? body + size : buf.length;
      const bytes = buf.subarray(body, end - ((end - body) % 2));
      const samples = new Int16Array(bytes.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      return { rate, channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

/**
 * How much of a recording is sound: the seconds recorded, and the seconds of 20 ms frames whose
 * RMS is above `threshold` (of full scale; 0.01 ≈ -40 dBFS), counted from `fromSeconds` on (to
 * look only at what was recorded after some moment: pass the `seconds` of an earlier call).
 * @param {string} file
 * @param {{ threshold?: number, fromSeconds?: number }} [opts]
 * @returns {{ seconds: number, loudSeconds: number, peak: number }}
 */
export function analyseRecording(file, { threshold = 0.01, fromSeconds = 0 } = {}) {
  const { rate, channels, samples } = readWav(file);
  const frame = Math.max(1, Math.round((rate * channels) / 50));
  let loudFrames = 0;
  let peak = 0;
  const first = Math.floor((fromSeconds * rate * channels) / frame) * frame;
  for (let start = first; start + frame <= samples.length; start += frame) {
    let sum = 0;
    for (let i = start; i < start + frame; i++) {
      const v = (samples[i] ?? 0) / 32768;
      sum += v * v;
      peak = Math.max(peak, Math.abs(v));
    }
    if (Math.sqrt(sum / frame) > threshold) loudFrames++;
  }
  return { seconds: samples.length / Math.max(1, rate * channels), loudSeconds: loudFrames / 50, peak };
}
