import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CodecErrorCode,
  createGlzDictionary,
  encodeGlz,
  GLZ_HEADER_SIZE,
  GlzDecoderWindow,
  isCodecError,
  LzImageType,
  type XrgbPixels,
} from '../src/index.js';
import { benchImagesPresent, cropPixels, loadBenchImage } from './support/png.js';

interface ReferenceSequence {
  windowSizePixels: number;
  cases: { type: number; width: number; height: number; topDown: boolean; input: string; glz: string }[];
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/glz-reference.json', import.meta.url), 'utf8')) as {
  sequences: ReferenceSequence[];
};
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

/** Stream-order rows to top-down rows. */
function topDownRows(width: number, height: number, stream: Uint8Array, topDown: boolean): XrgbPixels {
  const row = width * 4;
  const data = new Uint8Array(stream.length);
  for (let y = 0; y < height; y++)
    data.set(stream.subarray(y * row, y * row + row), (topDown ? y : height - 1 - y) * row);
  return { width, height, stride: row, data };
}

let seed = 7;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return Math.floor((seed / 2 ** 32) * n);
};

/** An image with runs, repeats and noise; stride may exceed width × 4. */
function makeImage(width: number, height: number, pad = 0): XrgbPixels {
  const stride = width * 4 + pad;
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * stride + x * 4;
      if (x > 0 && rnd(3) > 0) data.copyWithin(i, i - 4, i);
      else for (let k = 0; k < 4; k++) data[i + k] = rnd(4) * 60;
    }
  return { width, height, stride, data };
}

/** Top-down packed rows with colour (and alpha for RGBA) kept, as the decoder returns them. */
function expected(pixels: XrgbPixels, type: number): Uint8Array {
  const { width, height, stride, data } = pixels;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const s = y * stride + x * 4;
      const d = (y * width + x) * 4;
      out.set(data.subarray(s, s + 3), d);
      out[d + 3] = type === LzImageType.Rgba ? data[s + 3]! : 0;
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

describe('GLZ header', () => {
  it('writes magic, version, type byte with the top-down bit, size, stride, image id and window distance', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1000 });
    const px = makeImage(3, 2);
    const first = encodeGlz(dict, px);
    const second = encodeGlz(dict, px, { type: LzImageType.Rgba, topDown: false });
    const view = new DataView(second.buffer);
    expect([...first.subarray(0, 9)]).toEqual([0x20, 0x20, 0x5a, 0x4c, 0, 1, 0, 1, 8 | 16]);
    expect(second[8]).toBe(LzImageType.Rgba);
    expect([view.getUint32(9), view.getUint32(13), view.getUint32(17)]).toEqual([3, 2, 12]);
    expect(view.getBigUint64(21)).toBe(1n);
    expect(view.getUint32(29)).toBe(1);
    expect(first.length).toBeGreaterThan(GLZ_HEADER_SIZE);
  });

  it('refuses an image that is not smaller than the window, as upstream does', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 16 });
    expect(dict.fits(4, 4)).toBe(false);
    expectCode(() => encodeGlz(dict, makeImage(4, 4)), CodecErrorCode.BadImage);
  });
});

describe('GLZ against streams written by spice server glz-encoder.c', () => {
  reference.sequences.forEach((sequence, k) => {
    it(`encodes sequence ${k} (${sequence.cases.length} images, window ${sequence.windowSizePixels}) to the reference bytes`, () => {
      const dict = createGlzDictionary({ id: 0, windowSizePixels: sequence.windowSizePixels });
      for (const c of sequence.cases) {
        const pixels = topDownRows(c.width, c.height, hex(c.input), c.topDown);
        const out = encodeGlz(dict, pixels, { type: c.type as 8 | 9, topDown: c.topDown });
        expect(Buffer.from(out).toString('hex')).toBe(c.glz);
      }
    });

    it(`decodes sequence ${k} to the input pixels`, () => {
      const win = new GlzDecoderWindow();
      for (const c of sequence.cases) {
        const pixels = topDownRows(c.width, c.height, hex(c.input), c.topDown);
        expect(win.decode(hex(c.glz)).pixels.data).toEqual(expected(pixels, c.type));
      }
    });
  });
});

describe('GLZ round trips', () => {
  it('decodes a sequence of RGB32 and RGBA images of many sizes, strides and row orders', () => {
    const dict = createGlzDictionary({ id: 1, windowSizePixels: 1 << 16 });
    const win = new GlzDecoderWindow();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        fc.boolean(),
        (width, height, pad, rgba, topDown) => {
          const type = rgba ? LzImageType.Rgba : LzImageType.Rgb32;
          const px = makeImage(width, height, pad);
          const decoded = win.decode(encodeGlz(dict, px, { type, topDown }));
          expect(decoded.topDown).toBe(topDown);
          expect(decoded.pixels.data).toEqual(expected(px, type));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('codes a repeated image as references to the earlier one, far smaller than the first', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    const win = new GlzDecoderWindow();
    seed = 99;
    const px = makeImage(200, 100);
    for (let i = 0; i < px.data.length; i++) px.data[i] = rnd(256); // noise: no matches inside
    const first = encodeGlz(dict, px);
    const second = encodeGlz(dict, px);
    expect(second.length * 50).toBeLessThan(first.length);
    expect(win.decode(first).pixels.data).toEqual(expected(px, LzImageType.Rgb32));
    expect(win.decode(second).pixels.data).toEqual(expected(px, LzImageType.Rgb32));
  });

  it('matches alpha against an earlier RGBA image too', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    const win = new GlzDecoderWindow();
    const px = makeImage(100, 50);
    for (let i = 0; i < px.data.length; i++) px.data[i] = rnd(256);
    const first = encodeGlz(dict, px, { type: LzImageType.Rgba });
    const second = encodeGlz(dict, px, { type: LzImageType.Rgba });
    expect(second.length * 50).toBeLessThan(first.length);
    win.decode(first);
    expect(win.decode(second).pixels.data).toEqual(expected(px, LzImageType.Rgba));
  });

  it('does not match an RGBA image against an RGB32 one (types differ)', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    const px = makeImage(64, 64);
    for (let i = 0; i < px.data.length; i++) px.data[i] = rnd(256);
    const first = encodeGlz(dict, px);
    const second = encodeGlz(dict, px, { type: LzImageType.Rgba });
    expect(second.length).toBeGreaterThan(first.length);
  });

  it.skipIf(!benchImagesPresent())('round-trips crops of the bench images through one window', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 22 });
    const win = new GlzDecoderWindow();
    for (const file of ['shot.png']) {
      const full = loadBenchImage(file);
      for (const [x, y] of [
        [0, 0],
        [300, 200],
        [301, 200],
      ] as const) {
        const crop = cropPixels(full, x, y, 256, 256);
        expect(win.decode(encodeGlz(dict, crop)).pixels.data).toEqual(expected(crop, LzImageType.Rgb32));
      }
    }
  });
});

describe('GLZ window', () => {
  it('evicts the oldest images once the window is full and says so in win_head_image_dist', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1000 });
    const win = new GlzDecoderWindow();
    const dists: number[] = [];
    for (let i = 0; i < 6; i++) {
      const out = encodeGlz(dict, makeImage(20, 15)); // 300 pixels: three fit
      dists.push(new DataView(out.buffer).getUint32(29));
      win.decode(out);
    }
    expect(dists).toEqual([0, 1, 2, 2, 2, 2]);
    expect(dict.images().map((image) => image.id)).toEqual([3, 4, 5]);
    expect(dict.usedPixels).toBe(900);
    expect(win.imageIds()).toEqual([3, 4, 5]);
  });

  it('keeps no more than maxRetainedPixels even when win_head_image_dist says keep everything', () => {
    const win = new GlzDecoderWindow({ maxRetainedPixels: 1000 });
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    for (let i = 0; i < 8; i++) {
      const px = makeImage(20, 15); // 300 pixels each; noise so that none refers to another
      for (let k = 0; k < px.data.length; k++) px.data[k] = rnd(256);
      win.decode(encodeGlz(dict, px));
    }
    expect(win.heldPixels).toBeLessThanOrEqual(1000);
    expect(win.imageIds()).toEqual([5, 6, 7]);
  });

  it('no longer refers to an evicted image', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 5000 });
    const a = makeImage(60, 40);
    for (let i = 0; i < a.data.length; i++) a.data[i] = rnd(256);
    const first = encodeGlz(dict, a);
    encodeGlz(dict, makeImage(60, 40));
    encodeGlz(dict, makeImage(60, 40)); // evicts the first
    const again = encodeGlz(dict, a);
    expect(again.length).toBeGreaterThan(first.length * 0.9);
  });

  it('reports a reference to an image it does not hold with a typed error and stays usable', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    const px = makeImage(50, 50);
    for (let i = 0; i < px.data.length; i++) px.data[i] = rnd(256);
    const first = encodeGlz(dict, px);
    const second = encodeGlz(dict, px);
    const win = new GlzDecoderWindow();
    expectCode(() => win.decode(second), CodecErrorCode.MissingReference);
    win.decode(first);
    expect(win.decode(second).pixels.data).toEqual(expected(px, LzImageType.Rgb32));
  });

  it('decodes images of two channels arriving out of order', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    const images = [makeImage(30, 30), makeImage(30, 30), makeImage(30, 30)];
    const streams = images.map((px) => encodeGlz(dict, px));
    const win = new GlzDecoderWindow();
    // Image 1 may refer to image 0: the caller keeps it and retries once image 0 is in.
    let pending: Uint8Array | undefined;
    try {
      win.decode(streams[1]!);
    } catch (error) {
      expect((error as { code: string }).code).toBe(CodecErrorCode.MissingReference);
      pending = streams[1];
    }
    win.decode(streams[0]!);
    if (pending) win.decode(pending);
    expect(win.imageIds()).toEqual([0, 1]);
    expect(win.decode(streams[2]!).pixels.data).toEqual(expected(images[2]!, LzImageType.Rgb32));
  });
});

describe('GLZ decoder on hostile input', () => {
  it('throws only codec errors for random garbage and for mutated streams', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    const seeds = [encodeGlz(dict, makeImage(17, 9)), encodeGlz(dict, makeImage(17, 9), { type: LzImageType.Rgba })];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (which, edits, cut) => {
          const base = seeds[which]!.slice();
          for (const [at, value] of edits) base[at % base.length] = value;
          const input = base.subarray(0, cut % (base.length + 1));
          try {
            const win = new GlzDecoderWindow();
            win.decode(seeds[0]!);
            win.decode(input, { maxOutputBytes: 1 << 20 });
          } catch (error) {
            expect(isCodecError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
