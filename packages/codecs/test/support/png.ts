import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import type { XrgbPixels } from '../../src/index.js';

/**
 * Where the shared benchmark images live: $SPICE_TS_BENCH_IMAGES or ../shared/bench-images beside
 * the repository (absent on most users' machines).
 */
export const BENCH_IMAGES_DIR = process.env.SPICE_TS_BENCH_IMAGES
  ? pathToFileURL(`${process.env.SPICE_TS_BENCH_IMAGES.replace(/\/$/, '')}/`)
  : new URL('../../../../../shared/bench-images/', import.meta.url);

/** The bench images and the 256x256 crops gen.sh cuts from them (name, file, crop left/top). */
export const BENCH_IMAGES = [
  { name: 'desktop', file: 'desktop.png', crop: [104, 132] },
  { name: 'photo', file: 'photo.png', crop: [832, 412] },
  { name: 'shot', file: 'shot.png', crop: [10, 10] },
] as const;

export function benchImagesPresent(): boolean {
  return BENCH_IMAGES.every((image) => existsSync(new URL(image.file, BENCH_IMAGES_DIR)));
}

export function loadBenchImage(file: string): XrgbPixels {
  return decodePng(readFileSync(new URL(file, BENCH_IMAGES_DIR)));
}

/** A packed copy of a rectangle of an image. */
export function cropPixels(src: XrgbPixels, left: number, top: number, width: number, height: number): XrgbPixels {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = (top + y) * src.stride + left * 4;
    data.set(src.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { width, height, stride: width * 4, data };
}

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * A minimal PNG reader for the test images: 8-bit grey, grey+alpha, RGB and RGBA, not interlaced.
 * Returns B,G,R,A pixels; alpha is 255 when the image has none (as gen.sh's `-alpha off`).
 */
export function decodePng(file: Uint8Array): XrgbPixels {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= file.byteLength) {
    const length = view.getUint32(pos);
    const kind = String.fromCharCode(...file.subarray(pos + 4, pos + 8));
    const body = file.subarray(pos + 8, pos + 8 + length);
    if (kind === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      const depth = body[8];
      colorType = body[9]!;
      if (depth !== 8 || body[12] !== 0 || CHANNELS[colorType] === undefined)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${body[12]}`);
    } else if (kind === 'IDAT') {
      idat.push(body);
    } else if (kind === 'IEND') {
      break;
    }
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = CHANNELS[colorType]!;
  const rowBytes = width * bpp;
  const rows = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)]!;
    const src = y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const a = x >= bpp ? rows[dst + x - bpp]! : 0;
      const b = y > 0 ? rows[dst - rowBytes + x]! : 0;
      const c = x >= bpp && y > 0 ? rows[dst - rowBytes + x - bpp]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      rows[dst + x] = (raw[src + x]! + predictor) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * bpp;
    const [r, g, b] = bpp >= 3 ? [rows[s]!, rows[s + 1]!, rows[s + 2]!] : [rows[s]!, rows[s]!, rows[s]!];
    data[i * 4] = b;
    data[i * 4 + 1] = g;
    data[i * 4 + 2] = r;
    data[i * 4 + 3] = 255;
  }
  return { width, height, stride: width * 4, data };
}
