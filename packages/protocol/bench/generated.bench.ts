import { bench, describe } from 'vitest';
import { type DrawCopyMessage, drawCopy } from '../src/generated/display.js';
import { concatChunks, decodeDataHeader, encodeMiniHeader } from '../src/index.js';

// Each bench call runs the operation N times so that the harness overhead (hundreds of ns per
// call on these machines) does not drown the figure: ns per operation = mean / N.
const N = 1000;

// Mini header: a 6-byte header in front of a body, as the channel reads it off the socket.
const headerBytes = new Uint8Array(64);
headerBytes.set(encodeMiniHeader(304, 3_145_785));

describe('mini header', () => {
  bench(`decode ×${N}`, () => {
    for (let i = 0; i < N; i++) decodeDataHeader(headerBytes, true);
  });
  bench(`encode ×${N}`, () => {
    for (let i = 0; i < N; i++) encodeMiniHeader(304, 3_145_785 + i);
  });
});

// The generated DRAW_COPY codec with a 1024x768 xRGB bitmap: pixels travel by reference.
const pixels = new Uint8Array(1024 * 768 * 4);
const box = { top: 0, left: 0, bottom: 768, right: 1024 };
const message: DrawCopyMessage = {
  base: { surfaceId: 0, box, clip: { type: 0 } },
  srcBitmap: {
    descriptor: { id: 1n, type: 0, flags: 0, width: 1024, height: 768 },
    bitmap: { format: 8, flags: 4, x: 1024, y: 768, stride: 4096, palette: null, data: pixels },
  },
  srcArea: box,
  ropDescriptor: 8,
  scaleMode: 0,
  mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null },
};
const wire = concatChunks(drawCopy.encode(message));

describe('generated DRAW_COPY 1024x768', () => {
  bench(`encode ×${N}`, () => {
    for (let i = 0; i < N; i++) drawCopy.encode(message);
  });
  bench(`decode ×${N}`, () => {
    for (let i = 0; i < N; i++) drawCopy.decode(wire);
  });
});
