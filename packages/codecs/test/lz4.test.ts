import { readFileSync } from 'node:fs';
import { BitmapFmt, ImageType } from '@spice-ts/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitmapToXrgb,
  CodecErrorCode,
  decodeLz4,
  encodeLz4,
  encodeLz4Image,
  isCodecError,
  lz4CompressBlock,
  lz4CompressBound,
  lz4DecompressBlock,
  type XrgbPixels,
} from '../src/index.js';
import { benchImagesPresent, cropPixels, loadBenchImage } from './support/png.js';

const reference = JSON.parse(readFileSync(new URL('./fixtures/lz4-reference.json', import.meta.url), 'utf8')) as {
  width: number;
  height: number;
  pixels: string;
  lz4: string;
};
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

const expectCode = (fn: () => unknown, code: string) => {
  try {
    fn();
  } catch (error) {
    expect(isCodecError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return;
  }
  expect.fail(`expected ${code}`);
};

/** Bytes with runs and back-references, like image rows. */
const lumpy = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 40 }), fc.boolean()), { maxLength: 80 })
  .map((parts) => {
    const out: number[] = [];
    for (const [value, count, copy] of parts) {
      for (let i = 0; i < count; i++)
        out.push(copy && out.length > count ? out[out.length - count]! : (value + (i % 3)) & 0xff);
    }
    return Uint8Array.from(out);
  });

describe('LZ4 block', () => {
  it('round-trips any bytes, including the sizes around the end-of-block rules', () => {
    fc.assert(
      fc.property(lumpy, (src) => {
        const dst = new Uint8Array(lz4CompressBound(src.length));
        const end = lz4CompressBlock(src, dst, 0);
        const out = new Uint8Array(src.length);
        expect(lz4DecompressBlock(dst, 0, end, out, 0)).toBe(src.length);
        expect(out).toEqual(src);
      }),
      { numRuns: 500 },
    );
    for (let n = 0; n < 40; n++) {
      const src = new Uint8Array(n).fill(7);
      const dst = new Uint8Array(lz4CompressBound(n));
      const end = lz4CompressBlock(src, dst, 0);
      const out = new Uint8Array(n);
      expect(lz4DecompressBlock(dst, 0, end, out, 0)).toBe(n);
      expect(out).toEqual(src);
    }
  });

  it('compresses a long run to a small fraction', () => {
    const src = new Uint8Array(100_000).fill(3);
    const dst = new Uint8Array(lz4CompressBound(src.length));
    expect(lz4CompressBlock(src, dst, 0)).toBeLessThan(500);
  });
});

describe('LZ4 SPICE framing', () => {
  it('writes top_down, the format byte and a big-endian block length', () => {
    const data = new Uint8Array(8 * 4 * 2).fill(9);
    const out = encodeLz4({ width: 8, height: 2, stride: 32, data });
    expect(out[0]).toBe(1);
    expect(out[1]).toBe(BitmapFmt.Bit32);
    expect(new DataView(out.buffer).getUint32(2, false)).toBe(out.length - 6);
  });

  it('decodes a stream whose block liblz4 compressed', () => {
    const decoded = decodeLz4(hex(reference.lz4), { width: reference.width, height: reference.height });
    expect(decoded.format).toBe(BitmapFmt.Bit32);
    expect(decoded.pixels.data).toEqual(hex(reference.pixels));
  });

  it('decodes a second block that refers back into the first, as the streaming decoder allows', () => {
    const first = [0xf0, 1, ...Array.from({ length: 16 }, (_, i) => i)];
    const second = [0x04, 16, 0, 0x80, 1, 2, 3, 4, 5, 6, 7, 8];
    const be = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    const stream = Uint8Array.from([
      1,
      BitmapFmt.Bit32,
      ...be(first.length),
      ...first,
      ...be(second.length),
      ...second,
    ]);
    const decoded = decodeLz4(stream, { width: 4, height: 2 });
    expect([...decoded.pixels.data]).toEqual([
      ...Array.from({ length: 16 }, (_, i) => i),
      ...Array.from({ length: 8 }, (_, i) => i),
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]);
  });

  it('round-trips every format, size, stride and row order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(BitmapFmt.Bit16, BitmapFmt.Bit24, BitmapFmt.Bit32, BitmapFmt.Rgba),
        fc.integer({ min: 1, max: 33 }),
        fc.integer({ min: 1, max: 17 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.integer(),
        (format, width, height, pad, topDown, seed) => {
          const bpp = format === BitmapFmt.Bit16 ? 2 : format === BitmapFmt.Bit24 ? 3 : 4;
          const stride = width * bpp + pad;
          const data = Uint8Array.from(
            { length: stride * height },
            (_, i) => ((i * seed) >>> 7) & (i % 5 ? 0xff : 0x0f),
          );
          const pixels: XrgbPixels = { width, height, stride, data };
          const decoded = decodeLz4(encodeLz4(pixels, { format, topDown }), { width, height });
          expect(decoded.topDown).toBe(topDown);
          expect(decoded.pixels.data).toEqual(
            bitmapToXrgb({ format, width, height, stride, topDown: true, data }).data,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it.skipIf(!benchImagesPresent())('round-trips a crop of a bench image', () => {
    const crop = cropPixels(loadBenchImage('shot.png'), 10, 10, 256, 256);
    expect(decodeLz4(encodeLz4(crop), { width: 256, height: 256 }).pixels.data).toEqual(crop.data);
  });

  it('wraps the payload as an LZ4 image', () => {
    const image = encodeLz4Image({ width: 2, height: 1, stride: 8, data: new Uint8Array(8) }, { id: 4n });
    expect(image.descriptor).toEqual({ id: 4n, type: ImageType.Lz4, flags: 0, width: 2, height: 1 });
  });

  it('rejects bad framing, offsets and sizes with codec errors only', () => {
    const good = hex(reference.lz4);
    const size = { width: reference.width, height: reference.height };
    expectCode(() => decodeLz4(good.subarray(0, 1), size), CodecErrorCode.Corrupt);
    expectCode(() => decodeLz4(good.subarray(0, good.length - 3), size), CodecErrorCode.Corrupt);
    expectCode(() => decodeLz4(good, { width: 16, height: 9 }), CodecErrorCode.Corrupt);
    expectCode(() => decodeLz4(good, { ...size, maxOutputBytes: 100 }), CodecErrorCode.TooLarge);
    const badFormat = good.slice();
    badFormat[1] = 5;
    expectCode(() => decodeLz4(badFormat, size), CodecErrorCode.Unsupported);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }),
        fc.nat(),
        (edits, cut) => {
          const input = good.slice();
          for (const [at, value] of edits) input[at % input.length] = value;
          try {
            decodeLz4(input.subarray(0, cut % (input.length + 1)), size);
          } catch (error) {
            expect(isCodecError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
