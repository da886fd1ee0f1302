import { describe, expect, it } from 'vitest';
import { isYamlSubsetError, parseYamlSubset } from '../src/config-yaml.js';

describe('YAML subset reader', () => {
  it('reads scalars as YAML does: numbers, booleans, null, quoted and plain strings', () => {
    expect(
      parseYamlSubset(
        [
          'a: 12',
          'b: -3.5',
          'c: true',
          'd: False',
          'e: ~',
          'f: null',
          'g: 0.0.0.0',
          "h: 'it''s'",
          'i: "tab\\tnew\\nline"',
          'j:',
          'k: []',
          '...',
        ].join('\r\n'),
      ),
    ).toEqual({
      a: 12,
      b: -3.5,
      c: true,
      d: false,
      e: null,
      f: null,
      g: '0.0.0.0',
      h: "it's",
      i: 'tab\tnew\nline',
      j: null,
      k: [],
    });
  });

  it('reads a block list indented or not, and ends it at the next key', () => {
    expect(parseYamlSubset('list:\n- a\n-   b # c\nnext: 1\n')).toEqual({ list: ['a', 'b'], next: 1 });
    expect(() => parseYamlSubset('a: 1\n  - b\n')).toThrow(/line 2/);
  });

  it('throws only its own error on random input', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = 'ab:- #"\'[],\\\n\t{}&*|>~0123456789.';
    for (let round = 0; round < 3000; round++) {
      const text = Array.from({ length: random(40) }, () => alphabet[random(alphabet.length)]).join('');
      try {
        const result = parseYamlSubset(text);
        expect(typeof result).toBe('object');
      } catch (error) {
        expect(isYamlSubsetError(error), `${JSON.stringify(text)}: ${String(error)}`).toBe(true);
      }
    }
  });
});

describe('YAML subset reader keys', () => {
  it('keeps __proto__ as an ordinary key', () => {
    const result = parseYamlSubset('__proto__: [1]\n');
    expect(Object.keys(result)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result)).toBe(null);
  });
});
