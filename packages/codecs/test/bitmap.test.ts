import { BitmapFmt, concatChunks, display, ImageType } from '@spice-ts/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitmapToXrgb, encodeBitmapImage, isCodecError } from '../src/index.js';

const words = (bytes: Uint8Array) => [...new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)];

describe('uncompressed bitmap images', () => {
  it('wraps 32-bit rows as a top-down BITMAP without copying them', () => {
    const data = new Uint8Array(2 * 2 * 4).fill(5);
    const image = encodeBitmapImage({ width: 2, height: 2, stride: 8, data }, { id: 42n });
    expect(image.kind).toBe('bitmap');
    if (image.kind !== 'bitmap') return;
    expect(image.descriptor).toEqual({ id: 42n, type: ImageType.Bitmap, flags: 0, width: 2, height: 2 });
    expect(image.bitmap.data).toBe(data);
  });

  it('round-trips through DRAW_COPY and back to the same pixels, for random sizes and strides', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 3 }),
        (w, h, pad) => {
          const stride = w * 4 + pad * 4;
          const data = Uint8Array.from({ length: stride * h }, (_, i) => (i * 31 + w) & 0xff);
          const image = encodeBitmapImage({ width: w, height: h, stride, data }, { id: 1n });
          const box = { top: 0, left: 0, bottom: h, right: w };
          const wire = concatChunks(
            display.drawCopy.encode({
              base: { surfaceId: 0, box, clip: { type: 0 } },
              srcBitmap: image,
              srcArea: box,
              ropDescriptor: 8,
              scaleMode: 0,
              mask: display.NO_MASK,
            }),
          );
          const back = display.drawCopy.decode(wire).srcBitmap;
          if (back.kind !== 'bitmap') throw new Error('not a bitmap');
          const b = back.bitmap;
          const pixels = bitmapToXrgb({
            format: b.format,
            width: b.x,
            height: b.y,
            stride: b.stride,
            topDown: true,
            data: b.data,
          });
          for (let y = 0; y < h; y++) {
            expect([...pixels.data.subarray(y * w * 4, (y + 1) * w * 4)]).toEqual([
              ...data.subarray(y * stride, y * stride + w * 4),
            ]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a stride smaller than a row or data shorter than the image', () => {
    expect(() =>
      encodeBitmapImage({ width: 4, height: 1, stride: 8, data: new Uint8Array(8) }, { id: 1n }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_CODEC_BAD_IMAGE' }));
    expect(() =>
      encodeBitmapImage({ width: 1, height: 4, stride: 4, data: new Uint8Array(8) }, { id: 1n }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_CODEC_BAD_IMAGE' }));
  });
});

describe('bitmap format conversion', () => {
  it('converts 24-bit (B,G,R) and 16-bit 555 rows', () => {
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit24,
          width: 2,
          height: 1,
          stride: 8,
          topDown: true,
          data: Uint8Array.of(1, 2, 3, 4, 5, 6, 0, 0),
        }).data,
      ),
    ).toEqual([0x030201, 0x060504]);
    // 0x7fff = white, 0x001f = blue: 5-bit values are widened to 8 bits
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit16,
          width: 2,
          height: 1,
          stride: 4,
          topDown: true,
          data: Uint8Array.of(0xff, 0x7f, 0x1f, 0x00),
        }).data,
      ),
    ).toEqual([0xffffff, 0x0000ff]);
  });

  it('looks up 1, 4 and 8-bit indexed pixels in the palette (LE and BE bit orders)', () => {
    const palette = Uint32Array.of(0x000000, 0xffffff, 0xff0000, 0x00ff00);
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit1Le,
          width: 3,
          height: 1,
          stride: 1,
          topDown: true,
          data: Uint8Array.of(0b101),
          palette,
        }).data,
      ),
    ).toEqual([0xffffff, 0, 0xffffff]);
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit1Be,
          width: 3,
          height: 1,
          stride: 1,
          topDown: true,
          data: Uint8Array.of(0b0100_0000),
          palette,
        }).data,
      ),
    ).toEqual([0, 0xffffff, 0]);
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit4Le,
          width: 2,
          height: 1,
          stride: 1,
          topDown: true,
          data: Uint8Array.of(0x32),
          palette,
        }).data,
      ),
    ).toEqual([0xff0000, 0x00ff00]);
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit4Be,
          width: 2,
          height: 1,
          stride: 1,
          topDown: true,
          data: Uint8Array.of(0x32),
          palette,
        }).data,
      ),
    ).toEqual([0x00ff00, 0xff0000]);
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit8,
          width: 1,
          height: 1,
          stride: 4,
          topDown: true,
          data: Uint8Array.of(3, 0, 0, 0),
          palette,
        }).data,
      ),
    ).toEqual([0x00ff00]);
  });

  it('flips bottom-up bitmaps and keeps alpha for A8', () => {
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit32,
          width: 1,
          height: 2,
          stride: 4,
          topDown: false,
          data: Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0),
        }).data,
      ),
    ).toEqual([2, 1]);
    expect(
      words(
        bitmapToXrgb({
          format: BitmapFmt.Bit8A,
          width: 1,
          height: 1,
          stride: 4,
          topDown: true,
          data: Uint8Array.of(0x80, 0, 0, 0),
        }).data,
      ),
    ).toEqual([0x80000000]);
  });

  it('fails with a codec error on an indexed bitmap without a palette or on short data', () => {
    for (const bad of [
      { format: BitmapFmt.Bit8, width: 1, height: 1, stride: 4, topDown: true, data: new Uint8Array(4) },
      { format: BitmapFmt.Bit32, width: 4, height: 4, stride: 16, topDown: true, data: new Uint8Array(10) },
    ]) {
      try {
        bitmapToXrgb(bad);
        expect.unreachable();
      } catch (error) {
        expect(isCodecError(error)).toBe(true);
      }
    }
  });
});
