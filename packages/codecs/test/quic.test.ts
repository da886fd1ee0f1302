import { readFileSync } from 'node:fs';
import { BitmapFmt, ImageType } from '@spice-ts/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitmapToXrgb,
  CodecErrorCode,
  decodeQuic,
  encodeQuic,
  encodeQuicImage,
  isCodecError,
  QUIC_MAGIC,
  type QuicEncodeType,
  QuicImageType,
  type XrgbPixels,
} from '../src/index.js';
import { BENCH_IMAGES, benchImagesPresent, cropPixels, loadBenchImage } from './support/png.js';

interface ReferenceCase {
  name: string;
  type: number;
  width: number;
  height: number;
  input: string;
  quic: string;
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/quic-reference.json', import.meta.url), 'utf8')) as {
  cases: ReferenceCase[];
};
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

/** Top-down B,G,R,A rows as the decoder returns them: alpha kept only for RGBA. */
function expectedPixels(type: number, pixels: XrgbPixels): Uint8Array {
  const { width, height, stride, data } = pixels;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * stride + x * 4;
      const d = (y * width + x) * 4;
      out.set(data.subarray(s, s + 3), d);
      if (type === QuicImageType.Rgba) out[d + 3] = data[s + 3]!;
    }
  }
  return out;
}

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

const words = (bytes: Uint8Array) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength >> 2 }, (_, i) => view.getUint32(i * 4, true));
};

describe('QUIC stream layout', () => {
  it('starts with the five header words (magic, version, type, width, height) as little-endian words', () => {
    const data = new Uint8Array(3 * 2 * 4).fill(0x40);
    const quic = encodeQuic({ width: 3, height: 2, stride: 12, data }, QuicImageType.Rgb32);
    expect(words(quic).slice(0, 5)).toEqual([QUIC_MAGIC, 0, QuicImageType.Rgb32, 3, 2]);
    expect([...quic.subarray(0, 4)]).toEqual([0x51, 0x55, 0x49, 0x43]);
    expect(quic.byteLength % 4).toBe(0);
  });

  it('ends with the zero word the decoder reads ahead', () => {
    const data = new Uint8Array(4 * 4).fill(7);
    const quic = encodeQuic({ width: 4, height: 1, stride: 16, data });
    expect(words(quic).at(-1)).toBe(0);
  });
});

describe('QUIC against streams written by spice-common quic.c', () => {
  for (const c of reference.cases) {
    const input = hex(c.input);
    const quic = hex(c.quic);
    const pixels = { width: c.width, height: c.height, stride: c.width * 4, data: input };
    it(`encodes ${c.name} to the reference bytes`, () => {
      // RGB24/RGB16/GRAY take the first width × 3/2/1 bytes of each row of the fixture's input.
      expect(Buffer.from(encodeQuic(pixels, c.type as QuicEncodeType)).toString('hex')).toBe(c.quic);
    });
    it(`decodes ${c.name}`, () => {
      const decoded = decodeQuic(quic);
      expect([decoded.type, decoded.width, decoded.height]).toEqual([c.type, c.width, c.height]);
      let want: Uint8Array;
      if (c.type === QuicImageType.Rgb24) {
        want = bitmapToXrgb({ ...pixels, format: BitmapFmt.Bit24, topDown: true }).data;
      } else if (c.type === QuicImageType.Rgb16) {
        want = bitmapToXrgb({ ...pixels, format: BitmapFmt.Bit16, topDown: true }).data;
      } else if (c.type === QuicImageType.Gray) {
        want = new Uint8Array(c.width * c.height * 4);
        for (let y = 0; y < c.height; y++)
          for (let x = 0; x < c.width; x++)
            want.fill(input[y * c.width * 4 + x]!, (y * c.width + x) * 4, (y * c.width + x) * 4 + 3);
      } else {
        want = expectedPixels(c.type, pixels);
      }
      expect(Buffer.from(decoded.pixels.data).equals(Buffer.from(want))).toBe(true);
    });
  }
});

describe('QUIC RGB24, RGB16 and GRAY encoding', () => {
  it('round-trips random 3-, 2- and 1-byte pixel rows of any size and stride', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(QuicImageType.Rgb24, QuicImageType.Rgb16, QuicImageType.Gray),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        (type, width, height, pad, seed) => {
          const bpp = type === QuicImageType.Rgb24 ? 3 : type === QuicImageType.Rgb16 ? 2 : 1;
          const stride = width * bpp + pad;
          const data = Uint8Array.from(
            { length: stride * height },
            (_, i) => (i % 7 < 3 ? 40 : (i * seed) >>> 9) & 0xff,
          );
          const decoded = decodeQuic(encodeQuic({ width, height, stride, data }, type));
          let want: Uint8Array;
          if (type === QuicImageType.Gray) {
            want = new Uint8Array(width * height * 4);
            for (let y = 0; y < height; y++)
              for (let x = 0; x < width; x++)
                want.fill(data[y * stride + x]!, (y * width + x) * 4, (y * width + x) * 4 + 3);
          } else {
            const format = type === QuicImageType.Rgb24 ? BitmapFmt.Bit24 : BitmapFmt.Bit16;
            want = bitmapToXrgb({ width, height, stride, data, format, topDown: true }).data;
          }
          expect(decoded.pixels.data).toEqual(want);
        },
      ),
      { numRuns: 200 },
    );
  });
});

const imageArb = fc
  .record({
    width: fc.integer({ min: 1, max: 60 }),
    height: fc.integer({ min: 1, max: 20 }),
    pad: fc.integer({ min: 0, max: 9 }),
    offset: fc.integer({ min: 0, max: 3 }),
    colours: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 5 }),
    repeat: fc.double({ min: 0, max: 0.95, noNaN: true }),
    noise: fc.integer({ min: 0, max: 255 }),
    seed: fc.integer(),
    type: fc.constantFrom(QuicImageType.Rgb32, QuicImageType.Rgba),
  })
  .map((p) => {
    const stride = p.width * 4 + p.pad;
    const buf = new Uint8Array(p.offset + stride * p.height);
    let s = p.seed >>> 0;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        const i = p.offset + y * stride + x * 4;
        if (x > 0 && rnd() < p.repeat) buf.copyWithin(i, i - 4, i);
        else if (y > 0 && rnd() < p.repeat) buf.copyWithin(i, i - stride, i - stride + 4);
        else {
          const c = p.colours[Math.floor(rnd() * p.colours.length)]!;
          for (let k = 0; k < 4; k++)
            buf[i + k] = (((c >>> (8 * k)) & 0xff) + Math.floor(rnd() * (p.noise + 1))) & 0xff;
        }
      }
    }
    const pixels: XrgbPixels = { width: p.width, height: p.height, stride, data: buf.subarray(p.offset) };
    return { pixels, type: p.type };
  });

describe('QUIC round trips', () => {
  it('decodes to the input pixels for random images, strides, offsets and types', () => {
    fc.assert(
      fc.property(imageArb, ({ pixels, type }) => {
        const decoded = decodeQuic(encodeQuic(pixels, type));
        expect(decoded.type).toBe(type);
        expect(Buffer.from(decoded.pixels.data).equals(Buffer.from(expectedPixels(type, pixels)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips rows wider than the 2048-pixel wait-mask steps', () => {
    const width = 5000;
    const data = new Uint8Array(width * 3 * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
    const pixels = { width, height: 3, stride: width * 4, data };
    for (const type of [QuicImageType.Rgb32, QuicImageType.Rgba] as const) {
      const decoded = decodeQuic(encodeQuic(pixels, type));
      expect(Buffer.from(decoded.pixels.data).equals(Buffer.from(expectedPixels(type, pixels)))).toBe(true);
    }
  });

  it.skipIf(!benchImagesPresent())(
    'round-trips the bench images (full and 256x256 crops) with the reference compression ratios',
    () => {
      const refRatio: Record<string, number> = { desktop: 12.8, photo: 4.23, shot: 26.2 };
      for (const image of BENCH_IMAGES) {
        const full = loadBenchImage(image.file);
        const crop = cropPixels(full, image.crop[0], image.crop[1], 256, 256);
        for (const pixels of [full, crop]) {
          const quic = encodeQuic(pixels);
          expect(Buffer.from(decodeQuic(quic).pixels.data).equals(Buffer.from(expectedPixels(4, pixels)))).toBe(true);
          if (pixels === full)
            expect(Math.abs((pixels.width * pixels.height * 4) / quic.length / refRatio[image.name]! - 1)).toBeLessThan(
              0.01,
            );
        }
      }
    },
    60_000,
  );
  if (!benchImagesPresent())
    it.skip('bench-image round trips: ../shared/bench-images is absent (set SPICE_TS_BENCH_IMAGES)', () => {});
});

describe('QUIC decoder on hostile input', () => {
  const sample = encodeQuic(
    {
      width: 23,
      height: 7,
      stride: 92,
      data: Uint8Array.from({ length: 23 * 7 * 4 }, (_, i) => ((i >> 2) * 37 + (i & 3) * 5) & 0xff),
    },
    QuicImageType.Rgba,
  );

  it('rejects every truncation of a valid stream with a corrupt-stream error', () => {
    for (let len = 0; len < sample.length; len += 4)
      expectCode(() => decodeQuic(sample.subarray(0, len)), CodecErrorCode.Corrupt);
  });

  it('rejects a bad magic, version, type or size', () => {
    for (const [word, value] of [
      [0, 1],
      [1, 1],
      [2, 9],
      [3, 0],
    ] as const) {
      const bad = sample.slice();
      new DataView(bad.buffer).setUint32(word * 4, value, true);
      expectCode(() => decodeQuic(bad), CodecErrorCode.Corrupt);
    }
  });

  it('refuses an image above the output limit before allocating it', () => {
    const big = sample.slice();
    new DataView(big.buffer).setUint32(12, 30000, true);
    new DataView(big.buffer).setUint32(16, 30000, true);
    expectCode(() => decodeQuic(big), CodecErrorCode.TooLarge);
    expectCode(() => decodeQuic(sample, { maxOutputBytes: 100 }), CodecErrorCode.TooLarge);
  });

  it('throws only codec errors on mutated streams', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(sample.length),
        (edits, cut) => {
          const bad = sample.slice(0, Math.max(cut, 20));
          for (const [at, value] of edits) if (at < bad.length) bad[at] = value;
          try {
            decodeQuic(bad, { maxOutputBytes: 1 << 20 });
          } catch (error) {
            expect(isCodecError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('QUIC SpiceImage', () => {
  it('wraps the stream as a QUIC binary image', () => {
    const pixels = { width: 2, height: 1, stride: 8, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) };
    const image = encodeQuicImage(pixels, { id: 5n, flags: 1 });
    expect(image.kind).toBe('binary');
    if (image.kind !== 'binary') return;
    expect(image.descriptor).toEqual({ id: 5n, type: ImageType.Quic, flags: 1, width: 2, height: 1 });
    expect([...decodeQuic(image.data).pixels.data]).toEqual([1, 2, 3, 0, 5, 6, 7, 0]);
  });
});
