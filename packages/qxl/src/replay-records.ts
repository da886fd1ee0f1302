// What a SPICE_REPLAY 1 recording holds, event by event, as the reader yields it. Numbers are the
// values the recording printed (QXL_* / SPICE_* constants, unmapped surface ids); data fields keep
// the chunk boundaries of the recorded QXLDataChunk lists.

import type { QxlPoint, QxlRect } from './records.js';

export interface ReplayPalette {
  unique: bigint;
  entries: Uint32Array;
}

interface ReplayImageBase {
  /** QXLImageDescriptor.id. */
  id: bigint;
  /** QXLImageDescriptor.flags. */
  flags: number;
  width: number;
  height: number;
}

export interface ReplayBitmapImage extends ReplayImageBase {
  kind: 'bitmap';
  /** SPICE_BITMAP_FMT_*. */
  format: number;
  /** QXL_BITMAP_* flags; with DIRECT the data was recorded flat (one element in `chunks`). */
  bitmapFlags: number;
  x: number;
  y: number;
  stride: number;
  palette: ReplayPalette | null;
  /** The pixel data: one element per recorded chunk (`bitmap.data`) or the flat block (`image_data_flat`). */
  chunks: Uint8Array[];
}

export interface ReplaySurfaceImage extends ReplayImageBase {
  kind: 'surface';
  /** Recorded surface id (not remapped). */
  surfaceId: number;
}

export interface ReplayQuicImage extends ReplayImageBase {
  kind: 'quic';
  dataSize: number;
  chunks: Uint8Array[];
}

export type ReplayImage = ReplayBitmapImage | ReplaySurfaceImage | ReplayQuicImage;

export type ReplayBrush =
  | { type: 'none' }
  | { type: 'solid'; color: number }
  | { type: 'pattern'; pattern: ReplayImage | null; pos: QxlPoint };

export interface ReplayQMask {
  flags: number;
  pos: QxlPoint;
  bitmap: ReplayImage | null;
}

export type ReplayClip = { type: 'none' } | { type: 'rects'; rects: QxlRect[] };

export type ReplayDraw =
  | { type: 'nop' }
  | { type: 'fill'; brush: ReplayBrush; ropDescriptor: number; mask: ReplayQMask }
  | {
      type: 'opaque';
      src: ReplayImage | null;
      srcArea: QxlRect;
      brush: ReplayBrush;
      ropDescriptor: number;
      scaleMode: number;
      mask: ReplayQMask;
    }
  | {
      type: 'copy' | 'blend';
      src: ReplayImage | null;
      srcArea: QxlRect;
      ropDescriptor: number;
      scaleMode: number;
      mask: ReplayQMask;
    }
  | { type: 'transparent'; src: ReplayImage | null; srcArea: QxlRect; srcColor: number; trueColor: number }
  /** `alphaFlags` is 0 for compat drawables (the field does not exist there). */
  | { type: 'alpha-blend'; alphaFlags: number; alpha: number; src: ReplayImage | null; srcArea: QxlRect }
  | {
      type: 'rop3';
      src: ReplayImage | null;
      srcArea: QxlRect;
      brush: ReplayBrush;
      rop3: number;
      scaleMode: number;
      mask: ReplayQMask;
    }
  | {
      type: 'stroke';
      /** QXLPath bytes (segments), one element per chunk. */
      path: Uint8Array[];
      attrFlags: number;
      /** Number of QXLFIXED segments in `style` (0 when not styled). */
      styleNseg: number;
      /** style_nseg QXLFIXED (4 bytes each), or null when SPICE_LINE_FLAGS_STYLED is not set. */
      style: Uint8Array | null;
      brush: ReplayBrush;
      foreMode: number;
      backMode: number;
    }
  | {
      type: 'text';
      dataSize: number;
      /** Number of glyphs. */
      length: number;
      flags: number;
      /** QXLString glyph data, one element per chunk. */
      string: Uint8Array[];
      backArea: QxlRect;
      foreBrush: ReplayBrush;
      backBrush: ReplayBrush;
      foreMode: number;
      backMode: number;
    }
  | { type: 'blackness' | 'whiteness' | 'invers'; mask: ReplayQMask }
  | { type: 'copy-bits'; srcPos: QxlPoint }
  | {
      type: 'composite';
      flags: number;
      src: ReplayImage | null;
      /** SpiceTransform, 24 bytes, or null. */
      srcTransform: Uint8Array | null;
      mask: ReplayImage | null;
      maskTransform: Uint8Array | null;
      srcOrigin: QxlPoint;
      maskOrigin: QxlPoint;
    };

export interface ReplayNativeDrawable {
  compat: false;
  bbox: QxlRect;
  clip: ReplayClip;
  effect: number;
  mmTime: number;
  selfBitmap: number;
  selfBitmapArea: QxlRect;
  surfaceId: number;
  surfacesDest: [number, number, number];
  surfacesRects: [QxlRect, QxlRect, QxlRect];
  /** QXL_DRAW_* number. */
  drawType: number;
  draw: ReplayDraw;
}

export interface ReplayCompatDrawable {
  compat: true;
  bbox: QxlRect;
  clip: ReplayClip;
  effect: number;
  mmTime: number;
  bitmapOffset: number;
  bitmapArea: QxlRect;
  drawType: number;
  draw: ReplayDraw;
}

export type ReplayDrawable = ReplayNativeDrawable | ReplayCompatDrawable;

export interface ReplaySurfaceCommand {
  surfaceId: number;
  type: 'create' | 'destroy';
  flags: number;
  format: number;
  width: number;
  height: number;
  stride: number;
  /** Recorded surface contents (only with QXL_SURF_FLAG_KEEP_DATA), else null. */
  data: Uint8Array | null;
}

export interface ReplayCursorShape {
  unique: bigint;
  type: number;
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  dataSize: number;
  chunks: Uint8Array[];
}

export type ReplayCursorCommand =
  | { type: 'set'; pos: QxlPoint; visible: number; shape: ReplayCursorShape }
  | { type: 'move'; pos: QxlPoint }
  | { type: 'hide' }
  | { type: 'trail'; length: number; frequency: number };

export type ReplayCommand =
  | { type: 'draw'; drawable: ReplayDrawable }
  | { type: 'update'; area: QxlRect; updateId: number; surfaceId: number }
  | { type: 'cursor'; command: ReplayCursorCommand }
  | { type: 'message'; text: Uint8Array }
  | { type: 'surface'; command: ReplaySurfaceCommand };

/** QXLDevSurfaceCreate of a recorded CREATE_PRIMARY(_ASYNC) dispatcher message. */
export interface ReplayPrimarySurface {
  width: number;
  height: number;
  stride: number;
  format: number;
  position: number;
  mouseMode: number;
  flags: number;
  type: number;
  /** |stride| * height bytes of initial contents, or empty. */
  data: Uint8Array;
}

interface ReplayEventBase {
  counter: number;
  /** CLOCK_MONOTONIC of the recording machine, in ns. */
  timestampNs: bigint;
  /** 1-based line of the event line in the decompressed recording. */
  line: number;
}

export interface ReplayCommandEvent extends ReplayEventBase {
  what: 'command';
  /** QXL_CMD_* (1 draw, 2 update, 3 cursor, 4 message, 5 surface). */
  type: number;
  command: ReplayCommand;
}

export interface ReplayDispatcherEvent extends ReplayEventBase {
  what: 'dispatcher';
  /** RED_WORKER_MESSAGE_* number. */
  type: number;
  /** For CREATE_PRIMARY_SURFACE (20) and its ASYNC variant (29), else null. */
  primary: ReplayPrimarySurface | null;
}

export type ReplayEvent = ReplayCommandEvent | ReplayDispatcherEvent;

/**
 * RED_WORKER_MESSAGE_* numbers (spice-server red-worker.h, notes §5.4): what a recording's
 * dispatcher events (what=1) hold. The replay acts on CREATE_PRIMARY_SURFACE(_ASYNC),
 * DESTROY_PRIMARY_SURFACE and DESTROY_SURFACES, as upstream's does.
 */
export const ReplayWorkerMessage = {
  Update: 1,
  Wakeup: 2,
  Oom: 3,
  Start: 8,
  Stop: 9,
  AddMemslot: 16,
  DelMemslot: 17,
  ResetMemslots: 18,
  DestroySurfaces: 19,
  CreatePrimarySurface: 20,
  DestroyPrimarySurface: 21,
  ResetCursor: 22,
  ResetImageCache: 23,
  DestroySurfaceWait: 24,
  UpdateAsync: 26,
  AddMemslotAsync: 27,
  DestroySurfacesAsync: 28,
  CreatePrimarySurfaceAsync: 29,
  DestroyPrimarySurfaceAsync: 30,
  DestroySurfaceWaitAsync: 31,
  FlushSurfacesAsync: 32,
  MonitorsConfigAsync: 35,
} as const;
export type ReplayWorkerMessage = (typeof ReplayWorkerMessage)[keyof typeof ReplayWorkerMessage];
