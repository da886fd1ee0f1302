import { describe, expect, it } from 'vitest';
import * as genBase from '../src/generated/base.js';
import * as genCursor from '../src/generated/cursor.js';
import * as genDisplay from '../src/generated/display.js';
import * as genMain from '../src/generated/main.js';
import { base, concatChunks, cursor, display, type MessageCodec, main } from '../src/index.js';

const bytes = <T>(codec: MessageCodec<T>, message: T): Uint8Array => concatChunks(codec.encode(message));
const box = { top: 1, left: 2, bottom: 30, right: 40 };
const noMask = { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };

// The codecs still written by hand use friendlier shapes (strings, booleans, tagged images); the
// generated ones must put the same bytes on the wire for the same message.
describe('generated codecs and the hand-written ones agree on the wire', () => {
  it('DRAW_COPY with an 8-bit bitmap and its palette', () => {
    const data = new Uint8Array(4 * 3).map((_, i) => i);
    const entries = new Uint32Array([0xff0000, 0x00ff00]);
    const hand = bytes(display.drawCopy, {
      base: { surfaceId: 0, box, clip: { type: 1, rects: [box] } },
      srcBitmap: {
        kind: 'bitmap',
        descriptor: { id: 9n, type: 0, flags: 0, width: 4, height: 3 },
        bitmap: { format: 5, flags: 0, x: 4, y: 3, stride: 4, palette: { unique: 5n, entries }, data },
      },
      srcArea: box,
      ropDescriptor: 8,
      scaleMode: 1,
      mask: display.NO_MASK,
    });
    const generated = bytes(genDisplay.drawCopy, {
      base: { surfaceId: 0, box, clip: { type: 1, rects: [box] } },
      srcBitmap: {
        descriptor: { id: 9n, type: 0, flags: 0, width: 4, height: 3 },
        bitmap: { format: 5, flags: 0, x: 4, y: 3, stride: 4, palette: { unique: 5n, ents: [...entries] }, data },
      },
      srcArea: box,
      ropDescriptor: 8,
      scaleMode: 1,
      mask: noMask,
    });
    expect(generated).toEqual(hand);
  });

  it('DRAW_FILL with a solid brush and COPY_BITS', () => {
    const fill = { base: { surfaceId: 2, box, clip: { type: 0 as const } }, ropDescriptor: 8, mask: display.NO_MASK };
    expect(bytes(genDisplay.drawFill, { ...fill, brush: { type: 1, color: 0x123456 }, mask: noMask })).toEqual(
      bytes(display.drawFill, { ...fill, brush: { type: 1, color: 0x123456 } }),
    );
    const copy = { base: fill.base, srcPos: { x: -3, y: 7 } };
    expect(bytes(genDisplay.copyBits, copy)).toEqual(bytes(display.copyBits, copy));
  });

  it('CURSOR_SET with a header and shape data', () => {
    const header = { unique: 77n, type: 0, width: 2, height: 2, hotSpotX: 1, hotSpotY: 0 };
    const data = new Uint8Array(16).fill(0xaa);
    expect(
      bytes(genCursor.cursorSet, { position: { x: 5, y: -6 }, visible: 1, cursor: { flags: 2, header, data } }),
    ).toEqual(
      bytes(cursor.cursorSet, { position: { x: 5, y: -6 }, visible: true, cursor: { flags: 2, header, data } }),
    );
  });

  it('NOTIFY, PING, MAIN_NAME and MAIN_UUID', () => {
    const text = new TextEncoder().encode('hello\0');
    const notifyText = new TextEncoder().encode('hello');
    const nul = new Uint8Array(1);
    expect(
      bytes(genBase.notify, { timestamp: 1n, severity: 2, visibility: 1, what: 0, message: notifyText, trailer: nul }),
    ).toEqual(bytes(base.notify, { timestamp: 1n, severity: 2, visibility: 1, what: 0, message: 'hello' }));
    const payload = new Uint8Array(300);
    expect(bytes(genBase.ping, { id: 4, timestamp: 99n, data: payload })).toEqual(
      bytes(base.ping, { id: 4, timestamp: 99n, data: payload }),
    );
    expect(bytes(genMain.mainName, { name: text })).toEqual(bytes(main.mainName, { name: 'hello' }));
    const uuid = new Uint8Array(16).map((_, i) => i * 3);
    expect(bytes(genMain.mainUuid, { uuid })).toEqual(bytes(main.mainUuid, { uuid }));
  });
});
