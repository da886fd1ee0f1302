import { BitmapFmt } from '@spice-ts/protocol';
import { expect, it } from 'vitest';
import {
  createGlzDictionary,
  decodeJpeg,
  decodeJpegAlpha,
  decodeLz,
  decodeLz4,
  decodeQuic,
  decodeZlibGlz,
  encodeGlz,
  encodeJpeg,
  encodeJpegAlpha,
  encodeLz,
  encodeLz4,
  encodeQuic,
  encodeZlibGlz,
  GlzDecoderWindow,
  isCodecError,
  LzImageType,
  QuicImageType,
} from '../src/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const LIMIT = 4 << 20;

let seed = Number(process.env.FUZZ_SEED ?? 1) >>> 0;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return Math.floor((seed / 2 ** 32) * n);
};

function image(width: number, height: number): { width: number; height: number; stride: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    if (i >= 4 && rnd(3) > 0) data.copyWithin(i, i - 4, i);
    else for (let k = 0; k < 4; k++) data[i + k] = rnd(256);
  }
  return { width, height, stride: width * 4, data };
}

function mutate(source: Uint8Array): Uint8Array {
  let out = source.slice();
  const edits = 1 + rnd(6);
  for (let e = 0; e < edits; e++) {
    switch (rnd(5)) {
      case 0:
        out[rnd(out.length)] = rnd(256);
        break;
      case 1:
        out[rnd(out.length)]! ^= 1 << rnd(8);
        break;
      case 2:
        out = out.subarray(0, rnd(out.length + 1));
        break;
      case 3: {
        const at = rnd(out.length + 1);
        const extra = Uint8Array.from({ length: 1 + rnd(8) }, () => rnd(256));
        const grown = new Uint8Array(out.length + extra.length);
        grown.set(out.subarray(0, at));
        grown.set(extra, at);
        grown.set(out.subarray(at), at + extra.length);
        out = grown;
        break;
      }
      default:
        // keep the header, scramble one body byte
        if (out.length > 28) out[28 + rnd(out.length - 28)] = rnd(256);
    }
    if (out.length === 0) break;
  }
  return out;
}

async function fuzz(decode: (data: Uint8Array) => unknown, seeds: Uint8Array[]): Promise<void> {
  let rejected = 0;
  for (let run = 0; run < RUNS; run++) {
    // Let vitest's worker answer its RPC between slices of a long synchronous run.
    if (run % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    const input = mutate(seeds[run % seeds.length]!);
    try {
      decode(input);
    } catch (error) {
      if (!isCodecError(error))
        throw new Error(`non-codec error on input ${Buffer.from(input).toString('hex')}`, { cause: error });
      rejected++;
    }
  }
  expect(rejected).toBeGreaterThan(0);
}

it(`LZ decoder: ${RUNS} mutated streams give pixels or codec errors only`, async () => {
  const seeds = [
    encodeLz(image(31, 9), LzImageType.Rgb32),
    encodeLz(image(17, 13), LzImageType.Rgba),
    encodeLz(image(40, 3), LzImageType.Xxxa),
    encodeLz(image(5, 5), LzImageType.Rgb32, { topDown: false }),
  ];
  const palette = Uint32Array.from({ length: 256 }, (_, i) => i * 0x10101);
  await fuzz((data) => decodeLz(data, { maxOutputBytes: LIMIT, palette }), seeds);
});

it(`QUIC decoder: ${RUNS} mutated streams give pixels or codec errors only`, async () => {
  const seeds = [
    encodeQuic(image(31, 9), QuicImageType.Rgb32),
    encodeQuic(image(17, 13), QuicImageType.Rgba),
    encodeQuic(image(70, 4), QuicImageType.Rgb32),
  ];
  await fuzz((data) => decodeQuic(data, { maxOutputBytes: LIMIT }), seeds);
});

/** A GLZ sequence: earlier images the mutated ones may refer to, decoded into a fresh window each run. */
function glzSequence(): { history: Uint8Array[]; targets: Uint8Array[] } {
  const dict = createGlzDictionary({ id: 0, windowSizePixels: 4000 });
  const base = image(31, 9);
  const history = [encodeGlz(dict, base), encodeGlz(dict, image(20, 7), { type: LzImageType.Rgba })];
  const targets = [
    encodeGlz(dict, base),
    encodeGlz(dict, image(17, 13), { type: LzImageType.Rgba }),
    encodeGlz(dict, image(40, 3), { topDown: false }),
  ];
  return { history, targets };
}

it(`GLZ decoder: ${RUNS} mutated streams give pixels or codec errors only`, async () => {
  const { history, targets } = glzSequence();
  await fuzz((data) => {
    const win = new GlzDecoderWindow();
    for (const h of history) win.decode(h);
    win.decode(data, { maxOutputBytes: LIMIT });
  }, targets);
});

it(`ZLIB_GLZ decoder: ${RUNS} mutated bodies give pixels or codec errors only`, async () => {
  const { history, targets } = glzSequence();
  const seeds = targets.map((t) => encodeZlibGlz(t, { level: 3 })).filter((b): b is Uint8Array => b !== undefined);
  expect(seeds.length).toBeGreaterThan(0);
  await fuzz((data) => {
    const win = new GlzDecoderWindow();
    for (const h of history) win.decode(h);
    win.decode(decodeZlibGlz(data, { maxGlzBytes: LIMIT }), { maxOutputBytes: LIMIT });
  }, seeds);
});

it(`LZ4 decoder: ${RUNS} mutated streams give pixels or codec errors only`, async () => {
  const seeds = [
    { data: encodeLz4(image(31, 9)), width: 31, height: 9 },
    { data: encodeLz4(image(17, 13), { format: BitmapFmt.Rgba, topDown: false }), width: 17, height: 13 },
    {
      data: encodeLz4({ width: 20, height: 5, stride: 80, data: image(20, 5).data }, { format: BitmapFmt.Bit24 }),
      width: 20,
      height: 5,
    },
  ];
  let k = 0;
  await fuzz(
    (data) => {
      const seed = seeds[k++ % seeds.length]!;
      decodeLz4(data, { width: seed.width, height: seed.height, maxOutputBytes: LIMIT });
    },
    seeds.map((seed) => seed.data),
  );
});

it(`JPEG decoder: ${RUNS} mutated streams give pixels or codec errors only`, async () => {
  const seeds = [
    await encodeJpeg(image(31, 9)),
    await encodeJpeg(image(17, 13), { quality: 50 }),
    await encodeJpeg(image(40, 3), { quality: 95 }),
    await encodeJpeg(image(2, 2)),
  ];
  await fuzz((data) => decodeJpeg(data, { maxPixels: LIMIT / 4 }), seeds);
});

it(`JPEG_ALPHA decoder: ${RUNS} mutated bodies give pixels or codec errors only`, async () => {
  const bodies = [await encodeJpegAlpha(image(19, 7)), await encodeJpegAlpha(image(8, 16), { quality: 60 })];
  let k = 0;
  await fuzz(
    (data) => {
      const body = bodies[k++ % bodies.length]!;
      // Mostly the real split, sometimes a random one.
      const jpegSize = k % 8 === 0 ? rnd(data.length + 2) : Math.min(body.jpegSize, data.length);
      decodeJpegAlpha({ flags: body.flags ^ (k % 16 === 0 ? 1 : 0), jpegSize, data }, { maxPixels: LIMIT / 4 });
    },
    bodies.map((b) => b.data),
  );
});
