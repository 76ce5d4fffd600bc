/**
 * SVG (core/gtk/plot.ts) to PNG with sharp (librsvg inside its prebuilt libvips). sharp is a native
 * development dependency: it is loaded only when a PNG is asked for, so `mulfa` starts (and writes SVG
 * plots) after `npm ci --omit=dev`.
 */
import { UsageError } from './args';

export async function svgToPng(svg: string): Promise<Uint8Array> {
  let sharp: (input: Buffer, opts: { density: number }) => { png(): { toBuffer(): Promise<Buffer> } };
  try {
    sharp = ((await import('sharp')) as unknown as { default: typeof sharp }).default;
  } catch {
    throw new UsageError('PNG plots need the optional package sharp (npm install sharp); an .svg file needs nothing (--png plot.svg)');
  }
  return new Uint8Array(await sharp(Buffer.from(svg), { density: 96 }).png().toBuffer());
}
