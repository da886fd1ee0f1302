import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { ImageType } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import {
  CodecErrorCode,
  createGlzDictionary,
  decodeZlibGlz,
  encodeGlz,
  encodeGlzImage,
  encodeZlibGlz,
  GlzDecoderWindow,
  isCodecError,
  type XrgbPixels,
  ZLIB_GLZ_HEADER_SIZE,
} from '../src/index.js';

function stripes(width: number, height: number): XrgbPixels {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([(i * 7) & 0xff, (i >> 3) & 0xff, 40, 0], i * 4);
  return { width, height, stride: width * 4, data };
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

describe('ZLIB_GLZ_RGB', () => {
  it('writes glz_data_size and data_size little-endian before a level-3 zlib stream of the GLZ bytes', () => {
    const glz = encodeGlz(createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 }), stripes(64, 64));
    const body = encodeZlibGlz(glz)!;
    const view = new DataView(body.buffer);
    expect(view.getUint32(0, true)).toBe(glz.length);
    expect(view.getUint32(4, true)).toBe(body.length - ZLIB_GLZ_HEADER_SIZE);
    expect(Buffer.from(body.subarray(8))).toEqual(deflateSync(glz, { level: 3 }));
  });

  it('round-trips through the decoder window', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 });
    const win = new GlzDecoderWindow();
    const px = stripes(100, 40);
    const body = encodeZlibGlz(encodeGlz(dict, px))!;
    const decoded = win.decode(decodeZlibGlz(body));
    for (let i = 0; i < 100 * 40; i++) expect(decoded.pixels.data[i * 4 + 1]).toBe(px.data[i * 4 + 1]);
  });

  it('leaves GLZ output under 100 bytes unwrapped, as upstream', () => {
    const glz = encodeGlz(createGlzDictionary({ id: 0, windowSizePixels: 1000 }), stripes(2, 2));
    expect(glz.length).toBeLessThan(100);
    expect(encodeZlibGlz(glz)).toBeUndefined();
  });

  it('leaves incompressible GLZ output unwrapped', () => {
    const noise = new Uint8Array(randomBytes(4000));
    expect(encodeZlibGlz(noise)).toBeUndefined();
  });

  it('rejects a body whose sizes disagree or whose zlib stream is broken, with codec errors', () => {
    const glz = encodeGlz(createGlzDictionary({ id: 0, windowSizePixels: 1 << 20 }), stripes(64, 64));
    const body = encodeZlibGlz(glz)!;
    expectCode(() => decodeZlibGlz(body.subarray(0, 5)), CodecErrorCode.Corrupt);
    expectCode(() => decodeZlibGlz(body.subarray(0, body.length - 1)), CodecErrorCode.Corrupt);
    const badSize = body.slice();
    new DataView(badSize.buffer).setUint32(0, glz.length - 1, true);
    expectCode(() => decodeZlibGlz(badSize), CodecErrorCode.Corrupt);
    const scrambled = body.slice();
    scrambled[12]! ^= 0xff;
    scrambled[13]! ^= 0x55;
    expectCode(() => decodeZlibGlz(scrambled), CodecErrorCode.Corrupt);
    expectCode(() => decodeZlibGlz(body, { maxGlzBytes: 10 }), CodecErrorCode.TooLarge);
  });
});

describe('GLZ_RGB image', () => {
  it('wraps the GLZ payload in a GLZ_RGB descriptor', () => {
    const image = encodeGlzImage(createGlzDictionary({ id: 0, windowSizePixels: 1000 }), stripes(4, 3), { id: 9n });
    expect(image.kind).toBe('binary');
    expect(image.descriptor).toEqual({ id: 9n, type: ImageType.GlzRgb, flags: 0, width: 4, height: 3 });
  });
});
