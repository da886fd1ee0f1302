import type { Logger } from '@spice-ts/channel';
import { createQxlScreen, type GuestDriver, type QxlDevice, type QxlScreen } from '@spice-ts/qxl';
import type { KeyboardDevice, MouseDevice, TabletDevice } from '@spice-ts/server';
import type { Rect } from './rect.js';
import { createDemoScene, type DemoScene } from './scene.js';

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
 * The built-in demo guest, written as any embedder would: against the QxlScreen API of
 * @spice-ts/qxl, which turns it into real QXL commands. It keeps a desktop picture (DemoScene) and
 * sends what changed: fills for uniform areas, images for the rest, pointer moves. Keyboard, mouse
 * and tablet input from SPICE clients drive the scene.
 */
export class DemoGuest {
  readonly scene: DemoScene;
  private screen: QxlScreen | null = null;
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
  }

  /** The QXL driver under the screen (for statistics); there is none before start(). */
  get driver(): GuestDriver {
    if (!this.screen) throw new Error('the demo guest has not started yet');
    return this.screen.driver;
  }

  /** Creates the primary surface, sets the pointer shape, draws the desktop, starts the clock. */
  async start(): Promise<void> {
    const screen = await createQxlScreen(this.init.device, { width: this.init.width, height: this.init.height });
    this.screen = screen;
    const shape = this.scene.cursorShape();
    const pointer = this.scene.pointer;
    await screen.setCursor({ ...shape, format: 'bgra' }, pointer.x, pointer.y);
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
          await this.screen?.moveCursor(move.x, move.y);
        }
      } while (this.flushAgain && !this.stopped);
    } catch (error) {
      this.init.logger.error({ err: error }, 'demo guest failed to draw');
    }
  }

  private async drawRect(rect: Rect): Promise<void> {
    const screen = this.screen;
    if (!screen) return;
    const fb = this.scene.framebuffer;
    const width = rect.right - rect.left;
    const height = rect.bottom - rect.top;
    const color = fb.isUniform(rect);
    if (color !== undefined) {
      this.counters.fills += 1;
      await screen.fillRect({ x: rect.left, y: rect.top, width, height }, color & 0xffffff);
      return;
    }
    this.counters.copies += 1;
    await screen.putImage({ width, height, data: fb.extract(rect), format: 'bgrx' }, rect.left, rect.top);
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
