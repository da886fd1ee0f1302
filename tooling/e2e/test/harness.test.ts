import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertFramesMatch,
  type BgrxFrame,
  compareFrames,
  crc32,
  E2eErrorCode,
  encodePng,
  encodePpm,
  glibClientArgs,
  isFrameMismatchError,
  isFrameSizeError,
  isPpmFormatError,
  type RgbFrame,
  readPpm,
  toRgbFrame,
  writeDiffImage,
} from '../src/index.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
};

/** A deterministic test pattern: every pixel distinct enough to catch swapped channels. */
function pattern(width: number, height: number): RgbFrame {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      rgb[o] = (x * 37) & 0xff;
      rgb[o + 1] = (y * 91) & 0xff;
      rgb[o + 2] = (x * y + 7) & 0xff;
    }
  }
  return { width, height, rgb };
}

/** The same picture laid out as the server holds it: B, G, R, X with a padded stride. */
function asBgrx(frame: RgbFrame, stride = frame.width * 4): BgrxFrame {
  const bgrx = new Uint8Array(stride * frame.height).fill(0xee);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const i = (y * frame.width + x) * 3;
      const o = y * stride + x * 4;
      bgrx[o] = frame.rgb[i + 2] as number;
      bgrx[o + 1] = frame.rgb[i + 1] as number;
      bgrx[o + 2] = frame.rgb[i] as number;
      bgrx[o + 3] = 0x5a; // the X byte must be ignored
    }
  }
  return { width: frame.width, height: frame.height, bgrx, stride };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const scratch = mkdtempSync(join(tmpdir(), 'spice-ts-harness-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('readPpm', () => {
  it('reads what spicy-screenshot writes (P6, one-line header, maxval 255)', () => {
    const pixels = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const frame = readPpm(concat(ascii('P6\n3 2\n255\n'), pixels));
    expect(frame.width).toBe(3);
    expect(frame.height).toBe(2);
    expect([...frame.rgb]).toEqual([...pixels]);
  });

  it('accepts comments and any whitespace between header fields', () => {
    const frame = readPpm(concat(ascii('P6 # made by a test\n  1\t# w\n1 \r\n255\n'), new Uint8Array([1, 2, 3])));
    expect(frame).toMatchObject({ width: 1, height: 1 });
    expect([...frame.rgb]).toEqual([1, 2, 3]);
  });

  it('keeps a pixel byte that looks like whitespace right after maxval', () => {
    const frame = readPpm(concat(ascii('P6\n1 1\n255\n'), new Uint8Array([0x0a, 0x20, 0x09])));
    expect([...frame.rgb]).toEqual([0x0a, 0x20, 0x09]);
  });

  it('round-trips through encodePpm', () => {
    const frame = pattern(17, 5);
    const back = readPpm(encodePpm(frame));
    expect(back.width).toBe(17);
    expect(back.height).toBe(5);
    expect(back.rgb).toEqual(frame.rgb);
  });

  it.each([
    ['an ASCII PPM (P3)', concat(ascii('P3\n1 1\n255\n0 0 0\n'))],
    ['a PGM (P5)', concat(ascii('P5\n1 1\n255\n'), new Uint8Array([0]))],
    ['16-bit samples (maxval 65535)', concat(ascii('P6\n1 1\n65535\n'), new Uint8Array(6))],
    ['a header cut short', ascii('P6\n10 ')],
    ['missing pixels', concat(ascii('P6\n2 2\n255\n'), new Uint8Array(11))],
    ['extra bytes after the pixels', concat(ascii('P6\n1 1\n255\n'), new Uint8Array(4))],
    ['a zero width', ascii('P6\n0 1\n255\n')],
    ['a huge size', ascii('P6\n100000 100000\n255\n')],
    ['a non-numeric field', ascii('P6\nwide 1\n255\n')],
    ['an empty file', new Uint8Array(0)],
  ])('rejects %s with ERR_E2E_BAD_PPM', (_what, bytes) => {
    const error = thrown(() => readPpm(bytes));
    expect(isPpmFormatError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(E2eErrorCode.BadPpm);
  });
});

describe('compareFrames', () => {
  it('finds no difference between a client RGB frame and the same server BGRX frame', () => {
    const rgb = pattern(31, 9);
    const result = compareFrames(asBgrx(rgb, 31 * 4 + 12), rgb);
    expect(result).toEqual({ width: 31, height: 9, differingPixels: 0, firstDiff: null, maxDelta: 0 });
  });

  it('reports the count and the first differing pixel in row-major order', () => {
    const expected = pattern(8, 6);
    const actual = { ...expected, rgb: expected.rgb.slice() };
    const poke = (x: number, y: number, rgb: [number, number, number]): void => actual.rgb.set(rgb, (y * 8 + x) * 3);
    poke(5, 4, [1, 2, 3]);
    poke(2, 1, [200, 100, 50]);
    poke(7, 1, [0, 0, 0]);
    const result = compareFrames(asBgrx(expected), actual);
    expect(result.differingPixels).toBe(3);
    expect(result.firstDiff).toEqual({
      x: 2,
      y: 1,
      expected: [(2 * 37) & 0xff, 91, 2 + 7],
      actual: [200, 100, 50],
    });
  });

  it('notices swapped red and blue channels', () => {
    const rgb = pattern(4, 4);
    const swapped = { ...asBgrx(rgb) };
    const wrong: BgrxFrame = { width: 4, height: 4, bgrx: swapped.bgrx.slice() };
    for (let i = 0; i < wrong.bgrx.length; i += 4) {
      const b = wrong.bgrx[i] as number;
      wrong.bgrx[i] = wrong.bgrx[i + 2] as number;
      wrong.bgrx[i + 2] = b;
    }
    expect(compareFrames(wrong, rgb).differingPixels).toBeGreaterThan(10);
  });

  it('counts only differences above the tolerance and reports the largest delta', () => {
    const expected = pattern(3, 3);
    const actual = { ...expected, rgb: expected.rgb.map((v, i) => (i === 4 ? Math.min(255, v + 3) : v)) };
    actual.rgb[10] = ((actual.rgb[10] as number) + 40) & 0xff;
    expect(compareFrames(expected, actual, { tolerance: 3 }).differingPixels).toBe(1);
    expect(compareFrames(expected, actual).differingPixels).toBe(2);
    expect(compareFrames(expected, actual).maxDelta).toBeGreaterThanOrEqual(3);
  });

  it('throws ERR_E2E_FRAME_SIZE for frames of different sizes', () => {
    const error = thrown(() => compareFrames(pattern(4, 3), pattern(3, 4)));
    expect(isFrameSizeError(error)).toBe(true);
  });

  it('rejects a BGRX buffer too short for its size and stride', () => {
    expect(() => compareFrames({ width: 4, height: 2, bgrx: new Uint8Array(31) }, pattern(4, 2))).toThrow(RangeError);
  });

  it('converts BGRX to RGB', () => {
    const rgb = pattern(5, 3);
    expect(toRgbFrame(asBgrx(rgb, 64)).rgb).toEqual(rgb.rgb);
  });
});

describe('diff images', () => {
  it('writes expected | actual | difference as a PNG that decodes to the right pixels', () => {
    const expected = pattern(6, 4);
    const actual = { ...expected, rgb: expected.rgb.slice() };
    actual.rgb.set([9, 9, 9], (2 * 6 + 3) * 3);
    const path = writeDiffImage(asBgrx(expected), actual, { dir: scratch, name: 'two frames' });
    expect(path).toBe(join(scratch, 'two_frames-diff.png'));
    const image = decodePng(readFileSync(path));
    expect(image.width).toBe(18);
    expect(image.height).toBe(4);
    const px = (x: number, y: number): number[] => [...image.rgb.subarray((y * 18 + x) * 3, (y * 18 + x) * 3 + 3)];
    expect(px(0, 0)).toEqual([...expected.rgb.subarray(0, 3)]);
    expect(px(6 + 3, 2)).toEqual([9, 9, 9]);
    expect(px(12 + 3, 2)).toEqual([255, 0, 0]);
    expect(px(12, 0)).not.toEqual([255, 0, 0]);
  });

  it('assertFramesMatch returns for equal frames and throws with the diff path otherwise', () => {
    const expected = pattern(5, 5);
    expect(assertFramesMatch(asBgrx(expected), expected, { dir: scratch }).differingPixels).toBe(0);
    const actual = { ...expected, rgb: expected.rgb.slice() };
    actual.rgb[0] = ((actual.rgb[0] as number) + 128) & 0xff;
    const error = thrown(() => assertFramesMatch(expected, actual, { dir: scratch, name: 'mismatch', format: 'ppm' }));
    expect(isFrameMismatchError(error)).toBe(true);
    const mismatch = error as { differingPixels: number; diffImage: string; message: string };
    expect(mismatch.differingPixels).toBe(1);
    expect(mismatch.diffImage).toBe(join(scratch, 'mismatch-diff.ppm'));
    expect(mismatch.message).toContain('(0,0)');
    expect(readPpm(readFileSync(mismatch.diffImage)).width).toBe(15);
  });
});

describe('encodePng', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(ascii('IEND'))).toBe(0xae426082);
  });

  it('writes a valid signature, IHDR and checksummed chunks', () => {
    const frame = pattern(7, 3);
    const png = encodePng(frame);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const decoded = decodePng(png);
    expect(decoded.width).toBe(7);
    expect(decoded.height).toBe(3);
    expect(decoded.rgb).toEqual(frame.rgb);
  });
});

describe('glibClientArgs', () => {
  it('passes typed text literally by escaping backslashes for the script', () => {
    const args = glibClientArgs({ port: 5900, type: 'a\\n\nb', click: { x: 3, y: 4 }, motion: 20, timeoutMs: 5_000 });
    expect(args).toEqual([
      '--host',
      '127.0.0.1',
      '--port',
      '5900',
      '--timeout',
      '5',
      '--type',
      'a\\\\n\nb',
      '--click',
      '3,4',
      '--motion',
      '20',
    ]);
  });

  it('adds the password, idle, wait, button and image outputs when given', () => {
    const args = glibClientArgs({
      host: '::1',
      port: 1,
      password: 'pw',
      idleMs: 0,
      waitMs: 250,
      click: { x: 1, y: 2, button: 3 },
      png: '/tmp/a.png',
      ppm: '/tmp/a.ppm',
    });
    expect(args.join(' ')).toBe(
      '--host ::1 --port 1 --password pw --timeout 30 --idle-ms 0 --wait-ms 250 --click 1,2,3 --png /tmp/a.png --ppm /tmp/a.ppm',
    );
  });
});

/** Minimal PNG reader for the tests: checks every CRC, inflates IDAT, undoes filter 0 rows. */
function decodePng(png: Uint8Array): RgbFrame {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (pos < png.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    const body = png.subarray(pos + 8, pos + 8 + length);
    expect(view.getUint32(pos + 8 + length)).toBe(crc32(png.subarray(pos + 4, pos + 8 + length)));
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      expect([...body.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    } else if (type === 'IDAT') idat.push(body);
    pos += 12 + length;
  }
  const raw = inflateSync(concat(...idat));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    rgb.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, rgb };
}
