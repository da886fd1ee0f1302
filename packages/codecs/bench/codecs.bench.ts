import { afterAll, bench, describe } from 'vitest';
import {
  createGlzDictionary,
  decodeLz,
  decodeLz4,
  decodeQuic,
  decodeZlibGlz,
  encodeGlz,
  encodeLz,
  encodeLz4,
  encodeQuic,
  encodeZlibGlz,
  GLZ_MAX_WINDOW_SIZE,
  GlzDecoderWindow,
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

const mbps = (bytes: number, ms: number): string => ((bytes / ms) * 1e-3).toFixed(0).padStart(6);
const ratio = (bytes: number, out: number): string => (bytes / out).toFixed(2).padStart(6);

// GLZ as the C reference measures it: a fresh dictionary for each encode (no earlier images to
// match), window at the largest size (2^25 pixels).
const freshGlz = (pixels: XrgbPixels, type: 8 | 9 = LzImageType.Rgb32): Uint8Array =>
  encodeGlz(createGlzDictionary({ id: 0, windowSizePixels: GLZ_MAX_WINDOW_SIZE }), pixels, { type });

describe.skipIf(images.length === 0)('GLZ and ZLIB_GLZ', () => {
  for (const { label, pixels } of images) {
    const bytes = pixels.width * pixels.height * 4;
    const glz = freshGlz(pixels);
    const zlib = encodeZlibGlz(glz);
    bench(`GLZ RGB32 encode ${label} (fresh dictionary)`, () => {
      freshGlz(pixels);
    });
    bench(`GLZ RGB32 decode ${label}`, () => {
      new GlzDecoderWindow().decode(glz);
    });
    rows.push(() => {
      const ms = time(() => freshGlz(pixels));
      const msDecode = time(() => new GlzDecoderWindow().decode(glz));
      return `GLZ RGB32  ${label.padEnd(11)} ${mbps(bytes, ms)}  ${ratio(bytes, glz.length)}   (decode ${mbps(bytes, msDecode).trim()} MB/s)`;
    });
    rows.push(() => {
      // A second encode of the same image against a dictionary that holds the first one.
      const dict = createGlzDictionary({ id: 0, windowSizePixels: GLZ_MAX_WINDOW_SIZE });
      encodeGlz(dict, pixels);
      const again = encodeGlz(dict, pixels);
      return `GLZ repeat ${label.padEnd(11)}      -  ${ratio(bytes, again.length)}   (same image again, window holds it)`;
    });
    if (zlib) {
      rows.push(() => {
        const ms = time(() => encodeZlibGlz(freshGlz(pixels)));
        const msDecode = time(() => new GlzDecoderWindow().decode(decodeZlibGlz(zlib)));
        return `ZLIB_GLZ   ${label.padEnd(11)} ${mbps(bytes, ms)}  ${ratio(bytes, zlib.length)}   (decode ${mbps(bytes, msDecode).trim()} MB/s)`;
      });
    } else {
      rows.push(() => `ZLIB_GLZ   ${label.padEnd(11)}      -       -   (zlib not smaller: sent as GLZ)`);
    }
  }
});

describe.skipIf(images.length === 0)('LZ4', () => {
  for (const { label, pixels } of images) {
    const bytes = pixels.width * pixels.height * 4;
    const size = { width: pixels.width, height: pixels.height };
    const lz4 = encodeLz4(pixels);
    bench(`LZ4 encode ${label}`, () => {
      encodeLz4(pixels);
    });
    bench(`LZ4 decode ${label}`, () => {
      decodeLz4(lz4, size);
    });
    rows.push(() => {
      const ms = time(() => encodeLz4(pixels));
      const msDecode = time(() => decodeLz4(lz4, size));
      return `LZ4 32BIT  ${label.padEnd(11)} ${mbps(bytes, ms)}  ${ratio(bytes, lz4.length)}   (decode ${mbps(bytes, msDecode).trim()} MB/s)`;
    });
  }
});

if (images.length === 0) {
  describe('bench images', () => {
    bench('skipped: ../shared/bench-images is absent (set SPICE_TS_BENCH_IMAGES)', () => {});
  });
}
