import { ClipType } from '../enums.js';
import { BadValueError, TooLargeError } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface Rect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface Point {
  x: number;
  y: number;
}

export type Clip = { type: typeof ClipType.None } | { type: typeof ClipType.Rects; rects: readonly Rect[] };

/** Most clip rectangles accepted in one message (bounded by the 1 KiB..MiB message limits anyway). */
export const MAX_CLIP_RECTS = 65536;

export function readRect(r: Reader): Rect {
  return { top: r.i32('rect'), left: r.i32('rect'), bottom: r.i32('rect'), right: r.i32('rect') };
}

export function writeRect(w: Writer, rect: Rect): void {
  w.i32(rect.top).i32(rect.left).i32(rect.bottom).i32(rect.right);
}

export function readPoint(r: Reader): Point {
  return { x: r.i32('point'), y: r.i32('point') };
}

export function writePoint(w: Writer, p: Point): void {
  w.i32(p.x).i32(p.y);
}

export function readPoint16(r: Reader): Point {
  return { x: r.i16('point16'), y: r.i16('point16') };
}

export function writePoint16(w: Writer, p: Point): void {
  w.i16(p.x).i16(p.y);
}

/** Clip: u8 type; RECTS adds u32 count and the rectangles inline. */
export function readClip(r: Reader): Clip {
  const type = r.u8('clip type');
  if (type === ClipType.None) return { type: ClipType.None };
  if (type !== ClipType.Rects) throw new BadValueError('clip type', type);
  const n = r.u32('clip rect count');
  if (n > MAX_CLIP_RECTS) throw new TooLargeError('clip rect count', n, MAX_CLIP_RECTS);
  r.need(n * 16, 'clip rects');
  const rects: Rect[] = [];
  for (let i = 0; i < n; i++) rects.push(readRect(r));
  return { type: ClipType.Rects, rects };
}

export function writeClip(w: Writer, clip: Clip): void {
  w.u8(clip.type);
  if (clip.type === ClipType.Rects) {
    w.u32(clip.rects.length);
    for (const rect of clip.rects) writeRect(w, rect);
  }
}

export function clipSize(clip: Clip): number {
  return clip.type === ClipType.Rects ? 1 + 4 + 16 * clip.rects.length : 1;
}
