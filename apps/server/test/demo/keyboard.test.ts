import { describe, expect, it } from 'vitest';
import { createUsKeyboard, KeyboardLed, type TextEdit } from '../../src/demo/keyboard.js';
import { CAPS_LOCK, LEFT_SHIFT, RIGHT_SHIFT, tap, typeString } from './us-scancodes.js';

function collect(): {
  edits: TextEdit[];
  keyScancode(code: number, down: boolean): void;
  kb: ReturnType<typeof createUsKeyboard>;
} {
  const kb = createUsKeyboard();
  const edits: TextEdit[] = [];
  return { edits, kb, keyScancode: (code, down) => edits.push(...kb.feed(code, down)) };
}

function text(edits: readonly TextEdit[]): string {
  return edits.map((e) => (e.type === 'insert' ? e.text : `<${e.type}>`)).join('');
}

describe('demo US keyboard', () => {
  it('types every printable ASCII character with shift where needed', () => {
    const sink = collect();
    let all = '';
    for (let c = 32; c < 127; c++) all += String.fromCharCode(c);
    typeString(sink, all);
    expect(text(sink.edits)).toBe(all);
  });

  it('follows Caps Lock for letters only, inverted by Shift', () => {
    const sink = collect();
    tap(sink, CAPS_LOCK);
    expect(sink.kb.leds).toBe(KeyboardLed.CapsLock);
    typeString(sink, 'a1');
    sink.keyScancode(RIGHT_SHIFT, true);
    tap(sink, 0x1e); // a
    tap(sink, 0x02); // 1
    sink.keyScancode(RIGHT_SHIFT | 0x80, false);
    tap(sink, CAPS_LOCK);
    typeString(sink, 'a');
    expect(text(sink.edits)).toBe('A1a!a');
    expect(sink.kb.leds).toBe(0);
  });

  it('does not toggle Caps Lock again on auto-repeat', () => {
    const kb = createUsKeyboard();
    kb.feed(CAPS_LOCK, true);
    kb.feed(CAPS_LOCK, true);
    kb.feed(CAPS_LOCK, true);
    kb.feed(CAPS_LOCK | 0x80, false);
    expect(kb.leds).toBe(KeyboardLed.CapsLock);
  });

  it('turns Backspace, Enter, Tab and Escape into edits', () => {
    const sink = collect();
    for (const code of [0x0e, 0x1c, 0x0f, 0x01]) tap(sink, code);
    expect(sink.edits).toEqual([
      { type: 'backspace' },
      { type: 'insert', text: '\n' },
      { type: 'insert', text: '\t' },
      { type: 'clear' },
    ]);
  });

  it('treats a byte with bit 0x80 as a release even when down is true', () => {
    const kb = createUsKeyboard();
    kb.feed(LEFT_SHIFT, true);
    expect(kb.shift).toBe(true);
    kb.feed(LEFT_SHIFT | 0x80, true);
    expect(kb.shift).toBe(false);
    expect(kb.feed(0x1e | 0x80, true)).toEqual([]);
  });

  it('never types the 0xE0 prefix, whether it comes alone or inside the code', () => {
    const kb = createUsKeyboard();
    expect(kb.feed(0xe0, true)).toEqual([]);
    expect(kb.feed(0x48, true)).toEqual([]); // E0 48: Up arrow, not keypad 8
    expect(kb.feed(0xe0, false)).toEqual([]);
    expect(kb.feed(0xc8, false)).toEqual([]);
    // spice-gtk's one-message form: bytes E0, code (little-endian).
    expect(kb.feed(0x4de0, true)).toEqual([]); // Right arrow
    expect(kb.feed(0xcde0, false)).toEqual([]);
    // After an extended key, plain keys type again.
    expect(kb.feed(0x1e, true)).toEqual([{ type: 'insert', text: 'a' }]);
  });

  it('maps extended Enter and keypad slash, and ignores the fake shifts of Print Screen', () => {
    const kb = createUsKeyboard();
    expect(kb.feed(0x1ce0, true)).toEqual([{ type: 'insert', text: '\n' }]);
    expect(kb.feed(0x35e0, true)).toEqual([{ type: 'insert', text: '/' }]);
    kb.feed(0x2ae0, true); // E0 2A: fake left shift
    expect(kb.shift).toBe(false);
    expect(kb.feed(0x1e, true)).toEqual([{ type: 'insert', text: 'a' }]);
  });

  it('tracks right Ctrl and Alt as extended keys and types nothing while they are held', () => {
    const kb = createUsKeyboard();
    kb.feed(0x1de0, true);
    expect(kb.ctrl).toBe(true);
    expect(kb.feed(0x1e, true)).toEqual([]);
    kb.feed(0x9de0, false);
    expect(kb.ctrl).toBe(false);
    kb.feed(0x38, true);
    expect(kb.alt).toBe(true);
    expect(kb.feed(0x1e, true)).toEqual([]);
  });

  it('swallows the Pause sequence', () => {
    const kb = createUsKeyboard();
    for (const b of [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5])
      expect(kb.feed(b, (b & 0x80) === 0 || b === 0xe1)).toEqual([]);
    expect(kb.leds).toBe(0);
    expect(kb.ctrl).toBe(false);
  });

  it('types keypad digits only with Num Lock on and takes LEDs from SPICE modifiers', () => {
    const kb = createUsKeyboard();
    expect(kb.feed(0x4f, true)).toEqual([]);
    kb.setLeds(KeyboardLed.NumLock | 0x80);
    expect(kb.leds).toBe(KeyboardLed.NumLock);
    expect(kb.feed(0x4f, true)).toEqual([{ type: 'insert', text: '1' }]);
    expect(kb.feed(0x37, true)).toEqual([{ type: 'insert', text: '*' }]);
  });

  it('ignores unknown codes and nonsense values', () => {
    const kb = createUsKeyboard();
    for (const code of [0, 0x3b, 0x58, 0x7f, -1, 1.5, Number.NaN, 2 ** 33]) {
      expect(kb.feed(code, true)).toEqual([]);
    }
  });
});
