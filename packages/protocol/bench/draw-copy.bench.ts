import { bench, describe } from 'vitest';
import { BitmapFlags, BitmapFmt, concatChunks, display, ImageType, Ropd } from '../src/index.js';

// A full 1024x768 xRGB frame as one DRAW_COPY: encoding must not touch the pixels (they go by
// reference), decoding must not copy them either.
const pixels = new Uint8Array(1024 * 768 * 4);
const box = { top: 0, left: 0, bottom: 768, right: 1024 };
const message = {
  base: { surfaceId: 0, box, clip: { type: 0 } as const },
  srcBitmap: {
    kind: 'bitmap' as const,
    descriptor: { id: 1n, type: ImageType.Bitmap, flags: 0, width: 1024, height: 768 },
    bitmap: {
      format: BitmapFmt.Bit32,
      flags: BitmapFlags.TopDown,
      x: 1024,
      y: 768,
      stride: 4096,
      palette: null,
      data: pixels,
    },
  },
  srcArea: box,
  ropDescriptor: Ropd.OpPut,
  scaleMode: 0,
  mask: display.NO_MASK,
};
const wire = concatChunks(display.drawCopy.encode(message));

describe('DRAW_COPY 1024x768', () => {
  bench('encode (header chunks, pixels by reference)', () => {
    display.drawCopy.encode(message);
  });
  bench('decode (views into the body)', () => {
    display.drawCopy.decode(wire);
  });
});
