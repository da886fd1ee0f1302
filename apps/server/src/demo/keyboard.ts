/**
 * A US-layout keyboard fed with PC/XT scancode set 1, the way SPICE's inputs channel carries keys:
 * a make code per press, the same code with bit 0x80 on release, and a 0xE0 byte before the code
 * of extended keys (right Ctrl/Alt, arrows, keypad Enter and /, ...). spice-gtk puts an extended
 * key in one `code` as `0xE0 | code << 8` (little-endian bytes E0, code); a keyboard device
 * receives the same bytes one at a time. Both forms are accepted.
 */

/** SPICE_KEYBOARD_MODIFIER_FLAGS_* (spice-protocol `enums.h`): the lock LEDs. */
export const KeyboardLed = {
  ScrollLock: 1,
  NumLock: 2,
  CapsLock: 4,
} as const;
export type KeyboardLed = (typeof KeyboardLed)[keyof typeof KeyboardLed];

/** What a key does to the text box. */
export type TextEdit =
  | { readonly type: 'insert'; readonly text: string }
  | { readonly type: 'backspace' }
  | { readonly type: 'clear' };

export interface UsKeyboard {
  /**
   * Feeds one scancode message or byte. Every byte of `code` is used, lowest first, up to the
   * first zero byte after it; a byte is a release if it has bit 0x80 or `down` is false.
   * Returns the edits the key presses cause (usually none or one).
   */
  feed(code: number, down: boolean): TextEdit[];
  /** Lock state as `KeyboardLed` bits (what a keyboard device reports as its LEDs). */
  readonly leds: number;
  /** Sets the lock state, e.g. from SPICE's KEY_MODIFIERS message. */
  setLeds(leds: number): void;
  readonly shift: boolean;
  readonly ctrl: boolean;
  readonly alt: boolean;
}

/** Set-1 make codes we act on. */
const Scancode = {
  Escape: 0x01,
  Backspace: 0x0e,
  Tab: 0x0f,
  Enter: 0x1c,
  Ctrl: 0x1d,
  LeftShift: 0x2a,
  RightShift: 0x36,
  KeypadStar: 0x37,
  Alt: 0x38,
  CapsLock: 0x3a,
  NumLock: 0x45,
  ScrollLock: 0x46,
  KeypadMinus: 0x4a,
  KeypadPlus: 0x4e,
  KeypadSlash: 0x35, // only after 0xE0
} as const;

const PREFIX_EXTENDED = 0xe0;
/** Pause sends E1 1D 45 E1 9D C5: after each E1 two bytes belong to it. */
const PREFIX_PAUSE = 0xe1;
const PAUSE_TAIL_BYTES = 2;

/** Characters of the main block by make code: plain then shifted. Letters follow Caps Lock. */
// biome-ignore format: one keyboard row per line reads better
const MAIN_KEYS: ReadonlyMap<number, string> = new Map([
  [0x02, '1!'], [0x03, '2@'], [0x04, '3#'], [0x05, '4$'], [0x06, '5%'], [0x07, '6^'],
  [0x08, '7&'], [0x09, '8*'], [0x0a, '9('], [0x0b, '0)'], [0x0c, '-_'], [0x0d, '=+'],
  [0x10, 'qQ'], [0x11, 'wW'], [0x12, 'eE'], [0x13, 'rR'], [0x14, 'tT'], [0x15, 'yY'],
  [0x16, 'uU'], [0x17, 'iI'], [0x18, 'oO'], [0x19, 'pP'], [0x1a, '[{'], [0x1b, ']}'],
  [0x1e, 'aA'], [0x1f, 'sS'], [0x20, 'dD'], [0x21, 'fF'], [0x22, 'gG'], [0x23, 'hH'],
  [0x24, 'jJ'], [0x25, 'kK'], [0x26, 'lL'], [0x27, ";:"], [0x28, '\'"'], [0x29, '`~'],
  [0x2b, '\\|'], [0x2c, 'zZ'], [0x2d, 'xX'], [0x2e, 'cC'], [0x2f, 'vV'], [0x30, 'bB'],
  [0x31, 'nN'], [0x32, 'mM'], [0x33, ',<'], [0x34, '.>'], [0x35, '/?'], [0x39, '  '],
]);

/** Keypad keys that type digits when Num Lock is on (7 8 9 / 4 5 6 / 1 2 3 / 0 .). */
// biome-ignore format: laid out like the keypad
const KEYPAD_NUM_KEYS: ReadonlyMap<number, string> = new Map([
  [0x47, '7'], [0x48, '8'], [0x49, '9'], [0x4b, '4'], [0x4c, '5'], [0x4d, '6'],
  [0x4f, '1'], [0x50, '2'], [0x51, '3'], [0x52, '0'], [0x53, '.'],
]);

export function createUsKeyboard(): UsKeyboard {
  let extended = false;
  let pauseBytes = 0;
  let leftShift = false;
  let rightShift = false;
  let leftCtrl = false;
  let rightCtrl = false;
  let leftAlt = false;
  let rightAlt = false;
  let leds = 0;
  /** Lock keys held down, so auto-repeat does not toggle them again. */
  const held = new Set<number>();

  function toggleLock(code: number, led: KeyboardLed, release: boolean): void {
    if (release) {
      held.delete(code);
    } else if (!held.has(code)) {
      held.add(code);
      leds ^= led;
    }
  }

  function key(code: number, isExtended: boolean, release: boolean): TextEdit | undefined {
    if (isExtended) {
      switch (code) {
        case Scancode.Ctrl:
          rightCtrl = !release;
          return undefined;
        case Scancode.Alt:
          rightAlt = !release;
          return undefined;
        case Scancode.Enter:
          return release || leftCtrl || rightCtrl || leftAlt || rightAlt ? undefined : { type: 'insert', text: '\n' };
        case Scancode.KeypadSlash:
          return release || leftCtrl || rightCtrl || leftAlt || rightAlt ? undefined : { type: 'insert', text: '/' };
        default:
          // Arrows, Home/End, Insert/Delete, the fake shifts of Print Screen, GUI keys: ignored.
          return undefined;
      }
    }
    switch (code) {
      case Scancode.LeftShift:
        leftShift = !release;
        return undefined;
      case Scancode.RightShift:
        rightShift = !release;
        return undefined;
      case Scancode.Ctrl:
        leftCtrl = !release;
        return undefined;
      case Scancode.Alt:
        leftAlt = !release;
        return undefined;
      case Scancode.CapsLock:
        toggleLock(code, KeyboardLed.CapsLock, release);
        return undefined;
      case Scancode.NumLock:
        toggleLock(code, KeyboardLed.NumLock, release);
        return undefined;
      case Scancode.ScrollLock:
        toggleLock(code, KeyboardLed.ScrollLock, release);
        return undefined;
    }
    if (release || leftCtrl || rightCtrl || leftAlt || rightAlt) return undefined;
    switch (code) {
      case Scancode.Escape:
        return { type: 'clear' };
      case Scancode.Backspace:
        return { type: 'backspace' };
      case Scancode.Tab:
        return { type: 'insert', text: '\t' };
      case Scancode.Enter:
        return { type: 'insert', text: '\n' };
      case Scancode.KeypadStar:
        return { type: 'insert', text: '*' };
      case Scancode.KeypadMinus:
        return { type: 'insert', text: '-' };
      case Scancode.KeypadPlus:
        return { type: 'insert', text: '+' };
    }
    const pad = KEYPAD_NUM_KEYS.get(code);
    if (pad !== undefined) {
      return leds & KeyboardLed.NumLock ? { type: 'insert', text: pad } : undefined;
    }
    const pair = MAIN_KEYS.get(code);
    if (pair === undefined) return undefined;
    const plain = pair.charAt(0);
    const shifted = pair.charAt(1);
    let upper = leftShift || rightShift;
    if (leds & KeyboardLed.CapsLock && plain >= 'a' && plain <= 'z') upper = !upper;
    return { type: 'insert', text: upper ? shifted : plain };
  }

  function byte(b: number, down: boolean, edits: TextEdit[]): void {
    if (pauseBytes > 0) {
      pauseBytes--;
      return;
    }
    if (b === PREFIX_EXTENDED) {
      extended = true;
      return;
    }
    if (b === PREFIX_PAUSE) {
      extended = false;
      pauseBytes = PAUSE_TAIL_BYTES;
      return;
    }
    const isExtended = extended;
    extended = false;
    const edit = key(b & 0x7f, isExtended, !down || (b & 0x80) !== 0);
    if (edit !== undefined) edits.push(edit);
  }

  return {
    feed(code: number, down: boolean): TextEdit[] {
      const edits: TextEdit[] = [];
      if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) return edits;
      let rest = code >>> 0;
      do {
        byte(rest & 0xff, down, edits);
        rest >>>= 8;
      } while (rest !== 0);
      return edits;
    },
    get leds(): number {
      return leds;
    },
    setLeds(value: number): void {
      leds = value & (KeyboardLed.ScrollLock | KeyboardLed.NumLock | KeyboardLed.CapsLock);
    },
    get shift(): boolean {
      return leftShift || rightShift;
    },
    get ctrl(): boolean {
      return leftCtrl || rightCtrl;
    },
    get alt(): boolean {
      return leftAlt || rightAlt;
    },
  };
}
