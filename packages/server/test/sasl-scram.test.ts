import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SaslErrorCode } from '../src/sasl-errors.js';
import { decodeSaslName, deriveScramKeys, scramSha256Mechanism } from '../src/sasl-scram.js';

// RFC 7677 §3: the SCRAM-SHA-256 example exchange.
const RFC = {
  user: 'user',
  password: 'pencil',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const users: Record<string, string> = { user: 'pencil', 'a,b=c': 'secret' };
const lookup = (u: string) => users[u] ?? null;
const rfcMechanism = () => scramSha256Mechanism(lookup, { serverNonce: () => RFC.serverNonce, salt: () => RFC.salt });

/** Client proof for a server-first message, as a SCRAM client computes it. */
function clientFinal(password: string, clientFirstBare: string, serverFirst: string, gs2 = 'n,,'): string {
  const attrs = new Map(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
  const salted = pbkdf2Sync(password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=${Buffer.from(gs2).toString('base64')},r=${attrs.get('r')}`;
  const signature = createHmac('sha256', storedKey)
    .update(`${clientFirstBare},${serverFirst},${withoutProof}`)
    .digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

describe('SCRAM-SHA-256 server mechanism', () => {
  it('reproduces the RFC 7677 example exchange byte for byte', async () => {
    const m = rfcMechanism();
    const first = await m.step(text(RFC.clientFirst));
    expect(first.done).toBe(false);
    if (first.done) return;
    expect(str(first.challenge)).toBe(RFC.serverFirst);
    const final = await m.step(text(RFC.clientFinal));
    expect(final).toMatchObject({ done: true, ok: true, user: 'user' });
    if (!final.done || !final.ok) return;
    expect(str(final.additional!)).toBe(RFC.serverFinal);
  });

  it('derives the RFC 7677 server key', async () => {
    const keys = await deriveScramKeys('pencil', RFC.salt, 4096);
    const sig = createHmac('sha256', keys.serverKey)
      .update(
        `n=user,r=rOprNGfwEbeRWgbNEkqO,${RFC.serverFirst},${RFC.clientFinal.slice(0, RFC.clientFinal.indexOf(',p='))}`,
      )
      .digest('base64');
    expect(`v=${sig}`).toBe(RFC.serverFinal);
  });

  it('refuses a proof made with the wrong password', async () => {
    const m = rfcMechanism();
    await m.step(text(RFC.clientFirst));
    const final = await m.step(text(clientFinal('pencils', 'n=user,r=rOprNGfwEbeRWgbNEkqO', RFC.serverFirst)));
    expect(final).toMatchObject({ done: true, ok: false, user: 'user' });
  });

  it('runs an unknown user through the whole exchange and refuses it at the proof', async () => {
    const m = rfcMechanism();
    const first = await m.step(text('n,,n=nobody,r=abc'));
    expect(first.done).toBe(false);
    if (first.done) return;
    const final = await m.step(text(clientFinal('pencil', 'n=nobody,r=abc', str(first.challenge))));
    expect(final).toMatchObject({ done: true, ok: false, user: 'nobody' });
  });

  it('accepts the "y" flag, an authzid naming the same user and escaped user names', async () => {
    const m = scramSha256Mechanism(lookup);
    const first = await m.step(text('y,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=xyz'));
    if (first.done) throw new Error('unexpected end');
    const final = await m.step(
      text(clientFinal('secret', 'n=a=2Cb=3Dc,r=xyz', str(first.challenge), 'y,a=a=2Cb=3Dc,')),
    );
    expect(final).toMatchObject({ done: true, ok: true, user: 'a,b=c' });
  });

  it('refuses an authzid naming another user', async () => {
    const step = await scramSha256Mechanism(lookup).step(text('n,a=admin,n=user,r=xyz'));
    expect(step).toMatchObject({ done: true, ok: false });
  });

  it('refuses channel binding, which it does not offer', async () => {
    const step = await scramSha256Mechanism(lookup).step(text('p=tls-unique,,n=user,r=xyz'));
    expect(step).toMatchObject({ done: true, ok: false });
  });

  it('asks for the client-first message with an empty challenge when there is no initial response', async () => {
    const m = rfcMechanism();
    const empty = await m.step(null);
    expect(empty).toMatchObject({ done: false });
    if (empty.done) return;
    expect(empty.challenge.byteLength).toBe(0);
    const first = await m.step(text(RFC.clientFirst));
    if (first.done) throw new Error('unexpected end');
    expect(str(first.challenge)).toBe(RFC.serverFirst);
  });

  it.each([
    ['no GS2 header', 'n=user,r=abc'],
    ['a bad flag', 'x,,n=user,r=abc'],
    ['a mandatory extension', 'n,,m=ext,n=user,r=abc'],
    ['no user', 'n,,r=abc'],
    ['an empty nonce', 'n,,n=user,r='],
    ['a bad escape', 'n,,n=us=er,r=abc'],
    ['a truncated header', 'n,'],
  ])('throws a malformed-input error on a client-first message with %s', async (_, message) => {
    await expect(scramSha256Mechanism(lookup).step(text(message))).rejects.toMatchObject({
      code: SaslErrorCode.Malformed,
    });
  });

  it('throws a malformed-input error on invalid UTF-8', async () => {
    await expect(scramSha256Mechanism(lookup).step(Uint8Array.of(0x6e, 0x2c, 0x2c, 0xff))).rejects.toMatchObject({
      code: SaslErrorCode.Malformed,
    });
  });

  it.each([
    ['a changed nonce', RFC.clientFinal.replace('r=rOpr', 'r=xOpr')],
    ['a wrong channel binding', RFC.clientFinal.replace('c=biws', 'c=eSws')],
    ['no proof', 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0'],
    ['a short proof', 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA'],
  ])('throws a malformed-input error on a client-final message with %s', async (_, message) => {
    const m = rfcMechanism();
    await m.step(text(RFC.clientFirst));
    await expect(m.step(text(message))).rejects.toMatchObject({ code: SaslErrorCode.Malformed });
  });

  it('refuses data after the end of the exchange', async () => {
    const m = rfcMechanism();
    await m.step(text(RFC.clientFirst));
    await m.step(text(RFC.clientFinal));
    await expect(m.step(text('more'))).rejects.toMatchObject({ code: SaslErrorCode.Malformed });
  });

  it('decodes saslname escapes', () => {
    expect(decodeSaslName('a=2Cb=3D')).toBe('a,b=');
    expect(() => decodeSaslName('a=2')).toThrow();
  });
});
