import { describe, expect, it } from 'vitest';
import {
  QXL_ALPHA_BLEND,
  QXL_BITMAP,
  QXL_BRUSH,
  QXL_CLIP,
  QXL_CLIP_RECTS,
  QXL_COMMAND,
  QXL_COMMAND_RING_BYTES,
  QXL_COMPAT_DRAWABLE_SIZE,
  QXL_COMPOSITE,
  QXL_COPY,
  QXL_CURSOR,
  QXL_CURSOR_CMD,
  QXL_CURSOR_HEADER,
  QXL_CURSOR_RING_BYTES,
  QXL_DATA_CHUNK,
  QXL_DRAWABLE,
  QXL_FILL,
  QXL_HEAD,
  QXL_IMAGE,
  QXL_IMAGE_DESCRIPTOR,
  QXL_IO_RANGE_SIZE,
  QXL_LINE_ATTR,
  QXL_MEM_SLOT,
  QXL_MESSAGE,
  QXL_MODE,
  QXL_MONITORS_CONFIG,
  QXL_OPAQUE,
  QXL_PALETTE,
  QXL_QMASK,
  QXL_RAM,
  QXL_RAM_HEADER_BYTES,
  QXL_RAM_MAGIC,
  QXL_RELEASE_INFO,
  QXL_RELEASE_RING_BYTES,
  QXL_ROM,
  QXL_ROM_MAGIC,
  QXL_ROP3,
  QXL_STROKE,
  QXL_SURFACE,
  QXL_SURFACE_CMD,
  QXL_SURFACE_CREATE,
  QXL_TEXT,
  QXL_TRANSPARENT,
  QXL_UPDATE_CMD,
  QxlInterrupt,
  QxlIo,
} from '../src/qxl-dev.js';

// The expected numbers were printed by gcc from spice-protocol's spice/qxl_dev.h
// (sizeof/offsetof on x86-64); they are the guest ABI.
describe('qxl_dev.h layouts', () => {
  it('has the sizes of the packed structures', () => {
    expect(QXL_ROM.SIZE).toBe(1160);
    expect(QXL_MODE.SIZE).toBe(32);
    expect(QXL_COMMAND.SIZE).toBe(16);
    expect(QXL_MEM_SLOT.SIZE).toBe(16);
    expect(QXL_SURFACE_CREATE.SIZE).toBe(40);
    expect(QXL_RAM.SIZE).toBe(5348);
    expect(QXL_COMMAND_RING_BYTES).toBe(532);
    expect(QXL_CURSOR_RING_BYTES).toBe(532);
    expect(QXL_RELEASE_RING_BYTES).toBe(84);
    expect(QXL_RELEASE_INFO.SIZE).toBe(8);
    expect(QXL_DATA_CHUNK.SIZE).toBe(20);
    expect(QXL_MESSAGE.SIZE).toBe(8);
    expect(QXL_UPDATE_CMD.SIZE).toBe(32);
    expect(QXL_CURSOR_HEADER.SIZE).toBe(18);
    expect(QXL_CURSOR.SIZE).toBe(42);
    expect(QXL_CURSOR_CMD.SIZE).toBe(150);
    expect(QXL_BRUSH.SIZE).toBe(20);
    expect(QXL_QMASK.SIZE).toBe(17);
    expect(QXL_FILL.SIZE).toBe(39);
    expect(QXL_OPAQUE.SIZE).toBe(64);
    expect(QXL_COPY.SIZE).toBe(44);
    expect(QXL_TRANSPARENT.SIZE).toBe(32);
    expect(QXL_ALPHA_BLEND.SIZE).toBe(27);
    expect(QXL_ROP3.SIZE).toBe(63);
    expect(QXL_LINE_ATTR.SIZE).toBe(20);
    expect(QXL_STROKE.SIZE).toBe(52);
    expect(QXL_TEXT.SIZE).toBe(68);
    expect(QXL_COMPOSITE.SIZE).toBe(44);
    expect(QXL_CLIP.SIZE).toBe(12);
    expect(QXL_DRAWABLE.SIZE).toBe(191);
    expect(QXL_COMPAT_DRAWABLE_SIZE).toBe(128);
    expect(QXL_SURFACE.SIZE).toBe(24);
    expect(QXL_SURFACE_CMD.SIZE).toBe(41);
    expect(QXL_CLIP_RECTS.SIZE).toBe(24);
    expect(QXL_IMAGE_DESCRIPTOR.SIZE).toBe(18);
    expect(QXL_PALETTE.SIZE).toBe(10);
    expect(QXL_BITMAP.SIZE).toBe(30);
    expect(QXL_IMAGE.SIZE).toBe(48);
    expect(QXL_HEAD.SIZE).toBe(28);
    expect(QXL_MONITORS_CONFIG.SIZE).toBe(4);
  });

  it('places the QXLRam fields where qxl_dev.h puts them', () => {
    expect(QXL_RAM.logBuf).toBe(12);
    expect(QXL_RAM.cmdRing).toBe(4108);
    expect(QXL_RAM.cursorRing).toBe(4640);
    expect(QXL_RAM.releaseRing).toBe(5172);
    expect(QXL_RAM.updateArea).toBe(5256);
    expect(QXL_RAM.updateSurface).toBe(5272);
    expect(QXL_RAM.memSlot).toBe(5276);
    expect(QXL_RAM.createSurface).toBe(5292);
    expect(QXL_RAM.flags).toBe(5332);
    expect(QXL_RAM.monitorsConfig).toBe(5340);
    // Consecutive: each ring ends where the next field starts.
    expect(QXL_RAM.cmdRing + QXL_COMMAND_RING_BYTES).toBe(QXL_RAM.cursorRing);
    expect(QXL_RAM.cursorRing + QXL_CURSOR_RING_BYTES).toBe(QXL_RAM.releaseRing);
    expect(QXL_RAM.releaseRing + QXL_RELEASE_RING_BYTES).toBe(QXL_RAM.updateArea);
    expect(QXL_RAM_HEADER_BYTES).toBe(Math.ceil(QXL_RAM.SIZE / 4096) * 4096);
    // Ring counters and int_pending are used with Atomics: they must be 4-aligned.
    for (const off of [QXL_RAM.intPending, QXL_RAM.intMask, QXL_RAM.cmdRing, QXL_RAM.cursorRing, QXL_RAM.releaseRing]) {
      expect(off % 4).toBe(0);
    }
  });

  it('places the QXLRom fields where qxl_dev.h puts them', () => {
    expect(QXL_ROM.ramHeaderOffset).toBe(44);
    expect(QXL_ROM.mmClock).toBe(48);
    expect(QXL_ROM.nSurfaces).toBe(52);
    expect(QXL_ROM.flags).toBe(56);
    expect(QXL_ROM.slotsStart).toBe(64);
    expect(QXL_ROM.slotGeneration).toBe(68);
    expect(QXL_ROM.clientPresent).toBe(69);
    expect(QXL_ROM.clientCapabilities).toBe(70);
    expect(QXL_ROM.clientMonitorsConfigCrc).toBe(128);
    expect(QXL_ROM.clientMonitorsConfig).toBe(132);
  });

  it('places the QXLDrawable and drawing fields where qxl_dev.h puts them', () => {
    expect(QXL_DRAWABLE).toMatchObject({
      surfaceId: 8,
      effect: 12,
      type: 13,
      selfBitmap: 14,
      selfBitmapArea: 15,
      bbox: 31,
      clip: 47,
      mmTime: 59,
      surfacesDest: 63,
      surfacesRects: 75,
      u: 123,
    });
    expect(QXL_DRAWABLE.u + QXL_TEXT.SIZE).toBe(QXL_DRAWABLE.SIZE); // QXLText is the largest member
    expect(QXL_COPY).toMatchObject({ srcArea: 8, ropDescriptor: 24, scaleMode: 26, mask: 27 });
    expect(QXL_FILL).toMatchObject({ ropDescriptor: 20, mask: 22 });
    expect(QXL_OPAQUE).toMatchObject({ srcArea: 8, brush: 24, ropDescriptor: 44, scaleMode: 46, mask: 47 });
    expect(QXL_QMASK).toMatchObject({ pos: 1, bitmap: 9 });
    expect(QXL_BRUSH).toMatchObject({ color: 4, patternPos: 12 });
    expect(QXL_ALPHA_BLEND).toMatchObject({ alpha: 2, srcBitmap: 3, srcArea: 11 });
    expect(QXL_ROP3).toMatchObject({ brush: 24, rop3: 44, scaleMode: 45, mask: 46 });
    expect(QXL_STROKE).toMatchObject({ attr: 8, brush: 28, foreMode: 48, backMode: 50 });
    expect(QXL_TEXT).toMatchObject({ backArea: 8, foreBrush: 24, backBrush: 44, foreMode: 64, backMode: 66 });
    expect(QXL_COMPOSITE).toMatchObject({
      src: 4,
      srcTransform: 12,
      mask: 20,
      maskTransform: 28,
      srcOrigin: 36,
      maskOrigin: 40,
    });
  });

  it('places the image, surface, cursor and chunk fields where qxl_dev.h puts them', () => {
    expect(QXL_IMAGE).toMatchObject({ bitmap: 18, quic: 18, surfaceId: 18 });
    expect(QXL_IMAGE_DESCRIPTOR).toMatchObject({ type: 8, flags: 9, width: 10, height: 14 });
    expect(QXL_BITMAP).toMatchObject({ x: 2, y: 6, stride: 10, palette: 14, data: 22 });
    expect(QXL_PALETTE.ents).toBe(10);
    expect(QXL_SURFACE_CMD).toMatchObject({ type: 12, flags: 13, surfaceCreate: 17 });
    expect(QXL_SURFACE.data).toBe(16);
    expect(QXL_SURFACE_CREATE.mem).toBe(32);
    expect(QXL_CURSOR_CMD).toMatchObject({
      position: 9,
      setVisible: 13,
      setShape: 14,
      trailLength: 9,
      trailFrequency: 11,
      deviceData: 22,
    });
    expect(QXL_CURSOR).toMatchObject({ dataSize: 18, chunk: 22 });
    expect(QXL_CURSOR_HEADER).toMatchObject({ hotSpotX: 14, hotSpotY: 16 });
    expect(QXL_DATA_CHUNK.data).toBe(20);
    expect(QXL_UPDATE_CMD).toMatchObject({ updateId: 24, surfaceId: 28 });
    expect(QXL_HEAD.flags).toBe(24);
  });

  it('has the magic numbers, ports and interrupt bits of qxl_dev.h', () => {
    const le = (s: string) => new DataView(new TextEncoder().encode(s).buffer).getUint32(0, true);
    expect(QXL_ROM_MAGIC).toBe(le('QXRO'));
    expect(QXL_RAM_MAGIC).toBe(le('QXRA'));
    expect(QxlIo.MemslotAdd).toBe(8);
    expect(QxlIo.CreatePrimary).toBe(12);
    expect(QxlIo.UpdateAreaAsync).toBe(16);
    expect(QxlIo.FlushRelease).toBe(23);
    expect(QxlIo.MonitorsConfigAsync).toBe(24);
    expect(QXL_IO_RANGE_SIZE).toBe(25);
    expect(QxlInterrupt).toEqual({ Display: 1, Cursor: 2, IoCmd: 4, Error: 8, Client: 16, ClientMonitorsConfig: 32 });
  });
});
