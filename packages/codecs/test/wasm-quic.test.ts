import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeQuic, encodeQuic, QuicImageType, type XrgbPixels } from '../src/index.js';
import { createWasmQuicEncoder } from '../src/quic-wasm.js';
import { useWasmEncoders } from '../src/wasm-encoders.js';
import { BENCH_IMAGES, benchImagesPresent, cropPixels, loadBenchImage } from './support/png.js';

/** Runs `f` with the WebAssembly encoders off: the TypeScript reference path. */
function typescriptOnly<T>(f: () => T): T {
  useWasmEncoders(false);
  try {
    return f();
  } finally {
    useWasmEncoders(true);
  }
}

// The WebAssembly QUIC encoder must write exactly what the TypeScript one (and spice-common) writes.
// Its .wasm is a build product of wasm/build.mjs; without it these tests cannot run.

/** Smooth gradients with noise, flat areas and repeated pixels: every QUIC path (runs, all codes). */
const imageArb = (maxWidth: number, maxHeight = maxWidth) =>
  fc
    .record({
      width: fc.integer({ min: 1, max: maxWidth }),
      height: fc.integer({ min: 1, max: maxHeight }),
      pad: fc.integer({ min: 0, max: 3 }),
      noise: fc.integer({ min: 0, max: 255 }),
      flat: fc.integer({ min: 0, max: 8 }),
      seed: fc.integer(),
    })
    .map(({ width, height, pad, noise, flat, seed }) => {
      const stride = (width + pad) * 4;
      const data = new Uint8Array(stride * height);
      let s = seed | 0 || 1;
      const next = () => {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return s >>> 0;
      };
      let held = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * stride + x * 4;
          if (next() % 8 >= flat) held = next();
          const n = noise ? next() % (noise + 1) : 0;
          data[i] = (x * 3 + n + (held & 0xf)) & 0xff;
          data[i + 1] = (y * 5 + (held >>> 8) * (flat & 1)) & 0xff;
          data[i + 2] = (x + y + n) & 0xff;
          data[i + 3] = next() & 0xff;
        }
      }
      return { width, height, stride, data } satisfies XrgbPixels;
    });

describe('WASM QUIC RGB32 encoder', () => {
  const encoder = createWasmQuicEncoder();

  it.skipIf(!benchImagesPresent())('writes the same bytes as encodeQuic on the bench images and crops', () => {
    for (const image of BENCH_IMAGES) {
      const full = loadBenchImage(image.file);
      const crop = cropPixels(full, image.crop[0], image.crop[1], 256, 256);
      for (const pixels of [full, crop]) {
        const expected = typescriptOnly(() => encodeQuic(pixels, QuicImageType.Rgb32));
        const out = encoder!.encodeRgb32(pixels);
        expect(out.length, image.name).toBe(expected.length);
        expect(Buffer.compare(out, expected), image.name).toBe(0);
      }
    }
  });

  it('writes the same bytes as encodeQuic on random images of all sizes and strides', () => {
    fc.assert(
      fc.property(imageArb(80), (pixels) => {
        const want = typescriptOnly(() => encodeQuic(pixels, QuicImageType.Rgb32));
        const got = encoder!.encodeRgb32(pixels);
        expect(got.length).toBe(want.length);
        expect(Buffer.compare(got, want)).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('writes the same bytes as encodeQuic on wide random images (wait-mask steps inside a row)', () => {
    fc.assert(
      fc.property(imageArb(7000, 6), (pixels) => {
        const want = typescriptOnly(() => encodeQuic(pixels, QuicImageType.Rgb32));
        const got = encoder!.encodeRgb32(pixels);
        expect(got.length).toBe(want.length);
        expect(Buffer.compare(got, want)).toBe(0);
      }),
      { numRuns: 20 },
    );
  });

  it('writes the same bytes as encodeQuic when the rows are coded in several chunks', () => {
    // 1 MiB chunks of worst-case output: 124 rows of 700 pixels, so 300 rows take three.
    fc.assert(
      fc.property(imageArb(1, 1), (seed) => {
        const pixels = { ...seed, width: 700, height: 300, stride: 2800, data: new Uint8Array(700 * 300 * 4) };
        for (let i = 0; i < pixels.data.length; i++) pixels.data[i] = (seed.data[0]! * i + (i >> 11)) & 0xff;
        const want = typescriptOnly(() => encodeQuic(pixels, QuicImageType.Rgb32));
        const got = encoder!.encodeRgb32(pixels);
        expect(got.length).toBe(want.length);
        expect(Buffer.compare(got, want)).toBe(0);
      }),
      { numRuns: 3 },
    );
  });

  it('encodes from a view the caller fills, and the stream decodes to the input', () => {
    const width = 97;
    const height = 31;
    const view = encoder!.inputView(width, height);
    for (let i = 0; i < view.length; i++) view[i] = (i * 31) % 251 < 120 ? 7 : (i * 7) & 0xff;
    const pixels = { width, height, stride: width * 4, data: view.slice() };
    const out = encoder!.encodePreparedRgb32(width, height);
    expect(Buffer.from(out)).toEqual(Buffer.from(typescriptOnly(() => encodeQuic(pixels, QuicImageType.Rgb32))));
    expect(decodeQuic(out).width).toBe(width);
  });

  it('rejects an empty image and a short buffer with BadImageError', () => {
    expect(() => encoder!.encodeRgb32({ width: 0, height: 1, stride: 0, data: new Uint8Array(0) })).toThrow(
      expect.objectContaining({ code: 'ERR_CODEC_BAD_IMAGE' }),
    );
    expect(() => encoder!.encodeRgb32({ width: 4, height: 4, stride: 16, data: new Uint8Array(10) })).toThrow(
      expect.objectContaining({ code: 'ERR_CODEC_BAD_IMAGE' }),
    );
  });
});
