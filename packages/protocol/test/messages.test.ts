import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BitmapFlags,
  BitmapFmt,
  BrushType,
  base,
  ClipType,
  CursorFlags,
  concatChunks,
  cursor,
  decodeDataHeader,
  display,
  encodeFullHeader,
  encodeMiniHeader,
  FULL_HEADER_SIZE,
  ImageType,
  inputs,
  isProtocolError,
  type MessageCodec,
  MINI_HEADER_SIZE,
  main,
  Ropd,
} from '../src/index.js';

const roundTrip = <T>(codec: MessageCodec<T>, message: T): T => codec.decode(concatChunks(codec.encode(message)));

describe('data headers', () => {
  it('encodes and decodes the 6-byte mini header', () => {
    const bytes = encodeMiniHeader(304, 1234);
    expect(bytes.byteLength).toBe(MINI_HEADER_SIZE);
    expect(decodeDataHeader(bytes, true)).toEqual({ serial: 0n, type: 304, size: 1234, subList: 0 });
  });

  it('encodes and decodes the 18-byte full header with its serial', () => {
    const bytes = encodeFullHeader(42n, 103, 32);
    expect(bytes.byteLength).toBe(FULL_HEADER_SIZE);
    expect(decodeDataHeader(bytes, false)).toEqual({ serial: 42n, type: 103, size: 32, subList: 0 });
  });

  it('waits (returns null) on an incomplete header instead of failing', () => {
    expect(decodeDataHeader(new Uint8Array(5), true)).toBeNull();
    expect(decodeDataHeader(new Uint8Array(17), false)).toBeNull();
  });
});

describe('main channel messages', () => {
  it('encodes MAIN_INIT as eight u32 fields (32 bytes)', () => {
    const init = {
      sessionId: 0xdeadbeef,
      displayChannelsHint: 1,
      supportedMouseModes: 3,
      currentMouseMode: 1,
      agentConnected: 0,
      agentTokens: 10,
      multiMediaTime: 1000,
      ramHint: 64 << 20,
    };
    const body = concatChunks(main.mainInit.encode(init));
    expect(body.byteLength).toBe(32);
    expect(main.mainInit.decode(body)).toEqual(init);
  });

  it('round-trips CHANNELS_LIST, MOUSE_MODE and NAME', () => {
    const list = {
      channels: [
        { type: 2, id: 0 },
        { type: 3, id: 0 },
        { type: 4, id: 0 },
      ],
    };
    expect(concatChunks(main.channelsList.encode(list)).byteLength).toBe(10);
    expect(roundTrip(main.channelsList, list)).toEqual(list);
    expect(roundTrip(main.mouseMode, { supportedModes: 3, currentMode: 2 })).toEqual({
      supportedModes: 3,
      currentMode: 2,
    });
    expect(roundTrip(main.mainName, { name: 'demo ✓' })).toEqual({ name: 'demo ✓' });
  });
});

describe('display channel messages', () => {
  const pixels = new Uint8Array(4 * 3 * 2).map((_, i) => i);
  const image = {
    kind: 'bitmap' as const,
    descriptor: { id: 0x100000002n, type: ImageType.Bitmap, flags: 0, width: 3, height: 2 },
    bitmap: {
      format: BitmapFmt.Bit32,
      flags: BitmapFlags.TopDown,
      x: 3,
      y: 2,
      stride: 12,
      palette: null,
      data: pixels,
    },
  };
  const copy = {
    base: { surfaceId: 0, box: { top: 10, left: 20, bottom: 12, right: 23 }, clip: { type: ClipType.None } as const },
    srcBitmap: image,
    srcArea: { top: 0, left: 0, bottom: 2, right: 3 },
    ropDescriptor: Ropd.OpPut,
    scaleMode: 0,
    mask: display.NO_MASK,
  };

  it('lays DRAW_COPY out as 57 fixed bytes, then the image the pointer names', () => {
    const chunks = display.drawCopy.encode(copy);
    expect(chunks[2]).toBe(pixels); // pixels go by reference, not copied
    const body = concatChunks(chunks);
    const view = new DataView(body.buffer);
    expect(view.getUint32(21, true)).toBe(57); // src_bitmap pointer right after the 57-byte fixed part
    expect(body.byteLength).toBe(57 + 18 + 18 + pixels.byteLength);
    expect(body[57 + 8]).toBe(ImageType.Bitmap);
    const decoded = display.drawCopy.decode(body);
    expect(decoded.base).toEqual(copy.base);
    expect(decoded.srcBitmap.kind).toBe('bitmap');
    if (decoded.srcBitmap.kind === 'bitmap') expect([...decoded.srcBitmap.bitmap.data]).toEqual([...pixels]);
  });

  it('places a palette after the pixel data and points at it', () => {
    const pal = {
      ...image,
      bitmap: {
        format: BitmapFmt.Bit8,
        flags: 0,
        x: 3,
        y: 2,
        stride: 4,
        palette: { unique: 9n, entries: Uint32Array.of(1, 2, 3) },
        data: new Uint8Array(8),
      },
    };
    const decoded = display.drawCopy.decode(concatChunks(display.drawCopy.encode({ ...copy, srcBitmap: pal })));
    expect(decoded.srcBitmap.kind === 'bitmap' && decoded.srcBitmap.bitmap.palette).toEqual({
      unique: 9n,
      entries: Uint32Array.of(1, 2, 3),
    });
  });

  it('round-trips a clipped DRAW_FILL with a solid brush', () => {
    const fill = {
      base: {
        surfaceId: 0,
        box: { top: 0, left: 0, bottom: 5, right: 5 },
        clip: { type: ClipType.Rects, rects: [{ top: 1, left: 1, bottom: 2, right: 2 }] } as const,
      },
      brush: { type: BrushType.Solid, color: 0x00ff8800 } as const,
      ropDescriptor: Ropd.OpPut,
      mask: display.NO_MASK,
    };
    expect(roundTrip(display.drawFill, fill)).toEqual(fill);
  });

  it('decodes DISPLAY_INIT as spice-gtk sends it (14 bytes)', () => {
    const init = { pixmapCacheId: 1, pixmapCacheSize: 20971520n, glzDictionaryId: 1, glzDictionaryWindowSize: 8388608 };
    expect(concatChunks(display.displayInit.encode(init)).byteLength).toBe(14);
    expect(roundTrip(display.displayInit, init)).toEqual(init);
  });

  it('round-trips SURFACE_CREATE and MONITORS_CONFIG', () => {
    const sc = { surfaceId: 0, width: 1024, height: 768, format: 32, flags: 1 };
    expect(roundTrip(display.surfaceCreate, sc)).toEqual(sc);
    const mc = {
      maxAllowed: 1,
      heads: [{ monitorId: 0, surfaceId: 0, width: 1024, height: 768, x: 0, y: 0, flags: 0 }],
    };
    expect(concatChunks(display.monitorsConfig.encode(mc)).byteLength).toBe(32);
    expect(roundTrip(display.monitorsConfig, mc)).toEqual(mc);
  });
});

describe('inputs and cursor messages', () => {
  it('round-trips key, motion, position and button messages', () => {
    expect(roundTrip(inputs.keyDown, { code: 0x1de0 })).toEqual({ code: 0x1de0 });
    expect(roundTrip(inputs.mouseMotion, { dx: -5, dy: 7, buttons: 1 })).toEqual({ dx: -5, dy: 7, buttons: 1 });
    expect(roundTrip(inputs.mousePosition, { x: 100, y: 200, buttons: 0, displayId: 0 })).toEqual({
      x: 100,
      y: 200,
      buttons: 0,
      displayId: 0,
    });
    expect(roundTrip(inputs.mousePress, { button: 1, buttons: 1 })).toEqual({ button: 1, buttons: 1 });
  });

  it('encodes CURSOR_SET with its header and shape data running to the end', () => {
    const data = new Uint8Array(16 * 16 * 4).fill(0xaa);
    const set = {
      position: { x: 3, y: -1 },
      visible: true,
      cursor: { flags: 0, header: { unique: 5n, type: 0, width: 16, height: 16, hotSpotX: 1, hotSpotY: 2 }, data },
    };
    const body = concatChunks(cursor.cursorSet.encode(set));
    expect(body.byteLength).toBe(4 + 1 + 2 + 17 + data.byteLength);
    expect(cursor.cursorSet.decode(body)).toEqual(set);
    const none = { position: { x: 0, y: 0 }, visible: false, cursor: cursor.NO_CURSOR };
    expect(roundTrip(cursor.cursorSet, none).cursor.flags).toBe(CursorFlags.None);
  });

  it('echoes PONG id and timestamp', () => {
    expect(roundTrip(base.pong, { id: 3, timestamp: 123456789n })).toEqual({ id: 3, timestamp: 123456789n });
    expect(roundTrip(base.setAck, { generation: 1, window: 20 })).toEqual({ generation: 1, window: 20 });
  });
});

describe('decoders on hostile input', () => {
  const codecs: MessageCodec<unknown>[] = [
    main.mainInit,
    main.channelsList,
    main.mouseModeRequest,
    display.drawCopy,
    display.drawFill,
    display.displayInit,
    display.monitorsConfig,
    inputs.mouseMotion,
    inputs.mousePosition,
    inputs.mousePress,
    cursor.cursorSet,
    cursor.cursorInit,
    base.pong,
    base.ackSync,
  ] as MessageCodec<unknown>[];

  it('throw only our own errors on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: codecs.length - 1 }), (bytes, i) => {
        try {
          codecs[i]!.decode(bytes);
        } catch (error) {
          if (!isProtocolError(error)) throw error;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('reject every truncation of a valid DRAW_COPY with ERR_SPICE_TRUNCATED', () => {
    const body = concatChunks(
      display.drawCopy.encode({
        base: { surfaceId: 0, box: { top: 0, left: 0, bottom: 1, right: 1 }, clip: { type: ClipType.None } },
        srcBitmap: {
          kind: 'bitmap',
          descriptor: { id: 1n, type: ImageType.Bitmap, flags: 0, width: 1, height: 1 },
          bitmap: { format: BitmapFmt.Bit32, flags: 0, x: 1, y: 1, stride: 4, palette: null, data: new Uint8Array(4) },
        },
        srcArea: { top: 0, left: 0, bottom: 1, right: 1 },
        ropDescriptor: Ropd.OpPut,
        scaleMode: 0,
        mask: display.NO_MASK,
      }),
    );
    for (let n = 0; n < body.byteLength; n++) {
      expect(() => display.drawCopy.decode(body.subarray(0, n)), `at ${n}`).toThrowError(
        expect.objectContaining({ code: expect.stringMatching(/^ERR_SPICE_(TRUNCATED|BAD_POINTER)$/) }),
      );
    }
  });
});
