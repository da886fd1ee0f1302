import { CursorFlags } from '../enums.js';
import { CursorMsg } from '../message-types.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import type { MessageCodec } from './codec.js';
import { type Point, readPoint16, writePoint16 } from './types.js';

export interface CursorHeader {
  unique: bigint;
  type: number;
  width: number;
  height: number;
  hotSpotX: number;
  hotSpotY: number;
}

/** Cursor: u16 flags; unless NONE, a 17-byte header; the shape data runs to the end of the message. */
export interface Cursor {
  flags: number;
  header: CursorHeader | null;
  data: Uint8Array;
}

export const NO_CURSOR: Cursor = { flags: CursorFlags.None, header: null, data: new Uint8Array(0) };

function writeCursorHead(w: Writer, c: Cursor): void {
  w.u16(c.flags);
  if (!(c.flags & CursorFlags.None)) {
    const h = c.header;
    if (!h) throw new TypeError('a cursor without the NONE flag needs a header');
    w.u64(h.unique).u8(h.type).u16(h.width).u16(h.height).u16(h.hotSpotX).u16(h.hotSpotY);
  }
}

function readCursor(r: Reader): Cursor {
  const flags = r.u16('cursor flags');
  let header: CursorHeader | null = null;
  if (!(flags & CursorFlags.None)) {
    header = {
      unique: r.u64('cursor unique'),
      type: r.u8('cursor type'),
      width: r.u16('cursor width'),
      height: r.u16('cursor height'),
      hotSpotX: r.u16('cursor hot x'),
      hotSpotY: r.u16('cursor hot y'),
    };
  }
  return { flags, header, data: r.rest() };
}

function withCursor(fixed: (w: Writer) => void, cursor: Cursor): Uint8Array[] {
  const w = new Writer(32);
  fixed(w);
  writeCursorHead(w, cursor);
  return cursor.data.byteLength > 0 ? [w.finish(), cursor.data] : [w.finish()];
}

export interface CursorInit {
  position: Point;
  trailLength: number;
  trailFrequency: number;
  visible: boolean;
  cursor: Cursor;
}

export const cursorInit: MessageCodec<CursorInit> = {
  name: 'CURSOR_INIT',
  type: CursorMsg.Init,
  encode: (m) =>
    withCursor((w) => {
      writePoint16(w, m.position);
      w.u16(m.trailLength)
        .u16(m.trailFrequency)
        .u8(m.visible ? 1 : 0);
    }, m.cursor),
  decode(body) {
    const r = new Reader(body);
    return {
      position: readPoint16(r),
      trailLength: r.u16(),
      trailFrequency: r.u16(),
      visible: r.u8() !== 0,
      cursor: readCursor(r),
    };
  },
};

export interface CursorSet {
  position: Point;
  visible: boolean;
  cursor: Cursor;
}

export const cursorSet: MessageCodec<CursorSet> = {
  name: 'CURSOR_SET',
  type: CursorMsg.Set,
  encode: (m) =>
    withCursor((w) => {
      writePoint16(w, m.position);
      w.u8(m.visible ? 1 : 0);
    }, m.cursor),
  decode(body) {
    const r = new Reader(body);
    return { position: readPoint16(r), visible: r.u8() !== 0, cursor: readCursor(r) };
  },
};

// Generated from the schema (src/schema/channels.ts), drop-in for the earlier hand-written codecs.
export {
  cursorHide,
  cursorInvalAll,
  cursorInvalOne,
  cursorMove,
  cursorReset,
  cursorTrail,
} from '../generated/cursor.js';
