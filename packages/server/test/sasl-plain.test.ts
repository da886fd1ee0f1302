import { describe, expect, it } from 'vitest';
import { SaslErrorCode } from '../src/sasl-errors.js';
import { plainMechanism } from '../src/sasl-plain.js';

const text = (s: string) => new TextEncoder().encode(s);
const lookup = (u: string) => (u === 'alice' ? 'wonder land' : null);

describe('PLAIN server mechanism', () => {
  it('accepts the right password in one message', async () => {
    expect(await plainMechanism(lookup).step(text('\0alice\0wonder land'))).toEqual({
      done: true,
      ok: true,
      user: 'alice',
      additional: null,
    });
  });

  it('accepts an authzid equal to the user and refuses another one', async () => {
    expect(await plainMechanism(lookup).step(text('alice\0alice\0wonder land'))).toMatchObject({ ok: true });
    expect(await plainMechanism(lookup).step(text('root\0alice\0wonder land'))).toMatchObject({ ok: false });
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    expect(await plainMechanism(lookup).step(text('\0alice\0wonderland'))).toMatchObject({ done: true, ok: false });
    expect(await plainMechanism(lookup).step(text('\0bob\0wonder land'))).toMatchObject({ done: true, ok: false });
  });

  it('sends an empty challenge when there is no initial response, then takes the credentials', async () => {
    const m = plainMechanism(lookup);
    const first = await m.step(null);
    expect(first.done).toBe(false);
    expect(await m.step(text('\0alice\0wonder land'))).toMatchObject({ ok: true });
  });

  it.each([
    ['two fields', '\0alice'],
    ['four fields', '\0alice\0pw\0x'],
    ['an empty user', '\0\0pw'],
    ['a field over 255 bytes', `\0alice\0${'x'.repeat(256)}`],
  ])('throws a malformed-input error on %s', async (_, message) => {
    await expect(plainMechanism(lookup).step(text(message))).rejects.toMatchObject({ code: SaslErrorCode.Malformed });
  });

  it('throws a malformed-input error on a second missing response', async () => {
    const m = plainMechanism(lookup);
    await m.step(null);
    await expect(m.step(null)).rejects.toMatchObject({ code: SaslErrorCode.Malformed });
  });
});
