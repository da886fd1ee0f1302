// Immutable records the parser builds from guest structures. Every byte they hold was copied out of
// guest memory, so the guest cannot change a record after it was parsed. Numbers keep the guest's
// raw values (QXL flags, SPICE_* formats) unless a field's comment says otherwise.

export interface QxlRect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface QxlPoint {
  x: number;
  y: number;
}

export type QxlClip = { type: 'none' } | { type: 'rects'; rects: QxlRect[] };

export interface QxlPalette {
  unique: bigint;
  entries: Uint32Array;
}

export interface QxlBitmapImage {
  kind: 'bitmap';
  /** QXLImageDescriptor.id: `(unique << 32) | group`. */
  id: bigint;
  /** QXLImageDescriptor.flags (QxlImageFlag: Cache, HighBitsSet). */
  flags: number;
  width: number;
  height: number;
  /** SPICE_BITMAP_FMT_* (QxlBitmapFmt). */
  format: number;
  /** QXL_BITMAP_* (QxlBitmapFlag), TopDown included. */
  bitmapFlags: number;
  stride: number;
  palette: QxlPalette | null;
  /** height * stride bytes, a contiguous copy of the guest's chunks. */
  data: Uint8Array;
}

export interface QxlSurfaceImage {
  kind: 'surface';
  id: bigint;
  flags: number;
  width: number;
  height: number;
  surfaceId: number;
}

export interface QxlQuicImage {
  kind: 'quic';
  id: bigint;
  flags: number;
  width: number;
  height: number;
  /** The QUIC stream, a contiguous copy of the guest's chunks. */
  data: Uint8Array;
}

export type QxlImage = QxlBitmapImage | QxlSurfaceImage | QxlQuicImage;

export type QxlBrush =
  | { type: 'none' }
  | { type: 'solid'; color: number }
  | { type: 'pattern'; pattern: QxlImage; pos: QxlPoint };

export interface QxlQMask {
  /** SpiceMaskFlags; 0 when there is no bitmap. */
  flags: number;
  pos: QxlPoint;
  bitmap: QxlImage | null;
}

/** The draw types every consumer handles (what `getCommand`/`parseCommand` return). */
export type QxlDraw =
  | { type: 'fill'; brush: QxlBrush; ropDescriptor: number; mask: QxlQMask }
  | { type: 'copy'; src: QxlImage; srcArea: QxlRect; ropDescriptor: number; scaleMode: number; mask: QxlQMask };

/** QXLLineAttr of a stroke. */
export interface QxlLineAttr {
  /** SPICE_LINE_FLAGS_* (START_WITH_GAP 4, STYLED 8). */
  flags: number;
  joinStyle: number;
  endStyle: number;
  /** QXLFIXED (28.4) line width and miter limit, raw. */
  width: number;
  miterLimit: number;
  /** style_nseg QXLFIXED dash segments when STYLED, else null. */
  style: Uint32Array | null;
}

/**
 * The other draw types (QXL_DRAW_OPAQUE ... QXL_DRAW_COMPOSITE, NOP), returned only by the
 * `Any` entry points (`getAnyCommand`, `parseAnyCommand`, `parseAnyDrawable`).
 */
export type QxlExtendedDraw =
  | { type: 'nop' }
  | {
      type: 'opaque';
      src: QxlImage;
      srcArea: QxlRect;
      brush: QxlBrush;
      ropDescriptor: number;
      scaleMode: number;
      mask: QxlQMask;
    }
  | { type: 'blend'; src: QxlImage; srcArea: QxlRect; ropDescriptor: number; scaleMode: number; mask: QxlQMask }
  | { type: 'blackness' | 'whiteness' | 'invers'; mask: QxlQMask }
  | { type: 'rop3'; src: QxlImage; srcArea: QxlRect; brush: QxlBrush; rop3: number; scaleMode: number; mask: QxlQMask }
  | {
      type: 'stroke';
      /** QXLPath data (QXLPathSeg records), a contiguous copy of its chunks. */
      path: Uint8Array;
      attr: QxlLineAttr;
      brush: QxlBrush;
      foreMode: number;
      backMode: number;
    }
  | {
      type: 'text';
      /** QXLString: glyph count, SPICE_STRING_FLAGS_*, and the glyph data (contiguous copy). */
      string: { length: number; flags: number; data: Uint8Array };
      backArea: QxlRect;
      foreBrush: QxlBrush;
      backBrush: QxlBrush;
      foreMode: number;
      backMode: number;
    }
  | { type: 'transparent'; src: QxlImage; srcArea: QxlRect; srcColor: number; trueColor: number }
  | { type: 'alpha-blend'; alphaFlags: number; alpha: number; src: QxlImage; srcArea: QxlRect }
  | { type: 'copy-bits'; srcPos: QxlPoint }
  | {
      type: 'composite';
      /** SPICE_COMPOSITE_* operator and flags. */
      flags: number;
      src: QxlImage;
      /** SpiceTransform (6 x u32 16.16 fixed) or null. */
      srcTransform: Uint32Array | null;
      mask: QxlImage | null;
      maskTransform: Uint32Array | null;
      srcOrigin: QxlPoint;
      maskOrigin: QxlPoint;
    };

/** Every draw type of QXL. */
export type QxlAnyDraw = QxlDraw | QxlExtendedDraw;

/** A drawable whose `draw` is any of QXL's draw types. */
export type QxlAnyDrawable = Omit<QxlDrawable, 'draw'> & { draw: QxlAnyDraw };

export interface QxlDrawable {
  releaseId: bigint;
  surfaceId: number;
  /** QXL_EFFECT_* (QxlEffect). */
  effect: number;
  bbox: QxlRect;
  clip: QxlClip;
  mmTime: number;
  /** Always false for COPY (upstream resets it: some drivers set it by mistake). */
  selfBitmap: boolean;
  selfBitmapArea: QxlRect;
  /** Surfaces this drawable reads from, -1 for none. */
  surfacesDest: [number, number, number];
  surfacesRects: [QxlRect, QxlRect, QxlRect];
  draw: QxlDraw;
}

export interface QxlSurfaceCommand {
  releaseId: bigint;
  surfaceId: number;
  type: 'create' | 'destroy';
  /** QXL_SURF_FLAG_* (KeepData). */
  flags: number;
  /** SPICE_SURFACE_FMT_*; 0 for destroy. */
  format: number;
  width: number;
  height: number;
  /** Negative for a bottom-up surface. */
  stride: number;
  /**
   * QXLPHYSICAL of the surface memory (validated: height * |stride| bytes inside one memslot);
   * resolve it with `QxlDevice.translate`. 0n for destroy.
   */
  data: bigint;
}

export interface QxlCursorShape {
  unique: bigint;
  /** SPICE_CURSOR_TYPE_* (QxlCursorType). */
  type: number;
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  data: Uint8Array;
}

export type QxlCursorCommand = { releaseId: bigint } & (
  | { type: 'set'; pos: QxlPoint; visible: boolean; shape: QxlCursorShape }
  | { type: 'move'; pos: QxlPoint }
  | { type: 'hide' }
  | { type: 'trail'; length: number; frequency: number }
);

export interface QxlUpdateCommand {
  releaseId: bigint;
  area: QxlRect;
  updateId: number;
  surfaceId: number;
}

export type QxlCommandRecord =
  | { type: 'draw'; drawable: QxlDrawable }
  | { type: 'surface'; command: QxlSurfaceCommand }
  | { type: 'cursor'; command: QxlCursorCommand }
  | { type: 'update'; command: QxlUpdateCommand }
  | { type: 'message'; releaseId: bigint; text: Uint8Array };

/** A command record whose drawables may hold any draw type. */
export type QxlAnyCommandRecord =
  | Exclude<QxlCommandRecord, { type: 'draw' }>
  | { type: 'draw'; drawable: QxlAnyDrawable };

/** One QXLHead of a QXLMonitorsConfig. */
export interface QxlHead {
  id: number;
  surfaceId: number;
  width: number;
  height: number;
  x: number;
  y: number;
  flags: number;
}

/** QXLMonitorsConfig as sent with QXL_IO_MONITORS_CONFIG_ASYNC. */
export interface QxlMonitorsConfig {
  maxAllowed: number;
  heads: QxlHead[];
}
