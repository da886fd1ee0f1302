import { describe, expect, it } from 'vitest';
import { MAX_DAMAGE_RECTS } from '../../src/demo/damage.js';
import { makeRect, type Rect, rectArea, rectContains, rectsOverlap } from '../../src/demo/rect.js';
import {
  createDemoScene,
  type DemoScene,
  type DemoSceneInit,
  formatClock,
  PointerButton,
} from '../../src/demo/scene.js';
import { BACKSPACE, ENTER, ESCAPE, tap, typeString } from './us-scancodes.js';

/** 2024-01-01 12:34:56.000 UTC. */
const T0 = Date.UTC(2024, 0, 1, 12, 34, 56);

function scene(init: DemoSceneInit = {}): DemoScene {
  const s = createDemoScene({ now: () => T0, utcClock: true, ...init });
  s.takeDamage();
  return s;
}

function snapshot(s: DemoScene, r: Rect): Uint8Array {
  return s.framebuffer.extract(r);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function covered(rects: readonly Rect[], r: Rect): boolean {
  return rects.some((q) => rectContains(q, r));
}

describe('demo scene', () => {
  it('returns the whole screen as the first damage and nothing when nothing changed', () => {
    const s = createDemoScene({ now: () => T0 });
    expect([s.width, s.height]).toEqual([1024, 768]);
    expect(s.takeDamage()).toEqual([makeRect(0, 0, 1024, 768)]);
    expect(s.takeDamage()).toEqual([]);
    s.tick(T0);
    expect(s.takeDamage()).toEqual([]);
  });

  it('honours a custom size and rejects a tiny one', () => {
    const s = createDemoScene({ width: 800, height: 600, now: () => T0 });
    expect(s.framebuffer.width).toBe(800);
    expect(s.takeDamage()).toEqual([makeRect(0, 0, 800, 600)]);
    expect(() => createDemoScene({ width: 100, height: 600 })).toThrow(
      expect.objectContaining({ code: 'ERR_DEMO_RANGE' }),
    );
  });

  it('renders the same picture for the same time', () => {
    const a = createDemoScene({ now: () => T0, utcClock: true });
    const b = createDemoScene({ now: () => T0, utcClock: true });
    expect(sameBytes(a.framebuffer.pixels, b.framebuffer.pixels)).toBe(true);
  });

  it('paints a background that is not one flat colour', () => {
    const s = scene();
    const fb = s.framebuffer;
    expect(fb.isUniform(makeRect(0, 600, 1024, 168))).toBeUndefined();
    expect(fb.getPixel(10, 30)).not.toBe(fb.getPixel(10, 760));
  });

  it('types "Hello, World!" through scancodes and repaints only the text box', () => {
    const s = scene({ animate: false });
    const box = s.layout.textBox;
    const before = snapshot(s, box);
    typeString(s, 'Hello, World!');
    expect(s.typedText).toBe('Hello, World!');
    expect(sameBytes(before, snapshot(s, box))).toBe(false);
    const damage = s.takeDamage();
    expect(damage.length).toBeGreaterThan(0);
    for (const r of damage) expect(rectContains(box, r) || rectContains(s.layout.keyboard, r)).toBe(true);
  });

  it('handles Backspace, Enter and Escape in the text box', () => {
    const s = scene();
    typeString(s, 'abc');
    tap(s, BACKSPACE);
    expect(s.typedText).toBe('ab');
    tap(s, ENTER);
    typeString(s, 'x');
    expect(s.typedText).toBe('ab\nx');
    const twoLines = snapshot(s, s.layout.textBox);
    tap(s, BACKSPACE);
    tap(s, BACKSPACE);
    expect(s.typedText).toBe('ab');
    expect(sameBytes(twoLines, snapshot(s, s.layout.textBox))).toBe(false);
    tap(s, BACKSPACE);
    tap(s, BACKSPACE);
    tap(s, BACKSPACE); // on an empty box: nothing
    expect(s.typedText).toBe('');
    typeString(s, 'zz');
    tap(s, ESCAPE);
    expect(s.typedText).toBe('');
  });

  it('shows the same text box for the same text however it was typed', () => {
    const a = scene();
    const b = scene();
    typeString(a, 'abc\nde');
    typeString(b, 'abXY');
    tap(b, BACKSPACE);
    tap(b, BACKSPACE);
    typeString(b, 'c\ndq');
    tap(b, BACKSPACE);
    typeString(b, 'e');
    expect(sameBytes(snapshot(a, a.layout.textBox), snapshot(b, b.layout.textBox))).toBe(true);
  });

  it('wraps and scrolls long text inside the box', () => {
    const s = scene();
    const long = 'the quick brown fox jumps over the lazy dog '.repeat(30);
    typeString(s, long);
    expect(s.typedText).toBe(long);
    for (const r of s.takeDamage())
      expect(rectContains(s.layout.textBox, r) || rectContains(s.layout.keyboard, r)).toBe(true);
  });

  it('does not type the 0xE0 prefix of extended keys', () => {
    const s = scene();
    s.keyScancode(0xe0, true);
    s.keyScancode(0x48, true); // Up arrow
    s.keyScancode(0xe0, false);
    s.keyScancode(0xc8, false);
    s.keyScancode(0x50e0, true); // Down arrow in one code
    s.keyScancode(0xd0e0, false);
    expect(s.typedText).toBe('');
    typeString(s, 'ok');
    expect(s.typedText).toBe('ok');
  });

  it('records a click with its position and button and paints a mark there', () => {
    const s = scene({ animate: false });
    const fb = s.framebuffer;
    const at = { x: 700, y: 700 }; // bare desktop
    const before = fb.getPixel(at.x, at.y);
    s.pointerMove(at.x, at.y);
    s.takeDamage();
    s.pointerButton(PointerButton.Left, true);
    s.pointerButton(PointerButton.Left, false);
    expect(s.clicks).toEqual([{ x: 700, y: 700, button: PointerButton.Left }]);
    const left = fb.getPixel(at.x, at.y);
    expect(left).not.toBe(before);
    const damage = s.takeDamage();
    expect(covered(damage, makeRect(at.x, at.y, 1, 1))).toBe(true);
    expect(damage.every((r) => rectArea(r) < 2000 || rectContains(s.layout.status, r))).toBe(true);

    s.pointerMove(760, 700);
    s.pointerButton(PointerButton.Right, true);
    s.pointerButton(PointerButton.Right, false);
    expect(s.clicks[1]).toEqual({ x: 760, y: 700, button: PointerButton.Right });
    expect(fb.getPixel(760, 700)).not.toBe(left);
    expect(fb.getPixel(760, 700)).not.toBe(before);
  });

  it('keeps marks above windows when a window area is repainted', () => {
    const s = scene();
    const box = s.layout.textBox;
    s.pointerMove(box.left + 3, box.top + 8);
    s.pointerButton(PointerButton.Middle, true);
    const marked = s.framebuffer.getPixel(box.left + 3, box.top + 8);
    typeString(s, 'abc');
    expect(s.framebuffer.getPixel(box.left + 3, box.top + 8)).toBe(marked);
  });

  it('records wheel steps as clicks without painting', () => {
    const s = scene({ animate: false });
    s.pointerMove(700, 700);
    const before = s.framebuffer.getPixel(700, 700);
    s.pointerButtons(1 << 3); // UP pressed
    s.pointerButtons(0);
    expect(s.clicks).toEqual([{ x: 700, y: 700, button: PointerButton.Up }]);
    expect(s.framebuffer.getPixel(700, 700)).toBe(before);
    expect(s.buttonMask).toBe(0);
  });

  it('derives presses from a SPICE button mask', () => {
    const s = scene();
    s.pointerMove(10, 400);
    s.pointerButtons(0b101); // left + right
    expect(s.buttonMask).toBe(0b101);
    s.pointerButtons(0b101); // held: no new clicks
    s.pointerButtons(0);
    expect(s.clicks.map((c) => c.button)).toEqual([PointerButton.Left, PointerButton.Right]);
  });

  it('moves the pointer absolutely and relatively, clamped to the screen', () => {
    const s = scene();
    expect(s.pointer).toEqual({ x: 512, y: 384 });
    expect(s.takeCursorMove()).toBeUndefined();
    s.pointerMove(100, 50);
    expect(s.cursorDirty).toBe(true);
    expect(s.takeCursorMove()).toEqual({ x: 100, y: 50 });
    expect(s.cursorDirty).toBe(false);
    expect(s.takeCursorMove()).toBeUndefined();
    s.pointerMotion(-500, 10);
    expect(s.pointer).toEqual({ x: 0, y: 60 });
    s.pointerMotion(5000, 5000);
    expect(s.pointer).toEqual({ x: 1023, y: 767 });
    s.pointerMove(-3, 99999);
    expect(s.takeCursorMove()).toEqual({ x: 0, y: 767 });
    s.pointerMove(0, 767);
    expect(s.cursorDirty).toBe(false);
  });

  it('repaints only the clock when a second passes', () => {
    const s = scene({ animate: false });
    expect(s.clockText).toBe('12:34:56');
    const before = snapshot(s, s.layout.clock);
    s.tick(T0 + 400);
    expect(s.takeDamage()).toEqual([]);
    s.tick(T0 + 1000);
    expect(s.clockText).toBe('12:34:57');
    expect(s.takeDamage()).toEqual([s.layout.clock]);
    expect(sameBytes(before, snapshot(s, s.layout.clock))).toBe(false);
    expect(rectContains(s.layout.menuBar, s.layout.clock)).toBe(true);
  });

  it('keeps clock and animation damage apart and small', () => {
    const s = scene();
    s.tick(T0 + 1000);
    const damage = s.takeDamage();
    expect(damage).toContainEqual(s.layout.clock);
    for (const r of damage) {
      expect(rectContains(s.layout.clock, r) || rectContains(s.layout.animation, r)).toBe(true);
    }
  });

  it('formats local or UTC time', () => {
    expect(formatClock(T0, true)).toBe('12:34:56');
    const d = new Date(T0);
    const local = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    expect(formatClock(T0)).toBe(local);
  });

  it('animates inside its area only, advancing at 20 Hz', () => {
    const s = scene();
    const area = s.layout.animation;
    expect(area.right - area.left).toBe(200);
    expect(area.bottom - area.top).toBe(150);
    let frames = 0;
    let previous = snapshot(s, area);
    for (let i = 1; i <= 19; i++) {
      s.tick(T0 + i * 50);
      const damage = s.takeDamage();
      expect(damage.length).toBeLessThanOrEqual(1);
      for (const r of damage) expect(r).toEqual(area);
      const now = snapshot(s, area);
      if (!sameBytes(now, previous)) frames++;
      previous = now;
    }
    expect(frames).toBe(19);
    // Outside the area nothing changed compared with a fresh scene at the same time.
    const fresh = scene();
    const outside = [makeRect(0, 0, 1024, area.top), makeRect(0, area.bottom, 1024, 768 - area.bottom)];
    for (const r of outside) expect(sameBytes(snapshot(s, r), snapshot(fresh, r))).toBe(true);
  });

  it('repaints the keyboard indicators when a lock changes', () => {
    const s = scene({ animate: false });
    s.setKeyboardLeds(4);
    expect(s.keyboardLeds).toBe(4);
    const damage = s.takeDamage();
    expect(damage).toEqual([s.layout.keyboard]);
    s.setKeyboardLeds(4);
    expect(s.takeDamage()).toEqual([]);
  });

  it('never returns a full-screen repaint or too many rectangles for busy input', () => {
    const s = scene();
    for (let i = 0; i < 300; i++) {
      s.pointerMove((i * 37) % 1024, (i * 91) % 768);
      s.pointerButton(((i % 3) + 1) as PointerButton, true);
      s.pointerButton(((i % 3) + 1) as PointerButton, false);
    }
    const damage = s.takeDamage();
    expect(damage.length).toBeGreaterThan(0);
    expect(damage.length).toBeLessThanOrEqual(MAX_DAMAGE_RECTS);
    expect(s.clicks).toHaveLength(300);
  });

  it('returns the arrow cursor with its hot spot', () => {
    const c = scene().cursorShape();
    expect(c.type).toBe('alpha');
    expect(c.data).toHaveLength(c.width * c.height * 4);
    expect(c.hotX).toBeLessThan(c.width);
    expect(c.hotY).toBeLessThan(c.height);
  });

  it('damages the whole screen on request', () => {
    const s = scene();
    s.damageAll();
    expect(s.takeDamage()).toEqual([makeRect(0, 0, 1024, 768)]);
  });

  it('lays the windows out inside the default screen without overlap', () => {
    const s = scene();
    const frames = s.layout.windows.map((w) => w.frame);
    expect(s.layout.windows.map((w) => w.title)).toEqual(
      expect.arrayContaining(['About spice-ts', 'Type here', 'Animation', 'Paint']),
    );
    for (const [i, a] of frames.entries()) {
      expect(rectContains(makeRect(0, 24, 1024, 744), a)).toBe(true);
      for (const b of frames.slice(i + 1)) expect(rectsOverlap(a, b)).toBe(false);
    }
  });

  it('renders fast: full screen in a few ms, an animation frame well under 1 ms', () => {
    createDemoScene({ now: () => T0 }); // warm up
    let start = performance.now();
    const s = createDemoScene({ now: () => T0 });
    const full = performance.now() - start;
    start = performance.now();
    for (let i = 1; i <= 100; i++) s.tick(T0 + i * 50);
    const perTick = (performance.now() - start) / 100;
    // Generous bounds: the machine is shared; typical figures are ~3 ms and ~0.05 ms.
    expect(full).toBeLessThan(50);
    expect(perTick).toBeLessThan(1);
  });
});
