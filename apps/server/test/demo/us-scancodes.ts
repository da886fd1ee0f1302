/** Test helper: set-1 make codes of a US keyboard, and key sequences that type a string. */

const PLAIN = "1234567890-=qwertyuiop[]asdfghjkl;'`\\zxcvbnm,./ ";
const SHIFTED = '!@#$%^&*()_+QWERTYUIOP{}ASDFGHJKL:"~|ZXCVBNM<>? ';
const CODES = [
  0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
  0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2b, 0x2c,
  0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x39,
];

export const LEFT_SHIFT = 0x2a;
export const RIGHT_SHIFT = 0x36;
export const CAPS_LOCK = 0x3a;
export const BACKSPACE = 0x0e;
export const ENTER = 0x1c;
export const TAB = 0x0f;
export const ESCAPE = 0x01;

export interface KeySink {
  keyScancode(code: number, down: boolean): void;
}

/** Press and release one key the way a SPICE KEY_DOWN / KEY_UP pair carries it. */
export function tap(sink: KeySink, code: number): void {
  sink.keyScancode(code, true);
  sink.keyScancode(code | 0x80, false);
}

/** Types `text` with the shift keys where needed; '\n' is Enter. */
export function typeString(sink: KeySink, text: string): void {
  for (const ch of text) {
    if (ch === '\n') {
      tap(sink, ENTER);
      continue;
    }
    const plain = PLAIN.indexOf(ch);
    const shifted = SHIFTED.indexOf(ch);
    if (plain >= 0) {
      tap(sink, CODES[plain] as number);
    } else if (shifted >= 0) {
      sink.keyScancode(LEFT_SHIFT, true);
      tap(sink, CODES[shifted] as number);
      sink.keyScancode(LEFT_SHIFT | 0x80, false);
    } else {
      throw new Error(`no US key for ${JSON.stringify(ch)}`);
    }
  }
}
