import {
  bitmapResolver,
  type CanvasSurface,
  createCanvasSurface,
  type DrawMessages,
  type DrawMessageType,
  type ImageResolver,
  imageFromSurface,
  renderDrawMessage,
} from '@spice-ts/canvas';
import { SurfaceFmt } from '@spice-ts/protocol';

/** The groups of draw operations a scene is made of; a mismatch names its family. */
export const SceneFamily = {
  /** The full-surface DRAW_COPY every scene starts with (so ROPs and blends see a busy destination). */
  Background: 'background',
  Fill: 'fill',
  Opaque: 'opaque',
  Copy: 'copy',
  CopyScaledNearest: 'copy-scaled-nearest',
  CopyScaledInterpolate: 'copy-scaled-interpolate',
  Blend: 'blend',
  RasterOps: 'raster-ops',
  Rop3: 'rop3',
  Stroke: 'stroke',
  StrokeStyled: 'stroke-styled',
  /** DRAW_TEXT with A1 glyph strings (glyphs may overlap) and A4 ones (glyphs side by side). */
  Text: 'text',
  /** DRAW_TEXT with A4 glyph strings whose glyphs overlap. */
  TextA4Overlap: 'text-a4-overlap',
  /** DRAW_TEXT whose fore brush is an RGBA pattern (the client composites it with its alpha). */
  TextRgbaPattern: 'text-rgba-pattern',
  /** DRAW_TEXT with A8 glyph strings (spice-gtk reads them one row off; see the tests). */
  TextA8: 'text-a8',
  Transparent: 'transparent',
  AlphaBlend: 'alpha-blend',
  AlphaBlendScaled: 'alpha-blend-scaled',
  /** DRAW_ALPHA_BLEND of bitmaps with SRC_SURFACE_HAS_ALPHA set (meant for surface sources). */
  AlphaBlendSrcSurfaceFlag: 'alpha-blend-src-surface-flag',
  CopyBits: 'copy-bits',
  /** Off-screen ARGB and A8 surfaces, drawn on and read through SURFACE images. */
  Surfaces: 'surfaces',
  /** The ARGB off-screen surface filled with patterns and copies of bitmaps without alpha. */
  SurfacesXByte: 'surfaces-x-byte',
  /** The ARGB off-screen surface drawn by float-pipeline composites, then alpha-blended. */
  SurfacesFloatComposite: 'surfaces-float-composite',
  /** The ARGB off-screen surface drawn by composites with the 8-bit PDF blend modes, then read. */
  SurfacesBlendModes: 'surfaces-blend-modes',
  /** As Surfaces, with source/mask transforms on composites that read the off-screen surfaces. */
  SurfacesStickyTransform: 'surfaces-sticky-transform',
  /** DRAW_COMPOSITE with identity or integer-translation transforms. */
  Composite: 'composite',
  /** DRAW_COMPOSITE with DISJOINT/CONJOINT CLEAR, SRC and DST and a mask. */
  CompositePdAliases: 'composite-pd-aliases',
  /** DRAW_COMPOSITE with scaling/rotating affine transforms. */
  CompositeTransformed: 'composite-transformed',
  /** DRAW_COMPOSITE with scaling/rotating transforms, bilinear filters and float-pipeline operators. */
  CompositeTransformedFloatBilinear: 'composite-transformed-float-bilinear',
} as const;
export type SceneFamily = (typeof SceneFamily)[keyof typeof SceneFamily];

/** One draw of a scene: the display message type and its record as @spice-ts/canvas takes it. */
export type SceneDraw = {
  [T in DrawMessageType]: { readonly family: SceneFamily; readonly type: T; readonly message: DrawMessages[T] };
}[DrawMessageType];

/** An off-screen surface of a scene (created after the primary, before the draws). */
export interface SceneSurface {
  /** 1 and up (0 is the primary). */
  readonly id: number;
  readonly width: number;
  readonly height: number;
  /** SurfaceFmt: 32_ARGB, 32_xRGB or 8_A. */
  readonly format: number;
}

/** A primary surface (32-bit xRGB), optional off-screen surfaces, and the draws, in order. */
export interface Scene {
  /** What it was generated from (see generateScene). */
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly surfaces?: readonly SceneSurface[];
  readonly draws: readonly SceneDraw[];
}

/** The surface format of scene surfaces (SPICE_SURFACE_FMT_32_xRGB, as a spice-gtk primary). */
export const SCENE_SURFACE_FORMAT = SurfaceFmt.X8r8g8b8;

/**
 * Renders the scene (or its first `count` draws) with @spice-ts/canvas on zeroed surfaces of the
 * scene's sizes, as the client's start out, and returns the primary. SURFACE images are resolved
 * to the scene's off-screen surfaces.
 */
export function renderScene(scene: Scene, count = scene.draws.length): CanvasSurface {
  return renderSceneSurfaces(scene, count).get(0) as CanvasSurface;
}

/** As renderScene, but every surface by id (0 is the primary). */
export function renderSceneSurfaces(scene: Scene, count = scene.draws.length): Map<number, CanvasSurface> {
  const surfaces = new Map<number, CanvasSurface>([
    [0, createCanvasSurface(scene.width, scene.height, SCENE_SURFACE_FORMAT)],
  ]);
  for (const s of scene.surfaces ?? []) surfaces.set(s.id, createCanvasSurface(s.width, s.height, s.format));
  const resolve: ImageResolver = (image) => {
    if (image.kind !== 'surface') return bitmapResolver(image);
    const source = surfaces.get(image.surfaceId);
    return source ? imageFromSurface(source) : null;
  };
  for (const draw of scene.draws.slice(0, count)) {
    const target = surfaces.get(draw.message.base.surfaceId);
    if (!target) throw new RangeError(`draw on surface ${draw.message.base.surfaceId}, which the scene does not have`);
    renderDrawMessage(target, draw.type, draw.message as DrawMessages[typeof draw.type], resolve);
  }
  return surfaces;
}

/** The scene cut after its first `count` draws (to find which draw a mismatch starts at). */
export function scenePrefix(scene: Scene, count: number): Scene {
  return { ...scene, draws: scene.draws.slice(0, count) };
}
