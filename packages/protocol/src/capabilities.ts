import { TooLargeError } from './errors.js';

/** Most capability words a link message may carry per set (reds.cpp rejects more). */
export const MAX_CAPS_WORDS = 1024;

/**
 * A capability set as carried on the wire: bit n lives in bit n%32 of 32-bit word n/32.
 */
export class CapabilitySet {
  private readonly words: number[];

  constructor(words: Iterable<number> = []) {
    this.words = [...words].map((w) => w >>> 0);
  }

  static of(...bits: number[]): CapabilitySet {
    const set = new CapabilitySet();
    for (const bit of bits) set.add(bit);
    return set;
  }

  has(bit: number): boolean {
    const word = this.words[bit >>> 5];
    return word !== undefined && ((word >>> (bit & 31)) & 1) === 1;
  }

  add(bit: number): this {
    const index = bit >>> 5;
    if (index >= MAX_CAPS_WORDS) throw new TooLargeError('capability bit', bit, MAX_CAPS_WORDS * 32 - 1);
    while (this.words.length <= index) this.words.push(0);
    this.words[index] = ((this.words[index] ?? 0) | (1 << (bit & 31))) >>> 0;
    return this;
  }

  /** The 32-bit words, as many as the highest set bit needs. */
  toWords(): readonly number[] {
    return this.words;
  }

  get wordCount(): number {
    return this.words.length;
  }
}
