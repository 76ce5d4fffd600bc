/**
 * Video in the app: WebCodecs VideoEncoder and a muxer. The first codec the browser can encode wins:
 * H.264 or VP9 in MP4 (mp4-muxer), else VP8 in WebM (webm-muxer). The file exists only when complete.
 */
import { Muxer as Mp4Muxer, ArrayBufferTarget as Mp4Target } from 'mp4-muxer';
import { Muxer as WebmMuxer, ArrayBufferTarget as WebmTarget } from 'webm-muxer';

export interface VideoOut { bytes: Uint8Array; ext: 'mp4' | 'webm'; codec: string; mime: string }

interface Choice { codec: string; container: 'mp4' | 'webm'; muxCodec: string }

const CHOICES: Choice[] = [
  { codec: 'avc1.42001f', container: 'mp4', muxCodec: 'avc' },
  { codec: 'vp09.00.10.08', container: 'mp4', muxCodec: 'vp9' },
  { codec: 'vp8', container: 'webm', muxCodec: 'V_VP8' },
];

async function pick(width: number, height: number, fps: number): Promise<Choice> {
  if (typeof VideoEncoder === 'undefined') throw new Error('this browser has no WebCodecs VideoEncoder: use `mulfa render --orbit` instead');
  for (const c of CHOICES) {
    const s = await VideoEncoder.isConfigSupported({ codec: c.codec, width, height, framerate: fps, bitrate: bitrate(width, height, fps) });
    if (s.supported) return c;
  }
  throw new Error('no video codec can be encoded here (tried H.264, VP9, VP8)');
}

/** Generous: near-transparent quality at these small sizes. */
const bitrate = (w: number, h: number, fps: number) => Math.max(500_000, Math.round(w * h * fps * 0.6));

export class VideoEncoderSession {
  private constructor(private readonly enc: VideoEncoder, private readonly finalize: () => VideoOut, private readonly canvas: OffscreenCanvas,
    readonly fps: number, private failed: { e: Error | null }) {}

  static async open(width: number, height: number, fps: number): Promise<VideoEncoderSession> {
    if (width % 2 || height % 2) throw new Error(`video size must be even, got ${width}×${height}`);
    const c = await pick(width, height, fps);
    const failed: { e: Error | null } = { e: null };
    let finalize: () => VideoOut;
    let add: (chunk: EncodedVideoChunk, meta?: EncodedVideoChunkMetadata) => void;
    if (c.container === 'mp4') {
      const muxer = new Mp4Muxer({ target: new Mp4Target(), video: { codec: c.muxCodec as 'avc' | 'vp9', width, height, frameRate: fps }, fastStart: 'in-memory' });
      add = (chunk, meta) => muxer.addVideoChunk(chunk, meta);
      finalize = () => { muxer.finalize(); return { bytes: new Uint8Array(muxer.target.buffer), ext: 'mp4', codec: c.codec, mime: 'video/mp4' }; };
    } else {
      const muxer = new WebmMuxer({ target: new WebmTarget(), video: { codec: c.muxCodec, width, height, frameRate: fps } });
      add = (chunk, meta) => muxer.addVideoChunk(chunk, meta);
      finalize = () => { muxer.finalize(); return { bytes: new Uint8Array(muxer.target.buffer), ext: 'webm', codec: c.codec, mime: 'video/webm' }; };
    }
    const enc = new VideoEncoder({ output: (chunk, meta) => add(chunk, meta ?? undefined), error: (e) => { failed.e = e as Error; } });
    enc.configure({ codec: c.codec, width, height, framerate: fps, bitrate: bitrate(width, height, fps), ...(c.muxCodec === 'avc' ? { avc: { format: 'avc' } } : {}) });
    return new VideoEncoderSession(enc, finalize, new OffscreenCanvas(width, height), fps, failed);
  }

  private frame = 0;

  /** One frame: RGB floats [h · w · 3] in [0, 1]. */
  async add(rgb: Float32Array): Promise<void> {
    if (this.failed.e) throw this.failed.e;
    const { width: w, height: h } = this.canvas;
    const img = new ImageData(w, h);
    for (let p = 0; p < w * h; p++) {
      for (let c = 0; c < 3; c++) img.data[p * 4 + c] = Math.round(Math.min(1, Math.max(0, rgb[p * 3 + c])) * 255);
      img.data[p * 4 + 3] = 255;
    }
    this.canvas.getContext('2d')!.putImageData(img, 0, 0);
    const us = 1e6 / this.fps;
    const vf = new VideoFrame(this.canvas, { timestamp: Math.round(this.frame * us), duration: Math.round(us) });
    this.enc.encode(vf, { keyFrame: this.frame % Math.max(1, Math.round(this.fps * 2)) === 0 });
    vf.close();
    this.frame++;
    while (this.enc.encodeQueueSize > 8) await new Promise((r) => setTimeout(r, 1));
  }

  async finish(): Promise<VideoOut> {
    await this.enc.flush();
    if (this.failed.e) throw this.failed.e;
    this.enc.close();
    return this.finalize();
  }

  cancel(): void {
    try { this.enc.close(); } catch { /* closed */ }
  }
}
