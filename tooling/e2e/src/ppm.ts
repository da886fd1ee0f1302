import { PpmFormatError } from './errors.js';

/** An image as packed RGB rows: 3 bytes per pixel, `width * 3` bytes per row, top row first. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** Largest side accepted, far above any SPICE surface (spice-server caps a surface at 64 Mpx). */
export const MAX_PPM_SIDE = 16_384;

/**
 * Parses a binary PPM ("P6", maxval 255: what spicy-screenshot and glib_client.py --ppm write).
 * Header comments are allowed. The pixel data must be exactly `width * height * 3` bytes.
 * The returned `rgb` is a view into `bytes`: copy it if `bytes` is reused.
 */
export function readPpm(bytes: Uint8Array): RgbFrame {
  let pos = 0;
  const fields: string[] = [];
  if (bytes.length < 2 || bytes[0] !== 0x50 /* P */ || bytes[1] !== 0x36 /* 6 */) {
    throw new PpmFormatError('not a binary PPM (magic "P6" expected)');
  }
  pos = 2;
  while (fields.length < 3) {
    const c = bytes[pos];
    if (c === undefined) throw new PpmFormatError('header ends before width, height and maxval');
    if (c === 0x23 /* # */) {
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
      continue;
    }
    if (isSpace(c)) {
      pos++;
      continue;
    }
    const start = pos;
    while (pos < bytes.length && !isSpace(bytes[pos] as number) && bytes[pos] !== 0x23) pos++;
    const token = String.fromCharCode(...bytes.subarray(start, pos));
    if (!/^[0-9]{1,9}$/.test(token)) throw new PpmFormatError(`bad header field "${token.slice(0, 20)}"`);
    fields.push(token);
  }
  // exactly one whitespace byte separates maxval from the pixels
  const sep = bytes[pos];
  if (sep === undefined || !isSpace(sep)) throw new PpmFormatError('no whitespace after maxval');
  pos++;

  const [width, height, maxval] = fields.map(Number) as [number, number, number];
  if (width < 1 || height < 1 || width > MAX_PPM_SIDE || height > MAX_PPM_SIDE) {
    throw new PpmFormatError(`size ${width}x${height} is outside 1..${MAX_PPM_SIDE}`);
  }
  if (maxval !== 255) throw new PpmFormatError(`maxval ${maxval} not supported (only 255)`);
  const expected = width * height * 3;
  const available = bytes.length - pos;
  if (available !== expected) {
    throw new PpmFormatError(`${width}x${height} needs ${expected} bytes of pixels, the file has ${available}`);
  }
  return { width, height, rgb: bytes.subarray(pos, pos + expected) };
}

/** Encodes an RGB frame as a binary PPM (P6, maxval 255). */
export function encodePpm(frame: RgbFrame): Uint8Array {
  checkRgbFrame(frame);
  const header = new TextEncoder().encode(`P6\n${frame.width} ${frame.height}\n255\n`);
  const out = new Uint8Array(header.length + frame.rgb.length);
  out.set(header, 0);
  out.set(frame.rgb, header.length);
  return out;
}

/** Throws unless `frame.rgb` holds exactly width * height pixels. */
export function checkRgbFrame(frame: RgbFrame): void {
  if (!Number.isInteger(frame.width) || !Number.isInteger(frame.height) || frame.width < 1 || frame.height < 1) {
    throw new RangeError(`bad frame size ${frame.width}x${frame.height}`);
  }
  if (frame.rgb.length !== frame.width * frame.height * 3) {
    throw new RangeError(
      `a ${frame.width}x${frame.height} RGB frame needs ${frame.width * frame.height * 3} bytes, got ${frame.rgb.length}`,
    );
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}
