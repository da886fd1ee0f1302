import { describe, expect, it } from 'vitest';
import { expandTabs, layoutText } from '../../src/demo/text-layout.js';

describe('demo text layout', () => {
  it('puts the caret after the last character', () => {
    expect(layoutText('', 10)).toEqual({ lines: [''], caretRow: 0, caretCol: 0 });
    expect(layoutText('abc', 10)).toEqual({ lines: ['abc'], caretRow: 0, caretCol: 3 });
    expect(layoutText('abc\n', 10)).toEqual({ lines: ['abc', ''], caretRow: 1, caretCol: 0 });
  });

  it('wraps at the last space that fits, or inside a long word', () => {
    expect(layoutText('hello big world', 10).lines).toEqual(['hello big', 'world']);
    expect(layoutText('abcdefghijklm', 5).lines).toEqual(['abcde', 'fghij', 'klm']);
  });

  it('moves the caret to a new line when the last line is full', () => {
    expect(layoutText('abcde', 5)).toEqual({ lines: ['abcde', ''], caretRow: 1, caretCol: 0 });
  });

  it('expands tabs to the next stop of four columns', () => {
    expect(expandTabs('\tx')).toBe('    x');
    expect(expandTabs('ab\tc\t')).toBe('ab  c   ');
    expect(layoutText('a\tb', 20).lines).toEqual(['a   b']);
  });
});
