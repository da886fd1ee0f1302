import type { Logger } from '@spice-ts/channel';
import { createGuestDriver, type GuestDriver, type QxlDevice } from '@spice-ts/qxl';
import type { KeyboardDevice, MouseDevice, TabletDevice } from '@spice-ts/server';
import type { Rect } from './rect.js';
import { createDemoScene, type DemoScene } from './scene.js';

/** SPICE_CURSOR_TYPE_ALPHA. */
const CURSOR_TYPE_ALPHA = 0;

export interface DemoGuestInit {
  device: QxlDevice;
  width: number;
  height: number;
  /** Clock and animation updates per second. */
  fps: number;
  /** false: a still picture (no clock, no animation), for screenshots. */
  animate: boolean;
  logger: Logger;
  now?: () => number;
}

/**
 * The built-in demo guest: a guest "graphics driver" written against the QXL device. It keeps a
 * desktop picture (DemoScene) and tells the device what changed the way a real driver does:
 * DRAW_FILL for uniform areas, DRAW_COPY with a bitmap for the rest, cursor commands for the
 * pointer. Keyboard, mouse and tablet input from SPICE clients drive the scene.
 */
export class DemoGuest {
  readonly scene: DemoScene;
  readonly driver: GuestDriver;
  readonly counters = { fills: 0, copies: 0, cursorMoves: 0, flushes: 0 };
  private readonly init: DemoGuestInit;
  private timer: ReturnType<typeof setInterval> | null = null;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  private flushQueued = false;
  private paused = false;
  private stopped = false;

  constructor(init: DemoGuestInit) {
    this.init = init;
    const now = init.now ?? Date.now;
    this.scene = createDemoScene({ width: init.width, height: init.height, now, animate: init.animate });
    this.driver = createGuestDriver(init.device);
  }

  /** Creates the primary surface, sets the pointer shape, draws the desktop, starts the clock. */
  async start(): Promise<void> {
    await this.driver.createPrimary({ width: this.init.width, height: this.init.height });
    const shape = this.scene.cursorShape();
    const pointer = this.scene.pointer;
    await this.driver.cursorSet({
      x: pointer.x,
      y: pointer.y,
      visible: true,
      shape: {
        width: shape.width,
        height: shape.height,
        hotX: shape.hotX,
        hotY: shape.hotY,
        type: CURSOR_TYPE_ALPHA,
        data: shape.data,
      },
    });
    await this.flush();
    if (this.init.animate) {
      this.timer = setInterval(
        () => {
          if (this.paused) return;
          this.scene.tick();
          this.requestFlush();
        },
        Math.round(1000 / this.init.fps),
      );
    }
    this.init.logger.info(
      { width: this.init.width, height: this.init.height, fps: this.init.animate ? this.init.fps : 0 },
      'demo guest running',
    );
  }

  /** Stops the clock and the animation (input still works). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Resolves when every change made so far has been pushed to the device. */
  async settle(): Promise<void> {
    while (this.flushing || this.flushQueued) {
      await (this.flushing ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  private requestFlush(): void {
    if (this.flushQueued || this.stopped) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      void this.flush();
    });
  }

  /** Pushes the scene's damage and pointer moves to the device; one flush at a time. */
  private flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    // Cleared in a .finally() so that it happens after the assignment below, even when the body
    // has nothing to await and completes at once.
    const running: Promise<void> = this.pushChanges().finally(() => {
      if (this.flushing === running) this.flushing = null;
    });
    this.flushing = running;
    return running;
  }

  private async pushChanges(): Promise<void> {
    try {
      do {
        this.flushAgain = false;
        this.counters.flushes += 1;
        for (const rect of this.scene.takeDamage()) await this.drawRect(rect);
        const move = this.scene.takeCursorMove();
        if (move) {
          this.counters.cursorMoves += 1;
          await this.driver.cursorMove(move.x, move.y);
        }
      } while (this.flushAgain && !this.stopped);
    } catch (error) {
      this.init.logger.error({ err: error }, 'demo guest failed to draw');
    }
  }

  private async drawRect(rect: Rect): Promise<void> {
    const fb = this.scene.framebuffer;
    const bbox = { top: rect.top, left: rect.left, bottom: rect.bottom, right: rect.right };
    const color = fb.isUniform(rect);
    if (color !== undefined) {
      this.counters.fills += 1;
      await this.driver.drawFill({ bbox, color });
      return;
    }
    const width = rect.right - rect.left;
    const height = rect.bottom - rect.top;
    this.counters.copies += 1;
    await this.driver.drawCopy({ bbox, pixels: fb.extract(rect), stride: width * 4, width, height });
  }

  // ---- input devices (what the SPICE inputs channel drives) --------------------------------------

  readonly keyboard: KeyboardDevice = {
    pushScancode: (byte) => {
      this.scene.keyScancode(byte, (byte & 0x80) === 0);
      this.requestFlush();
    },
    leds: () => this.scene.keyboardLeds,
  };

  readonly mouse: MouseDevice = {
    motion: (dx, dy, dz, buttons) => {
      this.scene.pointerMotion(dx, dy);
      this.wheel(dz);
      this.scene.pointerButtons(buttons);
      this.requestFlush();
    },
    buttons: (mask) => {
      this.scene.pointerButtons(mask);
      this.requestFlush();
    },
  };

  readonly tablet: TabletDevice = {
    position: (x, y, buttons) => {
      this.scene.pointerMove(x, y);
      this.scene.pointerButtons(buttons);
      this.requestFlush();
    },
    wheel: (dz) => {
      this.wheel(dz);
      this.requestFlush();
    },
    buttons: (mask) => {
      this.scene.pointerButtons(mask);
      this.requestFlush();
    },
  };

  private wheel(dz: number): void {
    if (dz === 0) return;
    const button = dz < 0 ? 4 : 5;
    this.scene.pointerButton(button, true);
    this.scene.pointerButton(button, false);
  }
}
