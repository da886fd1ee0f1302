import { readFileSync } from 'node:fs';
import { BitmapFmt, ImageType } from '@spice-ts/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitmapToXrgb,
  CodecErrorCode,
  decodeLz,
  encodeLz,
  encodeLzImage,
  isCodecError,
  LZ_MAGIC,
  type LzEncodeType,
  LzImageType,
  type XrgbPixels,
} from '../src/index.js';
import { BENCH_IMAGES, benchImagesPresent, cropPixels, loadBenchImage } from './support/png.js';

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
const reference = JSON.parse(readFileSync(new URL('./fixtures/lz-reference.json', import.meta.url), 'utf8')) as {
  cases: ReferenceCase[];
};
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const PALETTE = Uint32Array.from({ length: 256 }, (_, i) => (i * 0x010203 + 0x405060) & 0xffffff);

function header(type: number, width: number, height: number, stride: number, topDown: number): number[] {
  const out: number[] = [];
  for (const w of [LZ_MAGIC, 0x00010001, type, width, height, stride, topDown])
    out.push(w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
  return out;
}

/** Rows of `src` (stream order) as top-down B,G,R,A with colour and alpha kept as `type` keeps them. */
function expectedPixels(type: number, pixels: XrgbPixels, topDown: boolean): Uint8Array {
  const { width, height, stride, data } = pixels;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = row + x * 4;
      const d = (y * width + x) * 4;
      if (type !== LzImageType.Xxxa) out.set(data.subarray(s, s + 3), d);
      if (type !== LzImageType.Rgb32) out[d + 3] = data[s + 3]!;
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

describe('LZ stream layout', () => {
  it('writes the seven big-endian header words and a single literal for a 1x1 image', () => {
    const data = Uint8Array.of(1, 2, 3, 0x99);
    const lz = encodeLz({ width: 1, height: 1, stride: 4, data }, LzImageType.Rgb32);
    expect([...lz]).toEqual([...header(8, 1, 1, 4, 1), 0x00, 1, 2, 3]);
    expect([...lz.subarray(0, 4)]).toEqual([0x20, 0x20, 0x5a, 0x4c]);
  });

  it('codes a run of one colour as literals, a distance-1 match with an extended length, and literals', () => {
    const data = new Uint8Array(16 * 4);
    for (let i = 0; i < 16; i++) data.set([7, 8, 9, 0], i * 4);
    const lz = encodeLz({ width: 16, height: 1, stride: 64, data }, LzImageType.Rgb32);
    const p = [7, 8, 9];
    expect([...lz]).toEqual([...header(8, 16, 1, 64, 1), 0x01, ...p, ...p, 0xe0, 0x04, 0x00, 0x02, ...p, ...p, ...p]);
  });

  it('writes top_down 0 and the bottom row first for a bottom-up encode', () => {
    const data = Uint8Array.of(1, 1, 1, 0, 2, 2, 2, 0);
    const lz = encodeLz({ width: 1, height: 2, stride: 4, data }, LzImageType.Rgb32, { topDown: false });
    expect([...lz]).toEqual([...header(8, 1, 2, 4, 0), 0x01, 2, 2, 2, 1, 1, 1]);
    const decoded = decodeLz(lz);
    expect(decoded.topDown).toBe(false);
    expect([...decoded.pixels.data]).toEqual([1, 1, 1, 0, 2, 2, 2, 0]);
  });
});

describe('LZ against streams written by spice-common lz.c', () => {
  for (const c of reference.cases) {
    const input = hex(c.input);
    const lz = hex(c.lz);
    it(`encodes ${c.name} to the reference bytes`, () => {
      // The fixture input is in stream order; hand it over top-down.
      const pixels = { width: c.width, height: c.height, stride: c.stride, data: input };
      const rows = expectedRowsTopDown(pixels, c.topDown);
      expect(Buffer.from(encodeLz(rows, c.type as LzEncodeType, { topDown: c.topDown })).toString('hex')).toBe(c.lz);
    });
    it(`decodes ${c.name}`, () => {
      const decoded = decodeLz(lz, { palette: PALETTE });
      expect(decoded.type).toBe(c.type);
      expect([decoded.width, decoded.height, decoded.topDown]).toEqual([c.width, c.height, c.topDown]);
      const src = { width: c.width, height: c.height, stride: c.stride, data: input };
      let want: Uint8Array;
      switch (c.type) {
        case LzImageType.Rgb24:
          want = bitmapToXrgb({ ...src, format: BitmapFmt.Bit24, topDown: c.topDown }).data;
          break;
        case LzImageType.Rgb16:
          want = bitmapToXrgb({ ...src, format: BitmapFmt.Bit16, topDown: c.topDown }).data;
          break;
        case LzImageType.Plt8:
        case LzImageType.Plt4Le:
        case LzImageType.Plt4Be:
        case LzImageType.Plt1Le:
        case LzImageType.Plt1Be: {
          const format = {
            [LzImageType.Plt8]: BitmapFmt.Bit8,
            [LzImageType.Plt4Le]: BitmapFmt.Bit4Le,
            [LzImageType.Plt4Be]: BitmapFmt.Bit4Be,
            [LzImageType.Plt1Le]: BitmapFmt.Bit1Le,
            [LzImageType.Plt1Be]: BitmapFmt.Bit1Be,
          }[c.type]!;
          want = bitmapToXrgb({ ...src, format, topDown: c.topDown, palette: PALETTE }).data;
          break;
        }
        case LzImageType.A8:
          want = new Uint8Array(c.width * c.height * 4);
          for (let i = 0; i < input.length; i++) want[i * 4 + 3] = input[i]!;
          break;
        default:
          want = expectedPixels(c.type, src, c.topDown);
      }
      expect(Buffer.from(decoded.pixels.data).equals(Buffer.from(want))).toBe(true);
    });
  }
});

function expectedRowsTopDown(streamOrder: XrgbPixels, topDown: boolean): XrgbPixels {
  if (topDown) return streamOrder;
  const { width, height, stride, data } = streamOrder;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) out.set(data.subarray(y * stride, (y + 1) * stride), (height - 1 - y) * stride);
  return { width, height, stride, data: out };
}

describe('LZ RGB24, RGB16, A8 and palette encoding', () => {
  const layouts = [
    { type: LzImageType.Rgb24, format: BitmapFmt.Bit24, bits: 24 },
    { type: LzImageType.Rgb16, format: BitmapFmt.Bit16, bits: 16 },
    { type: LzImageType.A8, format: BitmapFmt.Bit8A, bits: 8 },
    { type: LzImageType.Plt8, format: BitmapFmt.Bit8, bits: 8 },
    { type: LzImageType.Plt4Le, format: BitmapFmt.Bit4Le, bits: 4 },
    { type: LzImageType.Plt4Be, format: BitmapFmt.Bit4Be, bits: 4 },
    { type: LzImageType.Plt1Le, format: BitmapFmt.Bit1Le, bits: 1 },
    { type: LzImageType.Plt1Be, format: BitmapFmt.Bit1Be, bits: 1 },
  ] as const;
  it('round-trips random rows of every layout, size, stride and row order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...layouts),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.integer(),
        (layout, width, height, pad, topDown, seed) => {
          const rowBytes = Math.ceil((width * layout.bits) / 8);
          const stride = rowBytes + pad;
          const data = Uint8Array.from(
            { length: stride * height },
            (_, i) => (i % 5 < 2 ? 17 : (i * seed) >>> 11) & 0xff,
          );
          const decoded = decodeLz(encodeLz({ width, height, stride, data }, layout.type, { topDown }), {
            palette: PALETTE,
          });
          expect(decoded.topDown).toBe(topDown);
          let want: Uint8Array;
          if (layout.type === LzImageType.A8) {
            want = new Uint8Array(width * height * 4);
            for (let y = 0; y < height; y++)
              for (let x = 0; x < width; x++) want[(y * width + x) * 4 + 3] = data[y * stride + x]!;
          } else {
            want = bitmapToXrgb({
              format: layout.format,
              width,
              height,
              stride,
              topDown: true,
              data,
              palette: PALETTE,
            }).data;
          }
          expect(decoded.pixels.data).toEqual(want);
        },
      ),
      { numRuns: 400 },
    );
  });
});

const imageArb = fc
  .record({
    width: fc.integer({ min: 1, max: 70 }),
    height: fc.integer({ min: 1, max: 24 }),
    pad: fc.integer({ min: 0, max: 9 }),
    offset: fc.integer({ min: 0, max: 3 }),
    colours: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 6 }),
    repeat: fc.double({ min: 0, max: 0.9, noNaN: true }),
    seed: fc.integer(),
    topDown: fc.boolean(),
    type: fc.constantFrom(LzImageType.Rgb32, LzImageType.Rgba, LzImageType.Xxxa),
  })
  .map((p) => {
    const stride = p.width * 4 + p.pad;
    const buf = new Uint8Array(p.offset + stride * p.height);
    let s = p.seed >>> 0;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const at = (x: number, y: number) => p.offset + y * stride + x * 4;
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        const i = at(x, y);
        if (rnd() < p.repeat && (x > 0 || y > 0)) {
          const back = 1 + Math.floor(rnd() * Math.min(y * p.width + x, 300));
          const j = y * p.width + x - back;
          buf.copyWithin(i, at(j % p.width, Math.floor(j / p.width)), at(j % p.width, Math.floor(j / p.width)) + 4);
        } else {
          const c = p.colours[Math.floor(rnd() * p.colours.length)]!;
          buf[i] = c & 0xff;
          buf[i + 1] = (c >>> 8) & 0xff;
          buf[i + 2] = (c >>> 16) & 0xff;
          buf[i + 3] = c >>> 24;
        }
      }
    }
    const pixels: XrgbPixels = { width: p.width, height: p.height, stride, data: buf.subarray(p.offset) };
    return { pixels, topDown: p.topDown, type: p.type };
  });

describe('LZ round trips', () => {
  it('decodes to the input pixels for random images, strides, offsets, row orders and types', () => {
    fc.assert(
      fc.property(imageArb, ({ pixels, topDown, type }) => {
        const lz = encodeLz(pixels, type, { topDown });
        const decoded = decodeLz(lz);
        expect(decoded.type).toBe(type);
        expect(decoded.topDown).toBe(topDown);
        const want = expectedPixels(type, pixels, true);
        expect(Buffer.from(decoded.pixels.data).equals(Buffer.from(want))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('finds matches further back than 8191 pixels (the far distance form)', () => {
    const width = 100;
    const height = 120;
    const data = new Uint8Array(width * height * 4);
    let s = 9;
    for (let i = 0; i < 100 * 4; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      data[i] = s >>> 24;
    }
    data.copyWithin(9000 * 4, 0, 100 * 4);
    for (const type of [LzImageType.Rgb32, LzImageType.Rgba] as const) {
      const lz = encodeLz({ width, height, stride: width * 4, data }, type);
      expect(lz.length).toBeLessThan(2000);
      expect(
        Buffer.from(decodeLz(lz).pixels.data).equals(
          Buffer.from(expectedPixels(type, { width, height, stride: width * 4, data }, true)),
        ),
      ).toBe(true);
    }
  });

  it.skipIf(!benchImagesPresent())(
    'round-trips the bench images (full and 256x256 crops) with the reference compression ratios',
    () => {
      const refRatio: Record<string, number> = { desktop: 49.7, photo: 1.32, shot: 85.7 };
      for (const image of BENCH_IMAGES) {
        const full = loadBenchImage(image.file);
        const crop = cropPixels(full, image.crop[0], image.crop[1], 256, 256);
        for (const pixels of [full, crop]) {
          const lz = encodeLz(pixels, LzImageType.Rgb32);
          const want = expectedPixels(LzImageType.Rgb32, pixels, true);
          expect(Buffer.from(decodeLz(lz).pixels.data).equals(Buffer.from(want))).toBe(true);
          if (pixels === full)
            expect((pixels.width * pixels.height * 4) / lz.length).toBeCloseTo(refRatio[image.name]!, 1);
        }
      }
    },
  );
  if (!benchImagesPresent())
    it.skip('bench-image round trips: ../shared/bench-images is absent (set SPICE_TS_BENCH_IMAGES)', () => {});
});

describe('LZ decoder on hostile input', () => {
  const sample = encodeLz(
    {
      width: 33,
      height: 9,
      stride: 132,
      data: Uint8Array.from({ length: 33 * 9 * 4 }, (_, i) => ((i >> 3) * 37) & 0xff),
    },
    LzImageType.Rgba,
  );

  it('rejects every truncation of a valid stream with a corrupt-stream error', () => {
    for (let len = 0; len < sample.length; len++)
      expectCode(() => decodeLz(sample.subarray(0, len)), CodecErrorCode.Corrupt);
  });

  it('rejects trailing bytes, a bad magic, a bad version and a bad stride', () => {
    expectCode(() => decodeLz(Uint8Array.of(...sample, 0)), CodecErrorCode.Corrupt);
    for (const [at, value] of [
      [0, 0x4d],
      [7, 2],
      [23, 0],
    ] as const) {
      const bad = sample.slice();
      bad[at] = value;
      expectCode(() => decodeLz(bad), CodecErrorCode.Corrupt);
    }
  });

  it('refuses an image above the output limit before allocating it', () => {
    const big = Uint8Array.of(...header(8, 30000, 30000, 120000, 1), 0);
    expectCode(() => decodeLz(big), CodecErrorCode.TooLarge);
    expectCode(() => decodeLz(sample, { maxOutputBytes: 100 }), CodecErrorCode.TooLarge);
  });

  it('rejects a match reaching before the first pixel', () => {
    const bad = Uint8Array.of(...header(8, 4, 1, 16, 1), 0x00, 1, 2, 3, 0x20, 0x05);
    expectCode(() => decodeLz(bad), CodecErrorCode.Corrupt);
  });

  it('throws only codec errors on mutated streams', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(sample.length),
        (edits, cut) => {
          const bad = sample.slice(0, Math.max(cut, 28));
          for (const [at, value] of edits) if (at < bad.length) bad[at] = value;
          try {
            decodeLz(bad, { maxOutputBytes: 1 << 20, palette: PALETTE });
          } catch (error) {
            expect(isCodecError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('LZ SpiceImage', () => {
  it('wraps the stream as an LZ_RGB binary image', () => {
    const pixels = { width: 2, height: 1, stride: 8, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) };
    const image = encodeLzImage(pixels, { id: 5n, flags: 1 });
    expect(image.kind).toBe('binary');
    if (image.kind !== 'binary') return;
    expect(image.descriptor).toEqual({ id: 5n, type: ImageType.LzRgb, flags: 1, width: 2, height: 1 });
    expect(decodeLz(image.data).type).toBe(LzImageType.Rgb32);
    const rgba = encodeLzImage(pixels, { id: 6n, type: LzImageType.Rgba });
    if (rgba.kind === 'binary') expect([...decodeLz(rgba.data).pixels.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
