import { createGlzDictionary, type XrgbPixels } from '@spice-ts/codecs';
import { ImageType } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { bitmapGraduality, chooseCompression, encodePixels } from '../src/index.js';

function image(width: number, height: number, pixel: (x: number, y: number) => number): XrgbPixels {
  const data = new Uint8Array(width * height * 4);
  const view = new DataView(data.buffer);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) view.setUint32((y * width + x) * 4, pixel(x, y), true);
  return { width, height, stride: width * 4, data };
}

// A smooth gradient (photo-like) and sharp black-on-white stripes (text-like).
const gradient = image(64, 64, (x, y) => ((x * 3) << 16) | ((y * 3) << 8) | ((x + y) & 0xff));
const stripes = image(64, 64, (x) => (x % 8 < 4 ? 0 : 0xffffff));
const flat = image(64, 64, () => 0x336699);

describe('graduality (upstream sampling)', () => {
  it('calls smooth gradients high, sharp edges low, and a flat colour medium (it scores 0)', () => {
    expect(bitmapGraduality(gradient)).toBe('high');
    expect(bitmapGraduality(stripes)).toBe('low');
    expect(bitmapGraduality(flat)).toBe('medium');
    expect(bitmapGraduality(image(1, 1, () => 0))).toBe('low');
  });
});

describe('image compression choice', () => {
  const glz = createGlzDictionary({ id: 1, windowSizePixels: 1 << 20 });
  it('follows upstream: auto picks QUIC for gradients and GLZ/LZ for the rest', () => {
    expect(chooseCompression(gradient, { mode: 'auto_glz', glz, lz4: false })).toBe('quic');
    expect(chooseCompression(stripes, { mode: 'auto_glz', glz, lz4: false })).toBe('glz');
    expect(chooseCompression(stripes, { mode: 'auto_lz', glz, lz4: false })).toBe('lz');
  });
  it('falls back to LZ without a dictionary or the LZ4 capability, and sends tiny images as they are', () => {
    expect(chooseCompression(stripes, { mode: 'glz', glz: null, lz4: false })).toBe('lz');
    expect(chooseCompression(stripes, { mode: 'lz4', glz: null, lz4: false })).toBe('lz');
    expect(chooseCompression(stripes, { mode: 'lz4', glz: null, lz4: true })).toBe('lz4');
    expect(
      chooseCompression(
        image(3, 4, () => 0),
        { mode: 'lz', glz: null, lz4: false },
      ),
    ).toBe('off');
    expect(
      chooseCompression(
        image(2, 20, () => 0),
        { mode: 'quic', glz: null, lz4: false },
      ),
    ).toBe('off');
  });
  it('encodes with the chosen codec', () => {
    const types = [
      encodePixels(stripes, 1n, { mode: 'glz', glz, lz4: false }),
      encodePixels(stripes, 2n, { mode: 'lz4', glz: null, lz4: true }),
      encodePixels(gradient, 3n, { mode: 'auto_lz', glz: null, lz4: false }),
      encodePixels(stripes, 4n, 'lz'),
      encodePixels(stripes, 5n, 'off'),
    ].map((i) => i.descriptor.type);
    expect(types).toEqual([ImageType.GlzRgb, ImageType.Lz4, ImageType.Quic, ImageType.LzRgb, ImageType.Bitmap]);
  });
});
