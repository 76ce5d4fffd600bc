/** SVG (core/gtk/plot.ts) to PNG with sharp (librsvg inside its prebuilt libvips). */
import sharp from 'sharp';

export async function svgToPng(svg: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(svg), { density: 96 }).png().toBuffer());
}
