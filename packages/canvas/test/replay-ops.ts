// Feeds the canvas from a SPICE_REPLAY recording (../shared/recordings): the QXL drawables are read
// with @spice-ts/qxl's replay reader and turned into the draw records renderDrawMessage takes, so
// the canvas can be timed and checked on its own. Used by test/replay.test.ts and
// bench/replay.bench.ts; @spice-ts/qxl is a devDependency for these two only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BitmapFlags,
  BrushType,
  type Clip,
  ClipType,
  DisplayMsg,
  type display,
  ImageFlags,
  ImageType,
  type SpiceImage,
  SurfaceFmt,
} from '@spice-ts/protocol';
import {
  openReplayFile,
  QxlBitmapFlag,
  QxlImageFlag,
  type ReplayBrush,
  type ReplayClip,
  type ReplayDrawable,
  type ReplayImage,
  type ReplayQMask,
  ReplayWorkerMessage,
} from '@spice-ts/qxl';
import { readPng } from '@spice-ts/test-support';
import {
  type CanvasSurface,
  createCanvasSurface,
  createImageResolver,
  type DrawMessages,
  type DrawMessageType,
  renderDrawMessage,
} from '../src/index.js';

/** Where the recordings are: $SPICE_TS_RECORDINGS, else ../shared/recordings beside the repository. */
export const RECORDINGS_DIR =
  process.env.SPICE_TS_RECORDINGS ?? fileURLToPath(new URL('../../../../shared/recordings/', import.meta.url));

export const hasRecording = (name: string): boolean =>
  existsSync(join(RECORDINGS_DIR, `${name}.spice.xz`)) && existsSync(join(RECORDINGS_DIR, `${name}.final.png`));

type Step =
  | { kind: 'draw'; surfaceId: number; type: DrawMessageType; message: DrawMessages[DrawMessageType] }
  | { kind: 'create'; surfaceId: number; width: number; height: number; format: number; data: Uint8Array | null }
  | { kind: 'destroy'; surfaceId: number | 'all' };

export interface ReplayOps {
  name: string;
  /** Last event timestamp − first, in ms (the recording's real time). */
  spanMs: number;
  steps: Step[];
  /** Draw commands by QXL draw type name. */
  draws: Record<string, number>;
  /** Draw commands the converter does not carry (no canvas record for them here), by type. */
  skipped: Record<string, number>;
}

/**
 * The chunks in one fresh buffer, as the device parser hands image data to the display worker (it
 * copies guest memory out); the reader's chunks are views at any offset into its input.
 */
const concat = (chunks: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
};

/** A QXL image as the server would put it in a draw message (translated flags, flat data). */
function toImage(image: ReplayImage): SpiceImage {
  const flags =
    (image.flags & QxlImageFlag.HighBitsSet ? ImageFlags.HighBitsSet : 0) |
    (image.flags & QxlImageFlag.Cache ? ImageFlags.CacheMe : 0);
  const base = { id: image.id, flags, width: image.width, height: image.height };
  switch (image.kind) {
    case 'bitmap':
      return {
        kind: 'bitmap',
        descriptor: { ...base, type: ImageType.Bitmap },
        bitmap: {
          format: image.format,
          flags: image.bitmapFlags & QxlBitmapFlag.TopDown ? BitmapFlags.TopDown : 0,
          x: image.x,
          y: image.y,
          stride: image.stride,
          palette: image.palette,
          data: concat(image.chunks).subarray(0, image.stride * image.y),
        },
      };
    case 'quic':
      return { kind: 'binary', descriptor: { ...base, type: ImageType.Quic }, data: concat(image.chunks) };
    case 'surface':
      return { kind: 'surface', descriptor: { ...base, type: ImageType.Surface }, surfaceId: image.surfaceId };
  }
}

const toClip = (clip: ReplayClip): Clip =>
  clip.type === 'none' ? { type: ClipType.None } : { type: ClipType.Rects, rects: clip.rects };

function toBrush(brush: ReplayBrush): display.Brush | null {
  switch (brush.type) {
    case 'none':
      return { type: BrushType.None };
    case 'solid':
      return { type: BrushType.Solid, color: brush.color };
    case 'pattern':
      return brush.pattern ? { type: BrushType.Pattern, pattern: toImage(brush.pattern), pos: brush.pos } : null;
  }
}

const toMask = (mask: ReplayQMask): display.QMask => ({
  flags: mask.flags,
  pos: mask.pos,
  bitmap: mask.bitmap ? toImage(mask.bitmap) : null,
});

/** The canvas record of a drawable, or null when it is not carried (the reason is its draw type). */
function toStep(d: ReplayDrawable): Step | null {
  const surfaceId = d.compat ? 0 : d.surfaceId;
  const base = { surfaceId, box: d.bbox, clip: toClip(d.clip) };
  const draw = d.draw;
  const step = <T extends DrawMessageType>(type: T, message: DrawMessages[T]): Step => ({
    kind: 'draw',
    surfaceId,
    type,
    message,
  });
  switch (draw.type) {
    case 'fill': {
      const brush = toBrush(draw.brush);
      if (!brush) return null;
      return step(DisplayMsg.DrawFill, { base, brush, ropDescriptor: draw.ropDescriptor, mask: toMask(draw.mask) });
    }
    case 'copy':
    case 'blend': {
      if (!draw.src) return null;
      const type = draw.type === 'copy' ? DisplayMsg.DrawCopy : DisplayMsg.DrawBlend;
      return step(type, {
        base,
        srcBitmap: toImage(draw.src),
        srcArea: draw.srcArea,
        ropDescriptor: draw.ropDescriptor,
        scaleMode: draw.scaleMode,
        mask: toMask(draw.mask),
      });
    }
    case 'opaque': {
      const brush = toBrush(draw.brush);
      if (!draw.src || !brush) return null;
      return step(DisplayMsg.DrawOpaque, {
        base,
        srcBitmap: toImage(draw.src),
        srcArea: draw.srcArea,
        brush,
        ropDescriptor: draw.ropDescriptor,
        scaleMode: draw.scaleMode,
        mask: toMask(draw.mask),
      });
    }
    case 'rop3': {
      const brush = toBrush(draw.brush);
      if (!draw.src || !brush) return null;
      return step(DisplayMsg.DrawRop3, {
        base,
        srcBitmap: toImage(draw.src),
        srcArea: draw.srcArea,
        brush,
        rop3: draw.rop3,
        scaleMode: draw.scaleMode,
        mask: toMask(draw.mask),
      });
    }
    case 'blackness':
      return step(DisplayMsg.DrawBlackness, { base, mask: toMask(draw.mask) });
    case 'whiteness':
      return step(DisplayMsg.DrawWhiteness, { base, mask: toMask(draw.mask) });
    case 'invers':
      return step(DisplayMsg.DrawInvers, { base, mask: toMask(draw.mask) });
    case 'transparent':
      if (!draw.src) return null;
      return step(DisplayMsg.DrawTransparent, {
        base,
        srcBitmap: toImage(draw.src),
        srcArea: draw.srcArea,
        srcColor: draw.srcColor,
        trueColor: draw.trueColor,
      });
    case 'alpha-blend':
      if (!draw.src) return null;
      return step(DisplayMsg.DrawAlphaBlend, {
        base,
        alphaFlags: draw.alphaFlags,
        alpha: draw.alpha,
        srcBitmap: toImage(draw.src),
        srcArea: draw.srcArea,
      });
    case 'copy-bits':
      return step(DisplayMsg.CopyBits, { base, srcPos: draw.srcPos });
    default:
      // nop, and stroke / text / composite (their QXL paths and strings are not converted here).
      return null;
  }
}

/** Reads a recording into canvas steps (surface creates and destroys, draws). */
export async function loadReplay(name: string): Promise<ReplayOps> {
  const steps: Step[] = [];
  const draws: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  let first: bigint | null = null;
  let last = 0n;
  for await (const event of openReplayFile(join(RECORDINGS_DIR, `${name}.spice.xz`))) {
    first ??= event.timestampNs;
    last = event.timestampNs;
    if (event.what === 'dispatcher') {
      const p = event.primary;
      if (p) {
        const data = p.data.byteLength === Math.abs(p.stride) * p.height && p.stride > 0 ? p.data : null;
        steps.push({ kind: 'create', surfaceId: 0, width: p.width, height: p.height, format: p.format, data });
      } else if (
        event.type === ReplayWorkerMessage.DestroyPrimarySurface ||
        event.type === ReplayWorkerMessage.DestroyPrimarySurfaceAsync
      ) {
        steps.push({ kind: 'destroy', surfaceId: 0 });
      } else if (
        event.type === ReplayWorkerMessage.DestroySurfaces ||
        event.type === ReplayWorkerMessage.DestroySurfacesAsync
      ) {
        steps.push({ kind: 'destroy', surfaceId: 'all' });
      }
      continue;
    }
    const c = event.command;
    if (c.type === 'surface') {
      const s = c.command;
      if (s.type === 'create') {
        const data = s.data && s.stride > 0 && s.data.byteLength === s.stride * s.height ? s.data : null;
        steps.push({
          kind: 'create',
          surfaceId: s.surfaceId,
          width: s.width,
          height: s.height,
          format: s.format,
          data,
        });
      } else steps.push({ kind: 'destroy', surfaceId: s.surfaceId });
    } else if (c.type === 'draw') {
      const type = c.drawable.draw.type;
      draws[type] = (draws[type] ?? 0) + 1;
      const step = toStep(c.drawable);
      if (step) steps.push(step);
      else skipped[type] = (skipped[type] ?? 0) + 1;
    }
  }
  return { name, spanMs: Number(last - (first ?? last)) / 1e6, steps, draws, skipped };
}

export interface ReplayRun {
  /** The primary surface at the end. */
  primary: CanvasSurface | null;
  /** Time spent in renderDrawMessage alone, ms. */
  drawMs: number;
  /** Draws renderDrawMessage skipped (an image it could not have) or that hit a missing surface. */
  notDrawn: number;
}

const CANVAS_FORMATS: ReadonlySet<number> = new Set([SurfaceFmt.X8r8g8b8, SurfaceFmt.A8r8g8b8, SurfaceFmt.A8]);

function createSurface(width: number, height: number, format: number, data: Uint8Array | null): CanvasSurface {
  const surface = createCanvasSurface(width, height, format);
  if (data) surface.pixels.set(data.subarray(0, surface.pixels.byteLength));
  return surface;
}

/** Renders every step on fresh surfaces; only the renderDrawMessage calls are timed. */
export function runReplay(ops: ReplayOps): ReplayRun {
  const surfaces = new Map<number, CanvasSurface>();
  const resolve = createImageResolver({ surfaces });
  let drawMs = 0;
  let notDrawn = 0;
  for (const step of ops.steps) {
    if (step.kind === 'create') {
      if (CANVAS_FORMATS.has(step.format))
        surfaces.set(step.surfaceId, createSurface(step.width, step.height, step.format, step.data));
    } else if (step.kind === 'destroy') {
      if (step.surfaceId === 'all') surfaces.clear();
      else surfaces.delete(step.surfaceId);
    } else {
      const surface = surfaces.get(step.surfaceId);
      if (!surface) {
        notDrawn += 1;
        continue;
      }
      const t0 = performance.now();
      const drawn = renderDrawMessage(surface, step.type, step.message, resolve);
      drawMs += performance.now() - t0;
      if (!drawn) notDrawn += 1;
    }
  }
  return { primary: surfaces.get(0) ?? null, drawMs, notDrawn };
}

/** Reads an 8-bit RGB or RGBA non-interlaced PNG (the reference frames) into RGB bytes. */
export function readPngRgb(path: string): { width: number; height: number; rgb: Uint8Array } {
  return readPng(readFileSync(path));
}

/** Pixels whose RGB differs between a 32-bit surface and the recording's reference final frame. */
export function diffWithReference(surface: CanvasSurface, name: string): number {
  const ref = readPngRgb(join(RECORDINGS_DIR, `${name}.final.png`));
  if (ref.width !== surface.width || ref.height !== surface.height) return ref.width * ref.height;
  let diff = 0;
  const px = surface.pixels;
  for (let i = 0; i < ref.width * ref.height; i++) {
    if (px[i * 4 + 2] !== ref.rgb[i * 3] || px[i * 4 + 1] !== ref.rgb[i * 3 + 1] || px[i * 4] !== ref.rgb[i * 3 + 2])
      diff += 1;
  }
  return diff;
}
