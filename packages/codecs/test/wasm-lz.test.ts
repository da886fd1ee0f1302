import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLz, encodeLz, LzImageType, type XrgbPixels } from '../src/index.js';
import { createWasmLzEncoder } from '../src/lz-wasm.js';
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

// The WebAssembly LZ encoder must write exactly what the TypeScript one (and spice-common) writes.
// Its .wasm is a build product of wasm/build.mjs; without it these tests cannot run.

interface ReferenceCase {
  name: string;
  type: number;
  width: number;
  height: number;
  topDown: boolean;
  stride: number;
  input: string;
  lz: string;
}

/** Pixels drawn from a small palette in runs, so that runs, near and far matches all occur. */
const imageArb = (maxSide: number) =>
  fc
    .record({
      width: fc.integer({ min: 1, max: maxSide }),
      height: fc.integer({ min: 1, max: maxSide }),
      pad: fc.integer({ min: 0, max: 3 }),
      colours: fc.integer({ min: 1, max: 300 }),
      runBias: fc.integer({ min: 0, max: 8 }),
      seed: fc.integer(),
      topDown: fc.boolean(),
    })
    .map(({ width, height, pad, colours, runBias, seed, topDown }) => {
      const stride = (width + pad) * 4;
      const data = new Uint8Array(stride * height);
      let s = seed | 0 || 1;
      const next = () => {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return s >>> 0;
      };
      let colour = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (next() % 8 >= runBias) colour = next() % colours;
          const i = y * stride + x * 4;
          data[i] = colour & 0xff;
          data[i + 1] = (colour * 7) & 0xff;
          data[i + 2] = colour >> 8;
          // The X byte varies: it must not count.
          data[i + 3] = next() & 0xff;
        }
      }
      return { pixels: { width, height, stride, data } satisfies XrgbPixels, topDown };
    });

describe('WASM LZ RGB32 encoder', () => {
  const encoder = createWasmLzEncoder();

  it('matches the upstream reference streams for RGB32', () => {
    const reference = JSON.parse(readFileSync(new URL('./fixtures/lz-reference.json', import.meta.url), 'utf8')) as {
      cases: ReferenceCase[];
    };
    const cases = reference.cases.filter((c) => c.type === LzImageType.Rgb32);
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      // The fixture input is in stream order: it goes into the input view as it is.
      const input = Buffer.from(c.input, 'hex');
      const view = encoder!.inputView(c.width, c.height);
      for (let y = 0; y < c.height; y++)
        view.set(input.subarray(y * c.stride, y * c.stride + c.width * 4), y * c.width * 4);
      const out = encoder!.encodePreparedRgb32(c.width, c.height, c.topDown);
      expect(Buffer.from(out).toString('hex'), c.name).toBe(c.lz);
    }
  });

  it.skipIf(!benchImagesPresent())('writes the same bytes as encodeLz on the bench images and crops', () => {
    for (const image of BENCH_IMAGES) {
      const full = loadBenchImage(image.file);
      const crop = cropPixels(full, image.crop[0], image.crop[1], 256, 256);
      for (const pixels of [full, crop]) {
        const expected = typescriptOnly(() => encodeLz(pixels, LzImageType.Rgb32));
        const out = encoder!.encodeRgb32(pixels);
        expect(out.length, image.name).toBe(expected.length);
        expect(Buffer.compare(out, expected), image.name).toBe(0);
      }
    }
  });

  it('writes the same bytes as encodeLz on random images of all sizes, strides and row orders', () => {
    fc.assert(
      fc.property(imageArb(70), ({ pixels, topDown }) => {
        const want = typescriptOnly(() => encodeLz(pixels, LzImageType.Rgb32, { topDown }));
        const got = encoder!.encodeRgb32(pixels, { topDown });
        expect(got.length).toBe(want.length);
        expect(Buffer.compare(got, want)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the same bytes as encodeLz on large random images (far matches)', () => {
    fc.assert(
      fc.property(imageArb(400), ({ pixels, topDown }) => {
        const want = typescriptOnly(() => encodeLz(pixels, LzImageType.Rgb32, { topDown }));
        const got = encoder!.encodeRgb32(pixels, { topDown });
        expect(got.length).toBe(want.length);
        expect(Buffer.compare(got, want)).toBe(0);
      }),
      { numRuns: 20 },
    );
  });

  it('encodes from a view the caller fills, and the stream decodes to the input', () => {
    const width = 123;
    const height = 45;
    const view = encoder!.inputView(width, height);
    for (let i = 0; i < view.length; i++) view[i] = (i * 31) % 251 < 120 ? 7 : i & 0xff;
    const pixels = { width, height, stride: width * 4, data: view.slice() };
    const out = encoder!.encodePreparedRgb32(width, height);
    expect(Buffer.from(out)).toEqual(Buffer.from(typescriptOnly(() => encodeLz(pixels, LzImageType.Rgb32))));
    const decoded = decodeLz(out);
    expect(decoded.width).toBe(width);
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
