import { type CursorShape, createArrowCursor } from './cursor.js';
import { createDamageTracker } from './damage.js';
import { DemoRangeError } from './errors.js';
import { drawText, GLYPH_HEIGHT, GLYPH_WIDTH } from './font.js';
import { type Color, createFramebuffer, type Framebuffer, mixColors } from './framebuffer.js';
import { createUsKeyboard, KeyboardLed, type TextEdit } from './keyboard.js';
import { EMPTY_RECT, makeRect, type Rect, rectContains, rectHeight, rectsOverlap, rectWidth } from './rect.js';
import { layoutText } from './text-layout.js';

/** SPICE mouse button numbers (spice-protocol `enums.h` SpiceMouseButton). */
export const PointerButton = {
  Left: 1,
  Middle: 2,
  Right: 3,
  Up: 4,
  Down: 5,
} as const;
export type PointerButton = (typeof PointerButton)[keyof typeof PointerButton];

/** SPICE_MOUSE_BUTTON_MASK_* bits for buttons 1..5: bit (button - 1). */
const BUTTON_MASK_ALL = 0x1f;

export const DEFAULT_DEMO_WIDTH = 1024;
export const DEFAULT_DEMO_HEIGHT = 768;
/** Smallest screen the layout still makes sense on (menu bar and clock fit). */
export const MIN_DEMO_WIDTH = 320;
export const MIN_DEMO_HEIGHT = 200;
/** Text box content beyond this many characters drops its oldest characters. */
export const MAX_TYPED_CHARS = 4000;
/** Paint marks kept on screen; the oldest disappears when a new one exceeds this. */
export const MAX_MARKS = 256;
/** Clicks kept in `clicks`; older ones are forgotten. */
export const MAX_CLICKS = 1000;

export interface DemoSceneInit {
  /** Screen width in pixels, default 1024. */
  width?: number;
  /** Screen height in pixels, default 768. */
  height?: number;
  /** Wall clock in ms since the epoch, default `Date.now`; read once at creation. */
  now?: () => number;
  /** Show the clock in UTC instead of the host's local time (handy for pinned tests). */
  utcClock?: boolean;
  /** Run the animation (default true); false freezes the ball and spinner. */
  animate?: boolean;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface DemoClick {
  readonly x: number;
  readonly y: number;
  readonly button: PointerButton;
}

/** Where things are on screen, for glue code and tests. */
export interface DemoLayout {
  readonly menuBar: Rect;
  /** The clock's text; the only area a new second repaints. */
  readonly clock: Rect;
  /** The animated area; the only area an animation frame repaints. */
  readonly animation: Rect;
  /** The text area of the "Type here" window. */
  readonly textBox: Rect;
  /** The white canvas of the "Paint" window. */
  readonly paint: Rect;
  /** The status line at the foot of the paint canvas. */
  readonly status: Rect;
  /** The lock and modifier indicators. */
  readonly keyboard: Rect;
  readonly windows: readonly { readonly title: string; readonly frame: Rect }[];
}

export interface DemoScene {
  readonly width: number;
  readonly height: number;
  /** The full current picture. */
  readonly framebuffer: Framebuffer;
  readonly layout: DemoLayout;
  /**
   * Rectangles changed since the last call, merged (at most `MAX_DAMAGE_RECTS`); the first call
   * returns the whole screen. Read their pixels from `framebuffer` before the next input or tick.
   */
  takeDamage(): Rect[];
  /** Marks the whole screen changed (e.g. after the display surface was recreated). */
  damageAll(): void;
  /** Advances time to `nowMs` (default `now()`): the clock and the animation update here. */
  tick(nowMs?: number): void;
  /** A set-1 scancode as SPICE delivers it (see keyboard.ts). */
  keyScancode(code: number, down: boolean): void;
  /** Lock LEDs as SPICE_KEYBOARD_MODIFIER_FLAGS_* bits. */
  readonly keyboardLeds: number;
  setKeyboardLeds(leds: number): void;
  /** Absolute pointer position, clamped to the screen. */
  pointerMove(x: number, y: number): void;
  /** Relative pointer motion, clamped to the screen. */
  pointerMotion(dx: number, dy: number): void;
  /** A button press or release at the current pointer position. */
  pointerButton(button: PointerButton, down: boolean): void;
  /** The buttons held as a SPICE_MOUSE_BUTTON_MASK_* set; presses and releases follow from it. */
  pointerButtons(mask: number): void;
  readonly buttonMask: number;
  /** What the text box holds ('\n' for Enter, '\t' for Tab). */
  readonly typedText: string;
  /** Button presses in order (wheel steps included), oldest first. */
  readonly clicks: readonly DemoClick[];
  readonly pointer: Point;
  /** True when the pointer moved since the last `takeCursorMove()`. */
  readonly cursorDirty: boolean;
  /** The pointer position if it moved since the last call, else `undefined`. */
  takeCursorMove(): Point | undefined;
  /** The arrow pointer as an ALPHA cursor (see cursor.ts). */
  cursorShape(): CursorShape;
  /** The clock as shown, HH:MM:SS. */
  readonly clockText: string;
}

/** The clock text for a time: HH:MM:SS, local time unless `utc`. */
export function formatClock(ms: number, utc = false): string {
  const d = new Date(ms);
  const parts = utc
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds()];
  return parts.map((n) => String(n).padStart(2, '0')).join(':');
}

// Layout of the default 1024x768 screen; larger screens get more empty desktop, smaller ones clip.
const MENU_BAR_HEIGHT = 24;
const TITLE_BAR_HEIGHT = 22;
const WINDOW_PADDING = 8;
const SHADOW_OFFSET = 5;
const SHADOW_FACTOR = 0.62;
const CLOCK_CHARS = 8;
const CLOCK_MARGIN = 12;
const LINE_HEIGHT = 18;
const ANIMATION_WIDTH = 200;
const ANIMATION_HEIGHT = 150;
const BALL_RADIUS = 12;
/** Ball speed in pixels per second, horizontally and vertically. */
const BALL_SPEED_X = 110;
const BALL_SPEED_Y = 83;
const SPINNER_SPOKES = 8;
const SPINNER_STEP_MS = 125;
const MARK_RADIUS = 6;
const DOT_SPACING = 24;

const Theme = {
  desktopTop: 0x1d4e6e,
  desktopBottom: 0x47306b,
  desktopDot: 0x7f9fbf,
  menuTop: 0xf6f8fa,
  menuBottom: 0xd9dfe6,
  menuLine: 0x8d99a6,
  menuText: 0x1f2933,
  menuDim: 0x52606d,
  logo: 0xe8590c,
  windowBorder: 0x33404d,
  windowBody: 0xf3f5f8,
  titleActiveTop: 0x4a7fc7,
  titleActiveBottom: 0x2c5aa0,
  titleInactiveTop: 0x8c9bab,
  titleInactiveBottom: 0x66778a,
  titleText: 0xffffff,
  closeButton: 0xff5f57,
  minimizeButton: 0xfebc2e,
  maximizeButton: 0x28c840,
  text: 0x1f2933,
  dimText: 0x7b8794,
  boxLight: 0xffffff,
  boxDark: 0x8d99a6,
  boxBody: 0xffffff,
  caret: 0xd9480f,
  animationBack: 0x102a43,
  animationGrid: 0x1f3d5c,
  ball: 0xf59f00,
  ballShade: 0xc77700,
  ballShine: 0xffe8a3,
  spinnerDim: 0x334e68,
  spinnerLit: 0x9fb3c8,
  markOutline: 0x212529,
  ledOff: 0xbcc5cf,
  ledOn: 0x2f9e44,
} as const;

const MARK_COLORS: Readonly<Record<number, Color>> = {
  [PointerButton.Left]: 0xe03131,
  [PointerButton.Middle]: 0x2f9e44,
  [PointerButton.Right]: 0x1971c2,
};

const ABOUT_LINES = [
  'spice-ts is a SPICE remote-display server',
  'written in TypeScript for Node.js.',
  '',
  'You are looking at its built-in demo guest:',
  'these pixels reach your viewer as QXL',
  'drawables through the display channel.',
  '',
  'Type in the box below, click anywhere to',
  'paint, and watch the clock and the ball.',
];

interface Layer {
  /** Everything the layer may draw on. */
  readonly bounds: Rect;
  /** What the layer paints over completely (layers below it need no drawing there). */
  readonly opaque: Rect;
  draw(fb: Framebuffer): void;
}

interface WindowSpec {
  readonly title: string;
  readonly frame: Rect;
  readonly active: boolean;
  readonly content: (fb: Framebuffer, area: Rect) => void;
}

interface Mark {
  readonly x: number;
  readonly y: number;
  readonly color: Color;
}

function contentArea(frame: Rect): Rect {
  return {
    left: frame.left + 1 + WINDOW_PADDING,
    top: frame.top + 1 + TITLE_BAR_HEIGHT + WINDOW_PADDING,
    right: frame.right - 1 - WINDOW_PADDING,
    bottom: frame.bottom - 1 - WINDOW_PADDING,
  };
}

function triangleWave(distance: number, span: number): number {
  if (span <= 0) return 0;
  const period = 2 * span;
  const m = ((distance % period) + period) % period;
  return m <= span ? m : period - m;
}

function markBounds(mark: Point): Rect {
  const r = MARK_RADIUS + 1;
  return makeRect(mark.x - r, mark.y - r, 2 * r + 1, 2 * r + 1);
}

function checkSize(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new DemoRangeError(`demo ${name} ${value} must be an integer of at least ${min}`);
  }
  return value;
}

export function createDemoScene(init: DemoSceneInit = {}): DemoScene {
  const width = checkSize('width', init.width ?? DEFAULT_DEMO_WIDTH, MIN_DEMO_WIDTH);
  const height = checkSize('height', init.height ?? DEFAULT_DEMO_HEIGHT, MIN_DEMO_HEIGHT);
  const now = init.now ?? Date.now;
  const utcClock = init.utcClock ?? false;
  const animate = init.animate ?? true;
  const startMs = now();

  const fb = createFramebuffer(width, height);
  const damage = createDamageTracker(width, height);
  const keyboard = createUsKeyboard();

  // ---- layout ----
  const screen = makeRect(0, 0, width, height);
  const menuBar = makeRect(0, 0, width, MENU_BAR_HEIGHT);
  const clockRect = makeRect(
    width - CLOCK_MARGIN - CLOCK_CHARS * GLYPH_WIDTH,
    (MENU_BAR_HEIGHT - GLYPH_HEIGHT) >> 1,
    CLOCK_CHARS * GLYPH_WIDTH,
    GLYPH_HEIGHT,
  );
  const windowSize = (w: number, h: number): { w: number; h: number } => ({
    w: w + 2 * (1 + WINDOW_PADDING),
    h: h + 2 * (1 + WINDOW_PADDING) + TITLE_BAR_HEIGHT,
  });
  const aboutFrame = makeRect(40, 56, 440, 206);
  const typeFrame = makeRect(40, 290, 440, 280);
  const animSize = windowSize(ANIMATION_WIDTH, ANIMATION_HEIGHT);
  const animFrame = makeRect(540, 56, animSize.w, animSize.h);
  const keysFrame = makeRect(animFrame.right + 22, 56, 204, animSize.h);
  const paintFrame = makeRect(540, 270, 444, 300);

  const animation = contentArea(animFrame);
  const typeContent = contentArea(typeFrame);
  // The text sits in a sunken box: 1px bevel plus 5px padding.
  const textBox: Rect = {
    left: typeContent.left + 6,
    top: typeContent.top + 6,
    right: typeContent.right - 6,
    bottom: typeContent.bottom - 6,
  };
  const textCols = Math.floor(rectWidth(textBox) / GLYPH_WIDTH);
  const textRows = Math.floor(rectHeight(textBox) / GLYPH_HEIGHT);
  const paint = contentArea(paintFrame);
  const status = makeRect(paint.left + 6, paint.bottom - GLYPH_HEIGHT - 4, rectWidth(paint) - 12, GLYPH_HEIGHT);
  const keyboardArea = contentArea(keysFrame);

  // ---- state ----
  let typedText = '';
  let textLayout = visibleText();
  const clicks: DemoClick[] = [];
  const marks: Mark[] = [];
  let pointer: Point = { x: width >> 1, y: height >> 1 };
  let cursorDirty = false;
  let buttonMask = 0;
  let clockText = formatClock(startMs, utcClock);
  let clockSecond = Math.floor(startMs / 1000);
  let frame = animationFrame(startMs);
  let statusText = describeStatus();
  let keyboardState = describeKeyboard();

  function visibleText(): { rows: readonly string[]; caretRow: number; caretCol: number } {
    const layout = layoutText(typedText, textCols);
    const skip = Math.max(0, layout.lines.length - textRows);
    return {
      rows: layout.lines.slice(skip),
      caretRow: layout.caretRow - skip,
      caretCol: layout.caretCol,
    };
  }

  function animationFrame(nowMs: number): { ballX: number; ballY: number; spoke: number } {
    const elapsed = animate ? nowMs - startMs : 0;
    const w = rectWidth(animation);
    const h = rectHeight(animation);
    return {
      ballX: BALL_RADIUS + Math.round(triangleWave((elapsed * BALL_SPEED_X) / 1000, w - 1 - 2 * BALL_RADIUS)),
      ballY: BALL_RADIUS + Math.round(triangleWave((elapsed * BALL_SPEED_Y) / 1000 + 40, h - 1 - 2 * BALL_RADIUS)),
      spoke: ((Math.floor(elapsed / SPINNER_STEP_MS) % SPINNER_SPOKES) + SPINNER_SPOKES) % SPINNER_SPOKES,
    };
  }

  function describeStatus(): string {
    const held = ['L', 'M', 'R'].map((name, i) => (buttonMask & (1 << i) ? name : '-')).join('');
    return `pointer ${pointer.x},${pointer.y}  buttons ${held}  clicks ${clicks.length}`;
  }

  function describeKeyboard(): string {
    return [keyboard.leds, keyboard.shift ? 1 : 0, keyboard.ctrl ? 1 : 0, keyboard.alt ? 1 : 0].join(',');
  }

  // ---- drawing ----
  function drawDesktop(target: Framebuffer): void {
    const clip = target.clip;
    const top = MENU_BAR_HEIGHT;
    const span = Math.max(1, height - top - 1);
    const first = Math.max(clip.top, top);
    for (let y = first; y < clip.bottom; y++) {
      const color = mixColors(Theme.desktopTop, Theme.desktopBottom, (y - top) / span);
      target.fillRect(clip.left, y, clip.right - clip.left, 1, color);
      if ((y - top) % DOT_SPACING === DOT_SPACING >> 1) {
        const dot = mixColors(color, Theme.desktopDot, 0.5);
        const firstDot = Math.ceil((clip.left - (DOT_SPACING >> 1)) / DOT_SPACING);
        for (let x = firstDot * DOT_SPACING + (DOT_SPACING >> 1); x < clip.right; x += DOT_SPACING) {
          target.setPixel(x, y, dot);
        }
      }
    }
  }

  function drawMenuBar(target: Framebuffer): void {
    target.verticalGradient(0, 0, width, MENU_BAR_HEIGHT - 1, Theme.menuTop, Theme.menuBottom);
    target.hLine(0, MENU_BAR_HEIGHT - 1, width, Theme.menuLine);
    target.fillRoundedRect(6, 4, 16, 16, 4, Theme.logo);
    target.fillCircle(14, 12, 3, Theme.menuTop);
    drawText(target, 30, clockRect.top, 'spice-ts demo guest', Theme.menuText);
    drawText(target, 200, clockRect.top, 'File  Edit  View  Help', Theme.menuDim);
    drawText(target, clockRect.left, clockRect.top, clockText, Theme.menuText);
  }

  function drawWindow(target: Framebuffer, spec: WindowSpec): void {
    const { frame } = spec;
    const w = rectWidth(frame);
    const h = rectHeight(frame);
    // Shadow: darken what lies under the right and bottom edges.
    target.darkenRect(frame.left + SHADOW_OFFSET, frame.bottom, w, SHADOW_OFFSET, SHADOW_FACTOR);
    target.darkenRect(frame.right, frame.top + SHADOW_OFFSET, SHADOW_OFFSET, h - SHADOW_OFFSET, SHADOW_FACTOR);
    target.strokeRect(frame.left, frame.top, w, h, Theme.windowBorder);
    const [top, bottom] = spec.active
      ? [Theme.titleActiveTop, Theme.titleActiveBottom]
      : [Theme.titleInactiveTop, Theme.titleInactiveBottom];
    target.verticalGradient(frame.left + 1, frame.top + 1, w - 2, TITLE_BAR_HEIGHT, top, bottom);
    const textY = frame.top + 1 + ((TITLE_BAR_HEIGHT - GLYPH_HEIGHT) >> 1);
    drawText(target, frame.left + 10, textY, spec.title, Theme.titleText);
    const buttonY = frame.top + 1 + (TITLE_BAR_HEIGHT >> 1);
    const buttons = [Theme.minimizeButton, Theme.maximizeButton, Theme.closeButton];
    buttons.forEach((color, i) => {
      target.fillCircle(frame.right - 14 - (buttons.length - 1 - i) * 16, buttonY, 5, color);
    });
    target.fillRect(
      frame.left + 1,
      frame.top + 1 + TITLE_BAR_HEIGHT,
      w - 2,
      h - 2 - TITLE_BAR_HEIGHT,
      Theme.windowBody,
    );
    const area = contentArea(frame);
    target.withClip(area, () => spec.content(target, area));
  }

  function drawAbout(target: Framebuffer, area: Rect): void {
    ABOUT_LINES.forEach((line, i) => {
      drawText(target, area.left + 2, area.top + i * LINE_HEIGHT, line, Theme.text);
    });
  }

  function drawTypeBox(target: Framebuffer, area: Rect): void {
    const w = rectWidth(area);
    const h = rectHeight(area);
    target.fillRect(area.left, area.top, w, h, Theme.boxBody);
    target.bevelRect(area.left, area.top, w, h, Theme.boxDark, Theme.boxLight);
    target.withClip(textBox, () => {
      textLayout.rows.forEach((row, i) => {
        drawText(target, textBox.left, textBox.top + i * GLYPH_HEIGHT, row, Theme.text);
      });
      if (textLayout.rows.length === 1 && textLayout.rows[0] === '') {
        drawText(target, textBox.left + GLYPH_WIDTH, textBox.top, 'Type here...', Theme.dimText);
      }
      target.fillRect(
        textBox.left + textLayout.caretCol * GLYPH_WIDTH,
        textBox.top + textLayout.caretRow * GLYPH_HEIGHT,
        2,
        GLYPH_HEIGHT,
        Theme.caret,
      );
    });
  }

  function drawAnimation(target: Framebuffer, area: Rect): void {
    target.fillRect(area.left, area.top, rectWidth(area), rectHeight(area), Theme.animationBack);
    for (let x = area.left + 25; x < area.right; x += 25)
      target.vLine(x, area.top, rectHeight(area), Theme.animationGrid);
    for (let y = area.top + 25; y < area.bottom; y += 25)
      target.hLine(area.left, y, rectWidth(area), Theme.animationGrid);
    // Spinner in the bottom-right corner.
    const cx = area.right - 20;
    const cy = area.bottom - 20;
    for (let i = 0; i < SPINNER_SPOKES; i++) {
      const angle = (i / SPINNER_SPOKES) * 2 * Math.PI;
      const dx = Math.cos(angle);
      const dy = Math.sin(angle);
      const color = i === frame.spoke ? Theme.spinnerLit : Theme.spinnerDim;
      target.line(
        Math.round(cx + dx * 6),
        Math.round(cy + dy * 6),
        Math.round(cx + dx * 13),
        Math.round(cy + dy * 13),
        color,
      );
    }
    const bx = area.left + frame.ballX;
    const by = area.top + frame.ballY;
    target.fillCircle(bx, by, BALL_RADIUS, Theme.ballShade);
    target.fillCircle(bx - 1, by - 1, BALL_RADIUS - 2, Theme.ball);
    target.fillCircle(bx - 4, by - 4, 3, Theme.ballShine);
  }

  function drawKeyboard(target: Framebuffer, area: Rect): void {
    const items: [string, boolean][] = [
      ['Caps Lock', (keyboard.leds & KeyboardLed.CapsLock) !== 0],
      ['Num Lock', (keyboard.leds & KeyboardLed.NumLock) !== 0],
      ['Scroll Lock', (keyboard.leds & KeyboardLed.ScrollLock) !== 0],
      ['Shift', keyboard.shift],
      ['Ctrl', keyboard.ctrl],
      ['Alt', keyboard.alt],
    ];
    items.forEach(([label, on], i) => {
      const y = area.top + 4 + i * (LINE_HEIGHT + 4);
      target.fillCircle(area.left + 8, y + 8, 5, on ? Theme.ledOn : Theme.ledOff);
      drawText(target, area.left + 22, y, label, on ? Theme.text : Theme.dimText);
    });
  }

  function drawPaint(target: Framebuffer, area: Rect): void {
    const w = rectWidth(area);
    const h = rectHeight(area);
    target.fillRect(area.left, area.top, w, h, Theme.boxBody);
    target.bevelRect(area.left, area.top, w, h, Theme.boxDark, Theme.boxLight);
    drawText(target, area.left + 6, area.top + 6, 'Click anywhere to paint:', Theme.dimText);
    drawText(target, area.left + 6, area.top + 6 + LINE_HEIGHT, 'left red, middle green, right blue', Theme.dimText);
    target.hLine(area.left + 4, status.top - 4, w - 8, Theme.ledOff);
    drawText(target, status.left, status.top, statusText, Theme.text);
  }

  const windows: WindowSpec[] = [
    { title: 'About spice-ts', frame: aboutFrame, active: false, content: drawAbout },
    { title: 'Animation', frame: animFrame, active: false, content: drawAnimation },
    { title: 'Keyboard', frame: keysFrame, active: false, content: drawKeyboard },
    { title: 'Paint', frame: paintFrame, active: false, content: drawPaint },
    { title: 'Type here', frame: typeFrame, active: true, content: drawTypeBox },
  ];

  const layers: Layer[] = [
    { bounds: screen, opaque: screen, draw: drawDesktop },
    { bounds: menuBar, opaque: menuBar, draw: drawMenuBar },
    ...windows.map(
      (spec): Layer => ({
        bounds: {
          left: spec.frame.left,
          top: spec.frame.top,
          right: spec.frame.right + SHADOW_OFFSET,
          bottom: spec.frame.bottom + SHADOW_OFFSET,
        },
        opaque: spec.frame,
        draw: (target) => drawWindow(target, spec),
      }),
    ),
    {
      bounds: screen,
      opaque: EMPTY_RECT,
      draw: (target) => {
        for (const mark of marks) {
          if (!rectsOverlap(markBounds(mark), target.clip)) continue;
          target.fillCircle(mark.x, mark.y, MARK_RADIUS + 1, Theme.markOutline);
          target.fillCircle(mark.x, mark.y, MARK_RADIUS, mark.color);
        }
      },
    },
  ];

  /** Redraws a region from the layers and records it as damage. */
  function repaint(region: Rect): void {
    fb.withClip(region, () => {
      const clip = fb.clip;
      let first = 0;
      for (let i = layers.length - 1; i >= 0; i--) {
        if (rectContains((layers[i] as Layer).opaque, clip)) {
          first = i;
          break;
        }
      }
      for (let i = first; i < layers.length; i++) {
        const layer = layers[i] as Layer;
        if (rectsOverlap(layer.bounds, clip)) layer.draw(fb);
      }
    });
    damage.add(region);
  }

  function textRowRect(row: number): Rect {
    return makeRect(textBox.left, textBox.top + row * GLYPH_HEIGHT, rectWidth(textBox), GLYPH_HEIGHT);
  }

  function updateText(): void {
    const before = textLayout;
    const after = visibleText();
    textLayout = after;
    const rows = new Set<number>();
    for (let i = 0; i < Math.max(before.rows.length, after.rows.length); i++) {
      if ((before.rows[i] ?? '') !== (after.rows[i] ?? '')) rows.add(i);
    }
    if (before.caretRow !== after.caretRow || before.caretCol !== after.caretCol) {
      rows.add(before.caretRow);
      rows.add(after.caretRow);
    }
    const wasEmpty = before.rows.length === 1 && before.rows[0] === '';
    const isEmpty = after.rows.length === 1 && after.rows[0] === '';
    if (wasEmpty !== isEmpty) rows.add(0); // the "Type here..." hint
    for (const row of rows) {
      if (row >= 0 && row < textRows) repaint(textRowRect(row));
    }
  }

  function applyEdit(edit: TextEdit): void {
    switch (edit.type) {
      case 'insert':
        typedText += edit.text;
        if (typedText.length > MAX_TYPED_CHARS) typedText = typedText.slice(-MAX_TYPED_CHARS);
        break;
      case 'backspace':
        typedText = typedText.slice(0, -1);
        break;
      case 'clear':
        typedText = '';
        break;
    }
  }

  function updateStatus(): void {
    const next = describeStatus();
    if (next === statusText) return;
    statusText = next;
    repaint(status);
  }

  function updateKeyboard(): void {
    const next = describeKeyboard();
    if (next === keyboardState) return;
    keyboardState = next;
    repaint(keyboardArea);
  }

  function setPointer(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const nx = Math.min(width - 1, Math.max(0, Math.round(x)));
    const ny = Math.min(height - 1, Math.max(0, Math.round(y)));
    if (nx === pointer.x && ny === pointer.y) return;
    pointer = { x: nx, y: ny };
    cursorDirty = true;
    updateStatus();
  }

  function press(button: PointerButton): void {
    clicks.push({ x: pointer.x, y: pointer.y, button });
    if (clicks.length > MAX_CLICKS) clicks.shift();
    const color = MARK_COLORS[button];
    if (color !== undefined) {
      const mark: Mark = { x: pointer.x, y: pointer.y, color };
      marks.push(mark);
      if (marks.length > MAX_MARKS) {
        const old = marks.shift();
        if (old !== undefined) repaint(markBounds(old));
      }
      repaint(markBounds(mark));
    }
  }

  function setButton(button: number, down: boolean): void {
    if (!Number.isInteger(button) || button < PointerButton.Left || button > PointerButton.Down) return;
    const bit = 1 << (button - 1);
    const wasDown = (buttonMask & bit) !== 0;
    buttonMask = down ? buttonMask | bit : buttonMask & ~bit;
    // A press counts once; wheel "buttons" are pressed and released for every step.
    if (down && !wasDown) press(button as PointerButton);
    updateStatus();
  }

  repaint(screen);

  return {
    width,
    height,
    framebuffer: fb,
    layout: {
      menuBar,
      clock: clockRect,
      animation,
      textBox,
      paint,
      status,
      keyboard: keyboardArea,
      windows: windows.map((w) => ({ title: w.title, frame: w.frame })),
    },
    takeDamage: () => damage.take(),
    damageAll: () => damage.addAll(),
    tick(nowMs?: number): void {
      const t = nowMs ?? now();
      if (!Number.isFinite(t)) return;
      const second = Math.floor(t / 1000);
      if (second !== clockSecond) {
        clockSecond = second;
        const text = formatClock(t, utcClock);
        if (text !== clockText) {
          clockText = text;
          repaint(clockRect);
        }
      }
      const next = animationFrame(t);
      if (next.ballX !== frame.ballX || next.ballY !== frame.ballY || next.spoke !== frame.spoke) {
        frame = next;
        repaint(animation);
      }
    },
    keyScancode(code: number, down: boolean): void {
      const edits = keyboard.feed(code, down);
      if (edits.length > 0) {
        for (const edit of edits) applyEdit(edit);
        updateText();
      }
      updateKeyboard();
    },
    get keyboardLeds(): number {
      return keyboard.leds;
    },
    setKeyboardLeds(leds: number): void {
      keyboard.setLeds(leds);
      updateKeyboard();
    },
    pointerMove: (x, y) => setPointer(x, y),
    pointerMotion: (dx, dy) => setPointer(pointer.x + dx, pointer.y + dy),
    pointerButton: (button, down) => setButton(button, down),
    pointerButtons(mask: number): void {
      const next = mask & BUTTON_MASK_ALL;
      for (let button = PointerButton.Left; button <= PointerButton.Down; button++) {
        const bit = 1 << (button - 1);
        if ((next & bit) !== (buttonMask & bit)) setButton(button, (next & bit) !== 0);
      }
    },
    get buttonMask(): number {
      return buttonMask;
    },
    get typedText(): string {
      return typedText;
    },
    clicks,
    get pointer(): Point {
      return pointer;
    },
    get cursorDirty(): boolean {
      return cursorDirty;
    },
    takeCursorMove(): Point | undefined {
      if (!cursorDirty) return undefined;
      cursorDirty = false;
      return pointer;
    },
    cursorShape: () => createArrowCursor(),
    get clockText(): string {
      return clockText;
    },
  };
}
