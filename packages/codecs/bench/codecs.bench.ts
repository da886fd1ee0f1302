import { afterAll, bench, describe } from 'vitest';
import {
  decodeLz,
  decodeQuic,
  encodeLz,
  encodeQuic,
  LzImageType,
  QuicImageType,
  type XrgbPixels,
} from '../src/index.js';
import { BENCH_IMAGES, benchImagesPresent, cropPixels, loadBenchImage } from '../test/support/png.js';

// MB/s of input = width × height × 4 bytes per second: vitest prints hz (encodes a second); the
// table printed at the end turns that into MB/s and adds the compression ratio.

const images: { label: string; pixels: XrgbPixels }[] = [];
if (benchImagesPresent()) {
  for (const image of BENCH_IMAGES) {
    const full = loadBenchImage(image.file);
    images.push({ label: image.name, pixels: full });
    images.push({ label: `${image.name}256`, pixels: cropPixels(full, image.crop[0], image.crop[1], 256, 256) });
  }
}

const rows: (() => string)[] = [];
const time = (fn: () => void): number => {
  fn();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 300) {
    fn();
    n++;
  }
  return (performance.now() - start) / n;
};

afterAll(() => {
  if (rows.length === 0) return;
  // Measured after the benches ran, so the code is warm.
  process.stdout.write(`\ncodec       image        MB/s   ratio\n${rows.map((row) => row()).join('\n')}\n`);
});

describe.skipIf(images.length === 0)('LZ', () => {
  for (const { label, pixels } of images) {
    const bytes = pixels.width * pixels.height * 4;
    for (const [name, type] of [
      ['RGB32', LzImageType.Rgb32],
      ['RGBA', LzImageType.Rgba],
    ] as const) {
      const lz = encodeLz(pixels, type);
      bench(`LZ ${name} encode ${label}`, () => {
        encodeLz(pixels, type);
      });
      bench(`LZ ${name} decode ${label}`, () => {
        decodeLz(lz);
      });
      rows.push(() => {
        const ms = time(() => encodeLz(pixels, type));
        const msDecode = time(() => decodeLz(lz));
        return `LZ ${name.padEnd(6)}  ${label.padEnd(11)} ${((bytes / ms) * 1e-3).toFixed(0).padStart(6)}  ${(bytes / lz.length).toFixed(2).padStart(6)}   (decode ${((bytes / msDecode) * 1e-3).toFixed(0)} MB/s)`;
      });
    }
  }
});

describe.skipIf(images.length === 0)('QUIC', () => {
  for (const { label, pixels } of images) {
    const bytes = pixels.width * pixels.height * 4;
    for (const [name, type] of [
      ['RGB32', QuicImageType.Rgb32],
      ['RGBA', QuicImageType.Rgba],
    ] as const) {
      const quic = encodeQuic(pixels, type);
      bench(`QUIC ${name} encode ${label}`, () => {
        encodeQuic(pixels, type);
      });
      bench(`QUIC ${name} decode ${label}`, () => {
        decodeQuic(quic);
      });
      rows.push(() => {
        const ms = time(() => encodeQuic(pixels, type));
        const msDecode = time(() => decodeQuic(quic));
        return `QUIC ${name.padEnd(6)}${label.padEnd(11)} ${((bytes / ms) * 1e-3).toFixed(0).padStart(6)}  ${(bytes / quic.length).toFixed(2).padStart(6)}   (decode ${((bytes / msDecode) * 1e-3).toFixed(0)} MB/s)`;
      });
    }
  }
});

if (images.length === 0) {
  describe('bench images', () => {
    bench('skipped: ../shared/bench-images is absent (set SPICE_TS_BENCH_IMAGES)', () => {});
  });
}
