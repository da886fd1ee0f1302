// Guest-visible ABI of the QXL device: constants and byte layouts of the packed, little-endian
// structures of spice-protocol `spice/qxl_dev.h` (numbers checked against gcc's sizeof/offsetof of
// that header, see test/qxl-dev.test.ts). Enumerations used by QXL structures that live in
// `spice/enums.h` (bitmap formats, surface formats, ROP descriptors...) are repeated here so that
// this package depends on nothing.

type ValueOf<T> = T[keyof T];

/** PCI identity of the device (qxl_dev.h). */
import {
  BitmapFmt,
  BrushType,
  ClipType,
  CursorType,
  ImageScaleMode,
  ImageType,
  MaskFlags,
  Ropd,
  SurfaceFmt,
} from '@spice-ts/protocol';

export const REDHAT_PCI_VENDOR_ID = 0x1b36;
export const QXL_DEVICE_ID_STABLE = 0x0100;
/** We model the qxl-4 revision (monitors config, client capabilities). */
export const QXL_REVISION_STABLE_V12 = 0x04;

/** "QXRO" read as a little-endian u32 (SPICE_MAGIC_CONST). */
export const QXL_ROM_MAGIC = 0x4f525851;
/** "QXRA" read as a little-endian u32. */
export const QXL_RAM_MAGIC = 0x41525851;

/** PCI BAR indices (QXL_*_RANGE_INDEX). Also used as region ids by guest-memory.ts. */
export const QxlRange = { Ram: 0, Vram: 1, Rom: 2, Io: 3 } as const;
export type QxlRange = ValueOf<typeof QxlRange>;

/** IO port offsets (QXL_IO_*), append-only in qxl_dev.h. */
export const QxlIo = {
  NotifyCmd: 0,
  NotifyCursor: 1,
  UpdateArea: 2,
  UpdateIrq: 3,
  NotifyOom: 4,
  Reset: 5,
  SetMode: 6,
  Log: 7,
  MemslotAdd: 8,
  MemslotDel: 9,
  DetachPrimary: 10,
  AttachPrimary: 11,
  CreatePrimary: 12,
  DestroyPrimary: 13,
  DestroySurfaceWait: 14,
  DestroyAllSurfaces: 15,
  UpdateAreaAsync: 16,
  MemslotAddAsync: 17,
  CreatePrimaryAsync: 18,
  DestroyPrimaryAsync: 19,
  DestroySurfaceAsync: 20,
  DestroyAllSurfacesAsync: 21,
  FlushSurfacesAsync: 22,
  FlushRelease: 23,
  MonitorsConfigAsync: 24,
} as const;
export type QxlIo = ValueOf<typeof QxlIo>;
/** Number of IO ports (QXL_IO_RANGE_SIZE). */
export const QXL_IO_RANGE_SIZE = 25;

/** Interrupt bits of QXLRam.int_pending / int_mask (QXL_INTERRUPT_*). */
export const QxlInterrupt = {
  Display: 1 << 0,
  Cursor: 1 << 1,
  IoCmd: 1 << 2,
  Error: 1 << 3,
  Client: 1 << 4,
  ClientMonitorsConfig: 1 << 5,
} as const;
export type QxlInterrupt = ValueOf<typeof QxlInterrupt>;
/** Every interrupt bit a qxl-4 guest driver unmasks (the Linux driver's QXL_INTERRUPT_MASK). */
export const QXL_INTERRUPT_MASK = 0x3f;

/** QXLCommand.type (QXLCmdType). */
export const QxlCmdType = { Nop: 0, Draw: 1, Update: 2, Cursor: 3, Message: 4, Surface: 5 } as const;
export type QxlCmdType = ValueOf<typeof QxlCmdType>;

/** QXLCommandExt.flags (QXL_COMMAND_FLAG_*): set by the device in compat (qxl-1) mode only. */
export const QxlCommandFlag = { Compat: 1, Compat16bpp: 2 } as const;
export type QxlCommandFlag = ValueOf<typeof QxlCommandFlag>;

/** QXLDrawable.type (QXL_DRAW_*). */
export const QxlDrawType = {
  Nop: 0,
  Fill: 1,
  Opaque: 2,
  Copy: 3,
  CopyBits: 4,
  Blend: 5,
  Blackness: 6,
  Whiteness: 7,
  Invers: 8,
  Rop3: 9,
  Stroke: 10,
  Text: 11,
  Transparent: 12,
  AlphaBlend: 13,
  Composite: 14,
} as const;
export type QxlDrawType = ValueOf<typeof QxlDrawType>;

/** QXLDrawable.effect (QXLEffectType). */
export const QxlEffect = {
  Blend: 0,
  Opaque: 1,
  RevertOnDup: 2,
  BlacknessOnDup: 3,
  WhitenessOnDup: 4,
  NopOnDup: 5,
  Nop: 6,
  OpaqueBrush: 7,
} as const;
export type QxlEffect = ValueOf<typeof QxlEffect>;

/** QXLImageDescriptor.type: the SPICE image types; QXL guests use BITMAP, QUIC, SURFACE. */
export const QxlImageType = ImageType;
export type QxlImageType = ValueOf<typeof ImageType>;

/** QXLImageDescriptor.flags (QXLImageFlags). */
export const QxlImageFlag = { Cache: 1 << 0, HighBitsSet: 1 << 1 } as const;
export type QxlImageFlag = ValueOf<typeof QxlImageFlag>;

/** Image id groups (QXL_IMAGE_GROUP_*); an id is `(unique << 32) | group`. */
export const QxlImageGroup = { Driver: 0, Device: 1, Red: 2, DriverDontCache: 3 } as const;
export type QxlImageGroup = ValueOf<typeof QxlImageGroup>;

/** QXLBitmap.flags (QXLBitmapFlags). DIRECT: `data` is a flat buffer, not a QXLDataChunk. */
export const QxlBitmapFlag = { Direct: 1 << 0, Unstable: 1 << 1, TopDown: 1 << 2 } as const;
export type QxlBitmapFlag = ValueOf<typeof QxlBitmapFlag>;

/** QXLBitmap.format: the SPICE bitmap formats. */
export const QxlBitmapFmt = BitmapFmt;
export type QxlBitmapFmt = ValueOf<typeof BitmapFmt>;

/** Bits per pixel of each bitmap format, indexed by format (red-parse-qxl.cpp's table). */
export const QXL_BITMAP_FMT_BPP: readonly number[] = [0, 1, 1, 4, 4, 8, 16, 24, 32, 32, 8];

/** Whether a bitmap format carries colours itself (else it needs a palette, unless it is a mask). */
export function isRgbBitmapFormat(format: number): boolean {
  return format >= QxlBitmapFmt.Bit16 && format <= QxlBitmapFmt.Bit8A;
}

/** Surface formats: the SPICE surface formats. */
export const QxlSurfaceFmt = SurfaceFmt;
export type QxlSurfaceFmt = ValueOf<typeof SurfaceFmt>;

/** Bits per pixel of a surface format, 0 for an unknown one (red-parse-qxl.cpp surface_format_to_bpp). */
export function surfaceFormatBpp(format: number): number {
  switch (format) {
    case QxlSurfaceFmt.A1:
      return 1;
    case QxlSurfaceFmt.A8:
      return 8;
    case QxlSurfaceFmt.X1r5g5b5:
    case QxlSurfaceFmt.R5g6b5:
      return 16;
    case QxlSurfaceFmt.X8r8g8b8:
    case QxlSurfaceFmt.A8r8g8b8:
      return 32;
    default:
      return 0;
  }
}

/** QXLSurfaceCreate.type / flags. */
export const QXL_SURF_TYPE_PRIMARY = 0;
export const QXL_SURF_FLAG_KEEP_DATA = 1 << 0;

/** QXLSurfaceCmd.type (QXLSurfaceCmdType). */
export const QxlSurfaceCmdType = { Create: 0, Destroy: 1 } as const;
export type QxlSurfaceCmdType = ValueOf<typeof QxlSurfaceCmdType>;

/** QXLCursorCmd.type (QXL_CURSOR_*). */
export const QxlCursorCmdType = { Set: 0, Move: 1, Hide: 2, Trail: 3 } as const;
export type QxlCursorCmdType = ValueOf<typeof QxlCursorCmdType>;

/** QXLCursorHeader.type: the SPICE cursor types. */
export const QxlCursorType = CursorType;
export type QxlCursorType = ValueOf<typeof CursorType>;

/** QXLBrush.type: the SPICE brush types. */
export const QxlBrushType = BrushType;
export type QxlBrushType = ValueOf<typeof BrushType>;

/** QXLClip.type: the SPICE clip types. */
export const QxlClipType = ClipType;
export type QxlClipType = ValueOf<typeof ClipType>;

/** QXLQMask.flags: the SPICE mask flags. */
export const QxlMaskFlag = MaskFlags;
export type QxlMaskFlag = ValueOf<typeof MaskFlags>;

/** Scale modes: the SPICE image scale modes. */
export const QxlScaleMode = ImageScaleMode;
export type QxlScaleMode = ValueOf<typeof ImageScaleMode>;

/** ROP descriptor bits (SpiceRopd). A plain copy/fill uses OpPut. */
export const QxlRopd = Ropd;
export type QxlRopd = ValueOf<typeof Ropd>;

/** Ring sizes (QXL_COMMAND_RING_SIZE, QXL_CURSOR_RING_SIZE, QXL_RELEASE_RING_SIZE). */
export const QXL_COMMAND_RING_SIZE = 32;
export const QXL_CURSOR_RING_SIZE = 32;
export const QXL_RELEASE_RING_SIZE = 8;
/** QXLRam.log_buf size (QXL_LOG_BUF_SIZE). */
export const QXL_LOG_BUF_SIZE = 4096;
/** QXLCursorCmd.device_data size (QXL_CURSUR_DEVICE_DATA_SIZE, sic). */
export const QXL_CURSOR_DEVICE_DATA_SIZE = 128;
/** Page size the ROM's num_pages counts in (QEMU's QXL_PAGE_SIZE). */
export const QXL_PAGE_SIZE = 4096;
/** Heads in QXLRom.client_monitors_config. */
export const QXL_ROM_CLIENT_MONITORS = 64;

// ---------------------------------------------------------------------------------------------
// Byte layouts. Every object holds the offsets of a structure's fields and its SIZE.

export const QXL_POINT = { x: 0, y: 4, SIZE: 8 } as const;
export const QXL_POINT16 = { x: 0, y: 2, SIZE: 4 } as const;
export const QXL_RECT = { top: 0, left: 4, bottom: 8, right: 12, SIZE: 16 } as const;

export const QXL_ROM = {
  magic: 0,
  id: 4,
  updateId: 8,
  compressionLevel: 12,
  logLevel: 16,
  mode: 20,
  modesOffset: 24,
  numPages: 28,
  pagesOffset: 32,
  drawAreaOffset: 36,
  surface0AreaSize: 40,
  ramHeaderOffset: 44,
  mmClock: 48,
  nSurfaces: 52,
  flags: 56,
  slotsStart: 64,
  slotsEnd: 65,
  slotGenBits: 66,
  slotIdBits: 67,
  slotGeneration: 68,
  clientPresent: 69,
  clientCapabilities: 70,
  clientMonitorsConfigCrc: 128,
  clientMonitorsConfig: 132,
  SIZE: 1160,
} as const;
/** QXLRom.client_capabilities length. */
export const QXL_ROM_CLIENT_CAPS_SIZE = 58;

export const QXL_MODE = {
  id: 0,
  xRes: 4,
  yRes: 8,
  bits: 12,
  stride: 16,
  xMili: 20,
  yMili: 24,
  orientation: 28,
  SIZE: 32,
} as const;
/** QXLModes: u32 n_modes followed by QXLMode[n_modes]. */
export const QXL_MODES = { nModes: 0, modes: 4, SIZE: 4 } as const;

export const QXL_COMMAND = { data: 0, type: 8, padding: 12, SIZE: 16 } as const;
export const QXL_MEM_SLOT = { memStart: 0, memEnd: 8, SIZE: 16 } as const;

export const QXL_SURFACE_CREATE = {
  width: 0,
  height: 4,
  stride: 8,
  format: 12,
  position: 16,
  mouseMode: 20,
  flags: 24,
  type: 28,
  mem: 32,
  SIZE: 40,
} as const;

/** SPICE_RING_DECLARE header; items follow at `items`, each padded to a power of two. */
export const QXL_RING_HEADER = {
  numItems: 0,
  prod: 4,
  notifyOnProd: 8,
  cons: 12,
  notifyOnCons: 16,
  items: 20,
  SIZE: 20,
} as const;
/** Ring element sizes (sizeof(el) rounded up to a power of two). */
export const QXL_COMMAND_RING_ITEM_SIZE = 16;
export const QXL_RELEASE_RING_ITEM_SIZE = 8;
/** Whole ring sizes: header + items. */
export const QXL_COMMAND_RING_BYTES = 20 + QXL_COMMAND_RING_SIZE * QXL_COMMAND_RING_ITEM_SIZE; // 532
export const QXL_CURSOR_RING_BYTES = 20 + QXL_CURSOR_RING_SIZE * QXL_COMMAND_RING_ITEM_SIZE; // 532
export const QXL_RELEASE_RING_BYTES = 20 + QXL_RELEASE_RING_SIZE * QXL_RELEASE_RING_ITEM_SIZE; // 84

export const QXL_RAM = {
  magic: 0,
  intPending: 4,
  intMask: 8,
  logBuf: 12,
  cmdRing: 4108,
  cursorRing: 4640,
  releaseRing: 5172,
  updateArea: 5256,
  updateSurface: 5272,
  memSlot: 5276,
  createSurface: 5292,
  flags: 5332,
  monitorsConfig: 5340,
  SIZE: 5348,
} as const;
/** The RAM header occupies sizeof(QXLRam) rounded up to a page at the end of the RAM BAR (QEMU). */
export const QXL_RAM_HEADER_BYTES = 8192;

export const QXL_RELEASE_INFO = { id: 0, next: 0, SIZE: 8 } as const;

export const QXL_DATA_CHUNK = { dataSize: 0, prevChunk: 4, nextChunk: 12, data: 20, SIZE: 20 } as const;

export const QXL_MESSAGE = { releaseInfo: 0, data: 8, SIZE: 8 } as const;

export const QXL_UPDATE_CMD = { releaseInfo: 0, area: 8, updateId: 24, surfaceId: 28, SIZE: 32 } as const;

export const QXL_CURSOR_HEADER = {
  unique: 0,
  type: 8,
  width: 10,
  height: 12,
  hotSpotX: 14,
  hotSpotY: 16,
  SIZE: 18,
} as const;
export const QXL_CURSOR = { header: 0, dataSize: 18, chunk: 22, SIZE: 42 } as const;

export const QXL_CURSOR_CMD = {
  releaseInfo: 0,
  type: 8,
  /** u.set.position / u.position (QXLPoint16) */
  position: 9,
  setVisible: 13,
  setShape: 14,
  trailLength: 9,
  trailFrequency: 11,
  deviceData: 22,
  SIZE: 150,
} as const;

export const QXL_BRUSH = { type: 0, color: 4, patternPat: 4, patternPos: 12, SIZE: 20 } as const;
export const QXL_PATTERN = { pat: 0, pos: 8, SIZE: 16 } as const;
export const QXL_QMASK = { flags: 0, pos: 1, bitmap: 9, SIZE: 17 } as const;

export const QXL_FILL = { brush: 0, ropDescriptor: 20, mask: 22, SIZE: 39 } as const;
export const QXL_OPAQUE = {
  srcBitmap: 0,
  srcArea: 8,
  brush: 24,
  ropDescriptor: 44,
  scaleMode: 46,
  mask: 47,
  SIZE: 64,
} as const;
/** QXLCopy, also QXLBlend. */
export const QXL_COPY = { srcBitmap: 0, srcArea: 8, ropDescriptor: 24, scaleMode: 26, mask: 27, SIZE: 44 } as const;
export const QXL_TRANSPARENT = { srcBitmap: 0, srcArea: 8, srcColor: 24, trueColor: 28, SIZE: 32 } as const;
export const QXL_ALPHA_BLEND = { alphaFlags: 0, alpha: 2, srcBitmap: 3, srcArea: 11, SIZE: 27 } as const;
export const QXL_COPY_BITS = { srcPos: 0, SIZE: 8 } as const;
export const QXL_ROP3 = { srcBitmap: 0, srcArea: 8, brush: 24, rop3: 44, scaleMode: 45, mask: 46, SIZE: 63 } as const;
export const QXL_LINE_ATTR = {
  flags: 0,
  joinStyle: 1,
  endStyle: 2,
  styleNseg: 3,
  width: 4,
  miterLimit: 8,
  style: 12,
  SIZE: 20,
} as const;
export const QXL_STROKE = { path: 0, attr: 8, brush: 28, foreMode: 48, backMode: 50, SIZE: 52 } as const;
export const QXL_TEXT = {
  str: 0,
  backArea: 8,
  foreBrush: 24,
  backBrush: 44,
  foreMode: 64,
  backMode: 66,
  SIZE: 68,
} as const;
/** QXLBlackness, also QXLInvers and QXLWhiteness. */
export const QXL_BLACKNESS = { mask: 0, SIZE: 17 } as const;
export const QXL_COMPOSITE = {
  flags: 0,
  src: 4,
  srcTransform: 12,
  mask: 20,
  maskTransform: 28,
  srcOrigin: 36,
  maskOrigin: 40,
  SIZE: 44,
} as const;

export const QXL_CLIP = { type: 0, data: 4, SIZE: 12 } as const;
export const QXL_CLIP_RECTS = { numRects: 0, chunk: 4, SIZE: 24 } as const;

/** QXLDrawable, native (qxl-2+) form. `u` is the union of the per-type structures above. */
export const QXL_DRAWABLE = {
  releaseInfo: 0,
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
  SIZE: 191,
} as const;
/** QXLCompatDrawable (qxl-1 form), size only: this device model speaks the native form. */
export const QXL_COMPAT_DRAWABLE_SIZE = 128;

export const QXL_SURFACE = { format: 0, width: 4, height: 8, stride: 12, data: 16, SIZE: 24 } as const;
export const QXL_SURFACE_CMD = {
  releaseInfo: 0,
  surfaceId: 8,
  type: 12,
  flags: 13,
  /** u.surface_create (QXLSurface) */
  surfaceCreate: 17,
  SIZE: 41,
} as const;

export const QXL_IMAGE_DESCRIPTOR = { id: 0, type: 8, flags: 9, width: 10, height: 14, SIZE: 18 } as const;
export const QXL_BITMAP = { format: 0, flags: 1, x: 2, y: 6, stride: 10, palette: 14, data: 22, SIZE: 30 } as const;
export const QXL_PALETTE = { unique: 0, numEnts: 8, ents: 10, SIZE: 10 } as const;
/** QXLQUICData (also LZ_RGB/JPEG data): data_size then an embedded QXLDataChunk. */
export const QXL_QUIC_DATA = { dataSize: 0, chunk: 4, SIZE: 4 } as const;
/** QXLImage = descriptor + union { QXLBitmap, QXLQUICData, QXLSurfaceId }. */
export const QXL_IMAGE = { descriptor: 0, bitmap: 18, quic: 18, surfaceId: 18, SIZE: 48 } as const;

export const QXL_HEAD = { id: 0, surfaceId: 4, width: 8, height: 12, x: 16, y: 20, flags: 24, SIZE: 28 } as const;
export const QXL_MONITORS_CONFIG = { count: 0, maxAllowed: 2, heads: 4, SIZE: 4 } as const;
