/**
 * The built-in demo guest's picture side: a small desktop (menu bar with a live clock, an About
 * window, a text box fed by scancodes, an animation, a paint canvas, lock indicators) rendered
 * in software into a 32-bit xRGB framebuffer, plus the damage rectangles that changed and the
 * pointer shape. Pure TypeScript without imports; the app's glue turns damage into QXL
 * drawables (a FILL where `isUniform` finds one colour, a COPY of `extract` otherwise).
 */
export { CURSOR_SIZE, type CursorShape, createArrowCursor } from './cursor.js';
export {
  createDamageTracker,
  type DamageTracker,
  MAX_DAMAGE_RECTS,
  MERGE_WASTE_PIXELS,
  MERGE_WASTE_RATIO,
} from './damage.js';
export { DemoRangeError, isDemoRangeError } from './errors.js';
export {
  drawText,
  FIRST_GLYPH,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  glyphRows,
  hasGlyph,
  LAST_GLYPH,
  measureText,
} from './font.js';
export {
  BYTES_PER_PIXEL,
  type Color,
  createFramebuffer,
  type Framebuffer,
  MAX_FRAMEBUFFER_SIDE,
  mixColors,
  PIXEL_X_BYTE,
  type PixelSource,
  rgb,
} from './framebuffer.js';
export { createUsKeyboard, KeyboardLed, type TextEdit, type UsKeyboard } from './keyboard.js';
export {
  EMPTY_RECT,
  intersectRects,
  isEmptyRect,
  makeRect,
  type Rect,
  rectArea,
  rectContains,
  rectContainsPoint,
  rectHeight,
  rectsEqual,
  rectsOverlap,
  rectWidth,
  unionRects,
} from './rect.js';
export {
  createDemoScene,
  DEFAULT_DEMO_HEIGHT,
  DEFAULT_DEMO_WIDTH,
  type DemoClick,
  type DemoLayout,
  type DemoScene,
  type DemoSceneInit,
  formatClock,
  MAX_CLICKS,
  MAX_MARKS,
  MAX_TYPED_CHARS,
  MIN_DEMO_HEIGHT,
  MIN_DEMO_WIDTH,
  type Point,
  PointerButton,
} from './scene.js';
export { expandTabs, layoutText, TAB_WIDTH, type TextLayout } from './text-layout.js';
