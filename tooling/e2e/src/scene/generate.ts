import {
  AlphaFlags,
  bitmapResolver,
  CompositeFlags,
  Filter,
  LineFlags,
  PathFlags,
  ROP3_WITHOUT_HANDLER,
  StringFlags,
} from '@spice-ts/canvas';
import {
  BitmapFmt,
  BrushType,
  type Clip,
  ClipType,
  DisplayMsg,
  display,
  ImageScaleMode,
  ImageType,
  MaskFlags,
  type Rect,
  Ropd,
  type SpiceImage,
  SurfaceFmt,
  type wire,
} from '@spice-ts/protocol';
import { ImageIds, randomBitmap, randomMaskBitmap, SCENE_BITMAP_FORMATS } from './images.js';
import { createRandom, type SceneRandom } from './random.js';
import { type Scene, type SceneDraw, SceneFamily, type SceneSurface } from './scene.js';

/** The families that draw on or read off-screen surfaces. */
const SURFACE_FAMILIES: readonly SceneFamily[] = [
  SceneFamily.Surfaces,
  SceneFamily.SurfacesXByte,
  SceneFamily.SurfacesFloatComposite,
  SceneFamily.SurfacesBlendModes,
  SceneFamily.SurfacesStickyTransform,
];

/** The off-screen surfaces of scenes with a surface family. */
export const OFFSCREEN_SURFACES: readonly SceneSurface[] = [
  { id: 1, width: 96, height: 80, format: SurfaceFmt.A8r8g8b8 },
  { id: 2, width: 96, height: 80, format: SurfaceFmt.A8 },
];

/** Default scene size: small enough to send and compare fast, big enough for overlaps. */
export const SCENE_WIDTH = 256;
export const SCENE_HEIGHT = 192;

export interface SceneOptions {
  /** Everything in the scene follows from it. */
  readonly seed: number;
  /** The families draws are picked from (uniformly); default every family. */
  readonly families?: readonly SceneFamily[];
  /** Draws after the background; default 40. */
  readonly count?: number;
  readonly width?: number;
  readonly height?: number;
  /** Let clip rectangles of one draw overlap (the client takes their union); default false. */
  readonly overlappingClips?: boolean;
}

/** Families whose draws the client renders with exact integer arithmetic the canvas copies. */
export const EXACT_FAMILIES: readonly SceneFamily[] = [
  SceneFamily.Fill,
  SceneFamily.Opaque,
  SceneFamily.Copy,
  SceneFamily.Blend,
  SceneFamily.RasterOps,
  SceneFamily.Rop3,
  SceneFamily.Text,
  SceneFamily.Transparent,
  SceneFamily.AlphaBlend,
  SceneFamily.CopyBits,
  SceneFamily.Composite,
  SceneFamily.CompositeTransformed,
  SceneFamily.Surfaces,
];

/** Every family but the background. */
export const ALL_FAMILIES: readonly SceneFamily[] = Object.values(SceneFamily).filter(
  (f) => f !== SceneFamily.Background,
);

interface Ctx {
  readonly rng: SceneRandom;
  readonly ids: ImageIds;
  readonly width: number;
  readonly height: number;
  readonly overlappingClips: boolean;
  /** The scene's off-screen surfaces (with the Surfaces family): an ARGB one and an A8 one. */
  readonly surfaces: readonly SceneSurface[];
}

/**
 * A reproducible random scene: a full-surface background copy, then `count` draws of the given
 * families with random boxes, clips, brushes, masks, ROP descriptors and bitmap sources in every
 * bitmap format. Every box lies inside the surface.
 */
export function generateScene(options: SceneOptions): Scene {
  const width = options.width ?? SCENE_WIDTH;
  const height = options.height ?? SCENE_HEIGHT;
  const ctx: Ctx = {
    rng: createRandom(options.seed),
    ids: new ImageIds(),
    width,
    height,
    overlappingClips: options.overlappingClips ?? false,
    surfaces: (options.families ?? ALL_FAMILIES).some((f) => SURFACE_FAMILIES.includes(f)) ? OFFSCREEN_SURFACES : [],
  };
  const families = options.families ?? ALL_FAMILIES;
  const draws: SceneDraw[] = [background(ctx)];
  const count = options.count ?? 40;
  for (let i = 0; i < count; i++) draws.push(GENERATORS[ctx.rng.pick(families)](ctx));
  return {
    seed: options.seed,
    width,
    height,
    ...(ctx.surfaces.length > 0 ? { surfaces: ctx.surfaces } : {}),
    draws,
  };
}

// ---- building blocks -----------------------------------------------------------------------------

function rectInside(ctx: Ctx, minW: number, maxW: number, minH: number, maxH: number): Rect {
  const { rng } = ctx;
  const w = rng.int(Math.min(minW, ctx.width), Math.min(maxW, ctx.width));
  const h = rng.int(Math.min(minH, ctx.height), Math.min(maxH, ctx.height));
  const left = rng.int(0, ctx.width - w);
  const top = rng.int(0, ctx.height - h);
  return { top, left, bottom: top + h, right: left + w };
}

const overlaps = (a: Rect, b: Rect): boolean =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * No clip, or 1..4 clip rectangles. They do not overlap (a QXL driver sends a region's
 * rectangles), unless the scene asks for overlapping ones.
 */
function randomClip(ctx: Ctx): Clip {
  if (ctx.rng.chance(0.5)) return { type: ClipType.None };
  const n = ctx.rng.int(1, 4);
  const rects: Rect[] = [];
  for (let tries = 0; rects.length < n && tries < 40; tries++) {
    const r = rectInside(ctx, 8, 160, 8, 120);
    if (ctx.overlappingClips || !rects.some((q) => overlaps(q, r))) rects.push(r);
  }
  return { type: ClipType.Rects, rects };
}

const base = (ctx: Ctx, box: Rect): display.DisplayBase => ({ surfaceId: 0, box, clip: randomClip(ctx) });

/** A ROP descriptor: one operation (PUT most often) and random inversion flags. */
function randomRopd(ctx: Ctx): number {
  const { rng } = ctx;
  const op = rng.chance(0.35)
    ? Ropd.OpPut
    : rng.pick([Ropd.OpPut, Ropd.OpOr, Ropd.OpAnd, Ropd.OpXor, Ropd.OpBlackness, Ropd.OpWhiteness, Ropd.OpInvers]);
  let ropd: number = op;
  for (const flag of [Ropd.InversSrc, Ropd.InversBrush, Ropd.InversDest, Ropd.InversRes]) {
    if (rng.chance(0.2)) ropd |= flag;
  }
  return ropd;
}

function randomMask(ctx: Ctx, box: Rect): display.QMask {
  const { rng } = ctx;
  if (rng.chance(0.55)) return display.NO_MASK;
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const bitmap = randomMaskBitmap(ctx.rng, ctx.ids, rng.int(1, w + 8), rng.int(1, h + 8));
  return {
    flags: rng.chance(0.4) ? MaskFlags.Invers : 0,
    pos: { x: rng.int(0, 8), y: rng.int(0, 8) },
    bitmap,
  };
}

/**
 * A solid brush, or (with probability `pattern`) a pattern of 1..16 pixels a side in any format
 * placed at a random position; `maxPos` bounds that position (see rop3).
 */
function randomBrush(
  ctx: Ctx,
  pattern = 0.4,
  maxPos = { x: 40, y: 40 },
  formats: readonly number[] = SCENE_BITMAP_FORMATS,
): display.Brush {
  const { rng } = ctx;
  if (rng.chance(pattern)) {
    const image = randomBitmap(rng, ctx.ids, rng.int(1, 16), rng.int(1, 16), rng.pick(formats));
    return {
      type: BrushType.Pattern,
      pattern: image,
      pos: { x: rng.int(-20, Math.min(40, maxPos.x)), y: rng.int(-20, Math.min(40, maxPos.y)) },
    };
  }
  return { type: BrushType.Solid, color: rng.u32() };
}

/** A source image a little larger than `w`×`h` and a source area of `sw`×`sh` inside it. */
function randomSource(
  ctx: Ctx,
  sw: number,
  sh: number,
  formats: readonly number[] = SCENE_BITMAP_FORMATS,
): { srcBitmap: SpiceImage; srcArea: Rect } {
  const { rng } = ctx;
  const iw = sw + rng.int(0, 12);
  const ih = sh + rng.int(0, 12);
  const srcBitmap = randomBitmap(rng, ctx.ids, iw, ih, rng.pick(formats));
  const left = rng.int(0, iw - sw);
  const top = rng.int(0, ih - sh);
  return { srcBitmap, srcArea: { left, top, right: left + sw, bottom: top + sh } };
}

const size = (r: Rect): [number, number] => [r.right - r.left, r.bottom - r.top];

// ---- the families --------------------------------------------------------------------------------

function background(ctx: Ctx): SceneDraw {
  const { width, height, rng } = ctx;
  const stride = width * 4;
  const data = new Uint8Array(stride * height);
  // Gradients with noisy blocks: every channel takes many values, and a diff image stays readable.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * stride + x * 4;
      data[o] = (x * 3 + y) & 0xff;
      data[o + 1] = (y * 5 + (x >> 2)) & 0xff;
      data[o + 2] = ((x ^ y) * 7) & 0xff;
      data[o + 3] = 0xff;
    }
  }
  for (let i = 0; i < 24; i++) {
    const r = rectInside(ctx, 2, 24, 2, 24);
    for (let y = r.top; y < r.bottom; y++) {
      for (let x = r.left; x < r.right; x++) data.set(rng.bytes(3), y * stride + x * 4);
    }
  }
  const box = { top: 0, left: 0, bottom: height, right: width };
  const srcBitmap: SpiceImage = {
    kind: 'bitmap',
    descriptor: { id: ctx.ids.image(), type: ImageType.Bitmap, flags: 0, width, height },
    bitmap: { format: BitmapFmt.Bit32, flags: 4, x: width, y: height, stride, palette: null, data },
  };
  return {
    family: SceneFamily.Background,
    type: DisplayMsg.DrawCopy,
    message: {
      base: { surfaceId: 0, box, clip: { type: ClipType.None } },
      srcBitmap,
      srcArea: box,
      ropDescriptor: Ropd.OpPut,
      scaleMode: ImageScaleMode.Nearest,
      mask: display.NO_MASK,
    },
  };
}

function fill(ctx: Ctx): SceneDraw {
  const box = rectInside(ctx, 1, 120, 1, 100);
  return {
    family: SceneFamily.Fill,
    type: DisplayMsg.DrawFill,
    message: {
      base: base(ctx, box),
      brush: randomBrush(ctx),
      ropDescriptor: randomRopd(ctx),
      mask: randomMask(ctx, box),
    },
  };
}

function copyLike(
  ctx: Ctx,
  family: SceneFamily,
  type: typeof DisplayMsg.DrawCopy | typeof DisplayMsg.DrawBlend,
): SceneDraw {
  const box = rectInside(ctx, 1, 100, 1, 80);
  const [w, h] = size(box);
  return {
    family,
    type,
    message: {
      base: base(ctx, box),
      ...randomSource(ctx, w, h),
      ropDescriptor: randomRopd(ctx),
      scaleMode: ctx.rng.pick([ImageScaleMode.Nearest, ImageScaleMode.Interpolate]),
      mask: randomMask(ctx, box),
    },
  };
}

function copyScaled(ctx: Ctx, family: SceneFamily, scaleMode: number): SceneDraw {
  const { rng } = ctx;
  const box = rectInside(ctx, 2, 120, 2, 100);
  const [w, h] = size(box);
  // Factors between 1/4 and 4 in each direction, never the identity in both.
  let sw = Math.max(1, Math.round(w / (0.25 + rng.next() * 3.75)));
  const sh = Math.max(1, Math.round(h / (0.25 + rng.next() * 3.75)));
  if (sw === w && sh === h) sw = w + 1;
  return {
    family,
    type: DisplayMsg.DrawCopy,
    message: {
      base: base(ctx, box),
      ...randomSource(ctx, sw, sh),
      ropDescriptor: rng.chance(0.6) ? Ropd.OpPut : randomRopd(ctx),
      scaleMode,
      mask: randomMask(ctx, box),
    },
  };
}

function opaque(ctx: Ctx): SceneDraw {
  const box = rectInside(ctx, 1, 100, 1, 80);
  const [w, h] = size(box);
  return {
    family: SceneFamily.Opaque,
    type: DisplayMsg.DrawOpaque,
    message: {
      base: base(ctx, box),
      ...randomSource(ctx, w, h),
      brush: randomBrush(ctx),
      ropDescriptor: randomRopd(ctx),
      scaleMode: ctx.rng.pick([ImageScaleMode.Nearest, ImageScaleMode.Interpolate]),
      mask: randomMask(ctx, box),
    },
  };
}

function rasterOp(ctx: Ctx): SceneDraw {
  const box = rectInside(ctx, 1, 120, 1, 100);
  const type = ctx.rng.pick([DisplayMsg.DrawBlackness, DisplayMsg.DrawWhiteness, DisplayMsg.DrawInvers] as const);
  return { family: SceneFamily.RasterOps, type, message: { base: base(ctx, box), mask: randomMask(ctx, box) } };
}

/**
 * The ternary raster ops spice-gtk can draw. The codes rop3.c has no handler for
 * (ROP3_WITHOUT_HANDLER) make the client log a critical and abort, so a scene never has them.
 */
export const ROP3_CODES: readonly number[] = range(0, 255).filter((code) => !ROP3_WITHOUT_HANDLER.has(code));

function rop3(ctx: Ctx): SceneDraw {
  const box = rectInside(ctx, 1, 100, 1, 80);
  const [w, h] = size(box);
  return {
    family: SceneFamily.Rop3,
    type: DisplayMsg.DrawRop3,
    message: {
      base: base(ctx, box),
      ...randomSource(ctx, w, h),
      // The client starts the pattern at (box - pos) % size with C's remainder: a pattern placed
      // right of or below the box's corner makes it read outside the pattern's rows (undefined).
      brush: randomBrush(ctx, 0.4, { x: box.left, y: box.top }),
      rop3: ctx.rng.pick(ROP3_CODES),
      scaleMode: ctx.rng.pick([ImageScaleMode.Nearest, ImageScaleMode.Interpolate]),
      mask: randomMask(ctx, box),
    },
  };
}

/** A point in 28.4 fixed point inside the surface (with a random fraction). */
function fixPoint(ctx: Ctx): wire.PointFix {
  const { rng } = ctx;
  return { x: rng.int(0, ctx.width - 1) * 16 + rng.int(0, 15), y: rng.int(0, ctx.height - 1) * 16 + rng.int(0, 15) };
}

function strokePath(ctx: Ctx): wire.Path {
  const { rng } = ctx;
  const segments: wire.PathSegment[] = [];
  const lines = rng.int(1, 3);
  for (let l = 0; l < lines; l++) {
    const first: wire.PointFix[] = [];
    const n = rng.int(2, 5);
    for (let i = 0; i < n; i++) first.push(fixPoint(ctx));
    const parts: wire.PathSegment[] = [{ flags: PathFlags.Begin, points: first }];
    if (rng.chance(0.5)) {
      // A bezier from the last point: three distinct points, so the curve is never a single point.
      const pts: wire.PointFix[] = [];
      const n = 3 * rng.int(1, 2);
      for (let i = 0; i < n; i++) pts.push(fixPoint(ctx));
      parts.push({ flags: PathFlags.Bezier, points: pts });
    }
    if (rng.chance(0.5)) parts.push({ flags: 0, points: [fixPoint(ctx), fixPoint(ctx)] });
    const last = parts[parts.length - 1] as wire.PathSegment;
    last.flags |= PathFlags.End | (rng.chance(0.4) ? PathFlags.Close : 0);
    segments.push(...parts);
  }
  return { segments };
}

function stroke(ctx: Ctx, styled: boolean): SceneDraw {
  const { rng } = ctx;
  const box = rng.chance(0.5)
    ? { top: 0, left: 0, bottom: ctx.height, right: ctx.width }
    : rectInside(ctx, 40, 256, 40, 192);
  let attr: wire.LineAttr = { flags: 0 };
  if (styled) {
    const style: number[] = [];
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) style.push(rng.int(1, 9) * 16 + (rng.chance(0.2) ? rng.int(0, 15) : 0));
    attr = { flags: LineFlags.Styled | (rng.chance(0.3) ? LineFlags.StartWithGap : 0), style };
  }
  const brush: display.Brush = rng.chance(0.1) ? { type: BrushType.None } : randomBrush(ctx, 0.2);
  return {
    family: styled ? SceneFamily.StrokeStyled : SceneFamily.Stroke,
    type: DisplayMsg.DrawStroke,
    message: {
      base: base(ctx, box),
      path: strokePath(ctx),
      attr,
      brush,
      foreMode: rng.chance(0.5) ? Ropd.OpPut : randomRopd(ctx),
      backMode: randomRopd(ctx),
    },
  };
}

/**
 * A glyph string of 1..10 glyphs on one baseline. Glyph boxes may overlap, except for A4 strings
 * unless `a4Overlap` (spice-gtk merges overlapping A4 glyphs with a quirk; see the tests).
 */
/** Pattern formats without alpha (the client reads every other one as x8r8g8b8). */
const OPAQUE_PATTERN_FORMATS = SCENE_BITMAP_FORMATS.filter((f) => f !== BitmapFmt.Rgba);

function text(ctx: Ctx, depths: readonly (1 | 4 | 8)[], family: SceneFamily): SceneDraw {
  const a4Overlap = family === SceneFamily.TextA4Overlap;
  const { rng } = ctx;
  const depth = rng.pick(depths);
  const disjoint = depth === 4 && !a4Overlap;
  let lastRight = -1_000;
  const flags = depth === 1 ? StringFlags.RasterA1 : depth === 4 ? StringFlags.RasterA4 : StringFlags.RasterA8;
  const n = rng.int(1, 10);
  let x = rng.int(0, ctx.width - 80);
  const y = rng.int(20, ctx.height - 8);
  const glyphs = [];
  for (let i = 0; i < n; i++) {
    const width = rng.int(1, 12);
    const height = rng.int(1, 16);
    const rowBytes = Math.ceil((width * depth) / 8);
    const data = rng.bytes(rowBytes * height);
    if (depth === 8 && rng.chance(0.5))
      for (let k = 0; k < data.length; k++) if (rng.chance(0.4)) data[k] = rng.pick([0, 255]);
    const origin = { x: rng.int(-1, 2), y: -height + rng.int(0, 3) };
    if (disjoint) x = Math.max(x, lastRight - origin.x);
    lastRight = x + origin.x + width;
    glyphs.push({ renderPos: { x, y }, glyphOrigin: origin, width, height, data });
    x += width + rng.int(-2, 3);
    if (x > ctx.width - 14) x = ctx.width - 14;
  }
  const box = rectInside(ctx, 60, 256, 30, 192);
  const withBack = rng.chance(0.5);
  const backArea = withBack ? rectInside(ctx, 1, 120, 1, 60) : { top: 0, left: 0, bottom: 0, right: 0 };
  return {
    family,
    type: DisplayMsg.DrawText,
    message: {
      base: base(ctx, box),
      str: { flags, glyphs },
      backArea,
      // The client composites the fore brush with its alpha: RGBA patterns have their own family.
      foreBrush:
        family === SceneFamily.TextRgbaPattern
          ? randomBrush(ctx, 1, undefined, [BitmapFmt.Rgba])
          : randomBrush(ctx, 0.3, undefined, OPAQUE_PATTERN_FORMATS),
      backBrush: randomBrush(ctx, 0.3),
      // Without a back area the client ignores the fore mode; with one it must be OP_PUT (anything
      // else is a failed spice_return_if_fail, which aborts spice-gtk).
      foreMode: withBack || rng.chance(0.7) ? Ropd.OpPut : randomRopd(ctx),
      backMode: rng.chance(0.85) ? Ropd.OpPut : randomRopd(ctx),
    },
  };
}

function transparent(ctx: Ctx): SceneDraw {
  const { rng } = ctx;
  const box = rectInside(ctx, 1, 100, 1, 80);
  const [w, h] = size(box);
  const source = randomSource(ctx, w, h, [
    BitmapFmt.Bit32,
    BitmapFmt.Bit24,
    BitmapFmt.Bit16,
    BitmapFmt.Bit8,
    BitmapFmt.Bit4Be,
    BitmapFmt.Bit1Be,
    BitmapFmt.Rgba,
  ]);
  // A key that occurs in the source most of the time, so some pixels are really left out.
  let key = rng.u32() & 0xffffff;
  const image = bitmapResolver(source.srcBitmap);
  if (image && rng.chance(0.8)) {
    const px = rng.int(source.srcArea.left, source.srcArea.right - 1);
    const py = rng.int(source.srcArea.top, source.srcArea.bottom - 1);
    key = (image.words[py * image.stride + px] as number) & 0xffffff;
  }
  return {
    family: SceneFamily.Transparent,
    type: DisplayMsg.DrawTransparent,
    message: {
      base: base(ctx, box),
      ...source,
      srcColor: rng.chance(0.8) ? key : rng.u32() & 0xffffff,
      trueColor: key,
    },
  };
}

function alphaBlend(ctx: Ctx, family: SceneFamily = SceneFamily.AlphaBlend): SceneDraw {
  const { rng } = ctx;
  const box = rectInside(ctx, 1, 100, 1, 80);
  const [w, h] = size(box);
  const source = randomSource(ctx, w, h, [
    BitmapFmt.Rgba,
    BitmapFmt.Rgba,
    BitmapFmt.Rgba,
    BitmapFmt.Bit32,
    BitmapFmt.Bit24,
    BitmapFmt.Bit16,
    BitmapFmt.Bit8,
  ]);
  const alpha = rng.chance(0.3) ? 255 : rng.chance(0.05) ? 0 : rng.int(1, 254);
  return {
    family,
    type: DisplayMsg.DrawAlphaBlend,
    message: {
      base: base(ctx, box),
      // SRC_SURFACE_HAS_ALPHA is for surface sources; on a bitmap it has its own family.
      alphaFlags:
        (rng.chance(0.3) ? AlphaFlags.DestHasAlpha : 0) |
        (family === SceneFamily.AlphaBlendSrcSurfaceFlag ? AlphaFlags.SrcSurfaceHasAlpha : 0),
      alpha,
      ...source,
    },
  };
}

function copyBits(ctx: Ctx): SceneDraw {
  const { rng } = ctx;
  const box = rectInside(ctx, 1, 160, 1, 120);
  const [w, h] = size(box);
  const srcPos = {
    x: Math.max(0, Math.min(ctx.width - w, box.left + rng.int(-40, 40))),
    y: Math.max(0, Math.min(ctx.height - h, box.top + rng.int(-40, 40))),
  };
  return { family: SceneFamily.CopyBits, type: DisplayMsg.CopyBits, message: { base: base(ctx, box), srcPos } };
}

/**
 * DISJOINT_CLEAR/SRC/DST and CONJOINT_CLEAR/SRC/DST: pixman's optimize_operator turns them into
 * CLEAR, SRC and DST before it picks a pipeline, so they run in 8 bits, not in float. They have
 * their own family.
 */
export const COMPOSITE_PD_ALIAS_OPS: readonly number[] = [0x10, 0x11, 0x12, 0x20, 0x21, 0x22];

/** pixman operators: the Porter-Duff ones, DISJOINT_*, CONJOINT_* and the blend modes. */
export const COMPOSITE_OPS: readonly number[] = [
  ...range(0x00, 0x0d),
  ...range(0x10, 0x1b),
  ...range(0x20, 0x2b),
  ...range(0x30, 0x3e),
].filter((op) => !COMPOSITE_PD_ALIAS_OPS.includes(op));

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const FIXED_1 = 0x10000;

/**
 * The operators pixman runs in its float ("wide") pipeline (pixman-general.c
 * operator_needs_division), less SATURATE, which an opaque destination turns into DST.
 */
export const COMPOSITE_FLOAT_OPS: readonly number[] = [
  ...range(0x13, 0x1b),
  ...range(0x23, 0x2b),
  0x35,
  0x36,
  0x38,
  ...range(0x3b, 0x3e),
];

/** The operators pixman runs in 8 bits (every defined one but the float ones and the aliases). */
export const COMPOSITE_8BIT_OPS: readonly number[] = COMPOSITE_OPS.filter(
  (op) => !COMPOSITE_FLOAT_OPS.includes(op) && op !== 0x0d,
);

/** The Porter-Duff operators CLEAR .. ADD. */
export const COMPOSITE_PD_OPS: readonly number[] = range(0x00, 0x0c);

/** The PDF blend modes pixman runs in 8 bits. */
export const COMPOSITE_8BIT_BLEND_OPS: readonly number[] = COMPOSITE_8BIT_OPS.filter((op) => op >= 0x30);

function composite(ctx: Ctx, family: SceneFamily, ops?: readonly number[]): SceneDraw {
  const floatBilinear = family === SceneFamily.CompositeTransformedFloatBilinear;
  const transformed = family === SceneFamily.CompositeTransformed || floatBilinear;
  const aliases = family === SceneFamily.CompositePdAliases;
  const { rng } = ctx;
  const box = rectInside(ctx, 1, 96, 1, 80);
  const colour = [BitmapFmt.Rgba, BitmapFmt.Rgba, BitmapFmt.Bit32, BitmapFmt.Bit8, BitmapFmt.Bit16, BitmapFmt.Bit24];
  const src = randomBitmap(rng, ctx.ids, rng.int(1, 64), rng.int(1, 64), rng.pick(colour));
  const op = rng.pick(ops ?? (aliases ? COMPOSITE_PD_ALIAS_OPS : floatBilinear ? COMPOSITE_FLOAT_OPS : COMPOSITE_OPS));
  // Bilinear sampling under a real transform differs between pixman's 8-bit and float pipelines:
  // the float ops sample bilinearly only in their own family.
  const bilinear = [Filter.Bilinear, Filter.Good, Filter.Best];
  const filters = floatBilinear
    ? bilinear
    : transformed && COMPOSITE_FLOAT_OPS.includes(op)
      ? [Filter.Nearest, Filter.Fast]
      : [Filter.Nearest, Filter.Fast, ...bilinear];
  let flags =
    op | (rng.pick(filters) << CompositeFlags.SrcFilterShift) | (rng.int(0, 3) << CompositeFlags.SrcRepeatShift);
  const message: SceneDraw & { type: typeof DisplayMsg.DrawComposite } = {
    family,
    type: DisplayMsg.DrawComposite,
    message: {
      base: base(ctx, box),
      flags: 0,
      srcBitmap: src,
      srcOrigin: { x: rng.int(-16, 48), y: rng.int(-16, 48) },
      maskOrigin: { x: rng.int(-16, 48), y: rng.int(-16, 48) },
    },
  };
  const m = message.message;
  const transform = (): wire.Transform => {
    if (!transformed) {
      return {
        t00: FIXED_1,
        t01: 0,
        t02: rng.int(-20, 20) * FIXED_1,
        t10: 0,
        t11: FIXED_1,
        t12: rng.int(-20, 20) * FIXED_1,
      };
    }
    const angle = rng.chance(0.5) ? 0 : (rng.next() - 0.5) * 0.8;
    const sx = 0.4 + rng.next() * 1.8;
    const sy = rng.chance(0.5) ? sx : 0.4 + rng.next() * 1.8;
    const fx = (v: number) => Math.round(v * FIXED_1);
    return {
      t00: fx(Math.cos(angle) * sx),
      t01: fx(-Math.sin(angle) * sy),
      t02: fx((rng.next() - 0.5) * 40),
      t10: fx(Math.sin(angle) * sx),
      t11: fx(Math.cos(angle) * sy),
      t12: fx((rng.next() - 0.5) * 40),
    };
  };
  if (transformed || rng.chance(0.3)) {
    flags |= CompositeFlags.HasSrcTransform;
    m.srcTransform = transform();
  }
  if (aliases || rng.chance(0.5)) {
    flags |= CompositeFlags.HasMask;
    flags |= rng.pick(filters) << CompositeFlags.MaskFilterShift;
    flags |= rng.int(0, 3) << CompositeFlags.MaskRepeatShift;
    if (rng.chance(0.3)) flags |= CompositeFlags.ComponentAlpha;
    m.maskBitmap = randomBitmap(
      rng,
      ctx.ids,
      rng.int(1, 64),
      rng.int(1, 64),
      rng.pick([BitmapFmt.Rgba, BitmapFmt.Rgba, BitmapFmt.Bit32, BitmapFmt.Bit8]),
    );
    if (transformed ? rng.chance(0.5) : rng.chance(0.3)) {
      flags |= CompositeFlags.HasMaskTransform;
      m.maskTransform = transform();
    }
  }
  if (rng.chance(0.2)) flags |= CompositeFlags.DestOpaque;
  if (rng.chance(0.2)) flags |= CompositeFlags.SourceOpaque;
  m.flags = flags >>> 0;
  return message;
}

function alphaBlendScaled(ctx: Ctx): SceneDraw {
  const draw = alphaBlend(ctx);
  if (draw.type !== DisplayMsg.DrawAlphaBlend) return draw;
  const { rng } = ctx;
  const [w, h] = size(draw.message.base.box);
  const sw = Math.max(1, Math.round(w / (0.25 + rng.next() * 3.75)));
  const sh = Math.max(1, Math.round(h / (0.25 + rng.next() * 3.75))) + (sw === w ? 1 : 0);
  const source = randomSource(ctx, sw, sh, [BitmapFmt.Rgba, BitmapFmt.Bit32]);
  return { ...draw, family: SceneFamily.AlphaBlendScaled, message: { ...draw.message, ...source } };
}

/** A SURFACE image reference to an off-screen surface. */
function surfaceImage(ctx: Ctx, surface: SceneSurface): SpiceImage {
  return {
    kind: 'surface',
    descriptor: {
      id: ctx.ids.image(),
      type: ImageType.Surface,
      flags: 0,
      width: surface.width,
      height: surface.height,
    },
    surfaceId: surface.id,
  };
}

/** A draw of `make` onto an off-screen surface (boxes and clips inside that surface). */
function onSurface(ctx: Ctx, surface: SceneSurface, make: (ctx: Ctx) => SceneDraw, family: SceneFamily): SceneDraw {
  const draw = make({ ...ctx, width: surface.width, height: surface.height });
  draw.message.base.surfaceId = surface.id;
  return { ...draw, family };
}

/**
 * Off-screen surfaces: draws onto the ARGB surface (solid fills, composites) and the A8 one
 * (solid fills, raster ops), and draws onto the primary that read them through SURFACE images
 * (COPY, ALPHA_BLEND with SRC_SURFACE_HAS_ALPHA, COMPOSITE with SOURCE_OPAQUE and A8 masks).
 * The SurfacesXByte family instead puts copies of bitmaps without alpha and pattern fills into
 * the ARGB surface (the X byte of such sources becomes alpha there) and alpha-blends it.
 */
function surfaces(ctx: Ctx, family: SceneFamily): SceneDraw {
  const { rng } = ctx;
  const [argb, a8] = ctx.surfaces as [SceneSurface, SceneSurface];
  const xByte = family === SceneFamily.SurfacesXByte;
  const floatInto = family === SceneFamily.SurfacesFloatComposite;
  const blendInto = family === SceneFamily.SurfacesBlendModes;
  // Composites into the ARGB surface: Porter-Duff operators; the float ones and the 8-bit blend
  // modes have their own families.
  const intoOps = floatInto ? COMPOSITE_FLOAT_OPS : blendInto ? COMPOSITE_8BIT_BLEND_OPS : COMPOSITE_PD_OPS;
  const sticky = family === SceneFamily.SurfacesStickyTransform;
  const cases = xByte ? [0, 1, 5] : floatInto || blendInto ? [2, 4, 5] : [2, 3, 4, 5, 6];
  switch (rng.pick(cases)) {
    case 0: {
      const draw = onSurface(ctx, argb, fill, family);
      if (draw.type === DisplayMsg.DrawFill) {
        draw.message.brush = xByte
          ? randomBrush(ctx, 1, undefined, OPAQUE_PATTERN_FORMATS)
          : { type: BrushType.Solid, color: rng.u32() };
      }
      return draw;
    }
    case 1:
      return onSurface(ctx, argb, (c) => copyLike(c, family, DisplayMsg.DrawCopy), family);
    case 2:
      return onSurface(ctx, argb, (c) => composite(c, SceneFamily.Composite, intoOps), family);
    case 3:
      return onSurface(ctx, a8, rasterOp, family);
    case 4: {
      const box = rectInside(ctx, 1, argb.width, 1, argb.height);
      const [w, h] = size(box);
      const left = rng.int(0, argb.width - w);
      const top = rng.int(0, argb.height - h);
      return {
        family,
        type: DisplayMsg.DrawCopy,
        message: {
          base: base(ctx, box),
          srcBitmap: surfaceImage(ctx, argb),
          srcArea: { left, top, right: left + w, bottom: top + h },
          ropDescriptor: randomRopd(ctx),
          scaleMode: ImageScaleMode.Nearest,
          mask: randomMask(ctx, box),
        },
      };
    }
    case 5: {
      const box = rectInside(ctx, 1, argb.width, 1, argb.height);
      const [w, h] = size(box);
      const left = rng.int(0, argb.width - w);
      const top = rng.int(0, argb.height - h);
      return {
        family,
        type: DisplayMsg.DrawAlphaBlend,
        message: {
          base: base(ctx, box),
          alphaFlags:
            (rng.chance(0.6) ? AlphaFlags.SrcSurfaceHasAlpha : 0) | (rng.chance(0.3) ? AlphaFlags.DestHasAlpha : 0),
          alpha: rng.chance(0.4) ? 255 : rng.int(1, 254),
          srcBitmap: surfaceImage(ctx, argb),
          srcArea: { left, top, right: left + w, bottom: top + h },
        },
      };
    }
    default: {
      const draw = composite(ctx, SceneFamily.Composite, COMPOSITE_8BIT_OPS);
      if (draw.type !== DisplayMsg.DrawComposite) return draw;
      const m = draw.message;
      m.srcBitmap = surfaceImage(ctx, argb);
      if (rng.chance(0.5)) {
        m.maskBitmap = surfaceImage(ctx, a8);
        m.flags = (m.flags | CompositeFlags.HasMask) & ~CompositeFlags.ComponentAlpha;
      }
      if (!sticky) {
        // The client sets a composite's transform on the surface's own pixman image, where it
        // stays for later draws that read the surface: only SurfacesStickyTransform has them.
        m.flags &= ~(CompositeFlags.HasSrcTransform | CompositeFlags.HasMaskTransform);
        delete m.srcTransform;
        if (m.maskBitmap?.kind === 'surface') delete m.maskTransform;
        else if (m.maskTransform) m.flags |= CompositeFlags.HasMaskTransform;
      }
      return { ...draw, family };
    }
  }
}

const GENERATORS: Record<SceneFamily, (ctx: Ctx) => SceneDraw> = {
  [SceneFamily.Background]: background,
  [SceneFamily.Fill]: fill,
  [SceneFamily.Surfaces]: (ctx) => surfaces(ctx, SceneFamily.Surfaces),
  [SceneFamily.SurfacesXByte]: (ctx) => surfaces(ctx, SceneFamily.SurfacesXByte),
  [SceneFamily.SurfacesFloatComposite]: (ctx) => surfaces(ctx, SceneFamily.SurfacesFloatComposite),
  [SceneFamily.SurfacesBlendModes]: (ctx) => surfaces(ctx, SceneFamily.SurfacesBlendModes),
  [SceneFamily.SurfacesStickyTransform]: (ctx) => surfaces(ctx, SceneFamily.SurfacesStickyTransform),
  [SceneFamily.Opaque]: opaque,
  [SceneFamily.Copy]: (ctx) => copyLike(ctx, SceneFamily.Copy, DisplayMsg.DrawCopy),
  [SceneFamily.Blend]: (ctx) => copyLike(ctx, SceneFamily.Blend, DisplayMsg.DrawBlend),
  [SceneFamily.CopyScaledNearest]: (ctx) => copyScaled(ctx, SceneFamily.CopyScaledNearest, ImageScaleMode.Nearest),
  [SceneFamily.CopyScaledInterpolate]: (ctx) =>
    copyScaled(ctx, SceneFamily.CopyScaledInterpolate, ImageScaleMode.Interpolate),
  [SceneFamily.RasterOps]: rasterOp,
  [SceneFamily.Rop3]: rop3,
  [SceneFamily.Stroke]: (ctx) => stroke(ctx, false),
  [SceneFamily.StrokeStyled]: (ctx) => stroke(ctx, true),
  [SceneFamily.Text]: (ctx) => text(ctx, [1, 4], SceneFamily.Text),
  [SceneFamily.TextA4Overlap]: (ctx) => text(ctx, [4], SceneFamily.TextA4Overlap),
  [SceneFamily.TextRgbaPattern]: (ctx) => text(ctx, [1, 4], SceneFamily.TextRgbaPattern),
  [SceneFamily.TextA8]: (ctx) => text(ctx, [8], SceneFamily.TextA8),
  [SceneFamily.Transparent]: transparent,
  [SceneFamily.AlphaBlend]: (ctx) => alphaBlend(ctx),
  [SceneFamily.AlphaBlendSrcSurfaceFlag]: (ctx) => alphaBlend(ctx, SceneFamily.AlphaBlendSrcSurfaceFlag),
  [SceneFamily.AlphaBlendScaled]: alphaBlendScaled,
  [SceneFamily.CopyBits]: copyBits,
  [SceneFamily.Composite]: (ctx) => composite(ctx, SceneFamily.Composite),
  [SceneFamily.CompositePdAliases]: (ctx) => composite(ctx, SceneFamily.CompositePdAliases),
  [SceneFamily.CompositeTransformed]: (ctx) => composite(ctx, SceneFamily.CompositeTransformed),
  [SceneFamily.CompositeTransformedFloatBilinear]: (ctx) =>
    composite(ctx, SceneFamily.CompositeTransformedFloatBilinear),
};
