import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinkKey, decryptTicket } from '../src/ticket.js';

function encrypt(publicDer: Uint8Array, password: string): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicDer), format: 'der', type: 'spki' });
  return new Uint8Array(
    publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(`${password}\0`)),
  );
}

describe('ticket decryption', () => {
  it('reads an OAEP ticket, and refuses bytes that are not one', async () => {
    const key = await createLinkKey();
    expect(decryptTicket(key, encrypt(key.publicDer, 'secret'))).toBe('secret');
    expect(decryptTicket(key, new Uint8Array(128).fill(7))).toBeNull();
  });

  it("reads spice-html5's short ticket: a ciphertext with a leading zero sent one byte short", async () => {
    const key = await createLinkKey();
    // Encrypt until the RSA result starts with a zero byte (about 1 in 256), then send it the way
    // spice-html5's ticket.js does: without that byte, left-aligned in the 128-byte field.
    let ciphertext = encrypt(key.publicDer, 'secret');
    for (let i = 0; ciphertext[0] !== 0 && i < 5000; i++) ciphertext = encrypt(key.publicDer, 'secret');
    expect(ciphertext[0]).toBe(0);
    const asHtml5Sends = new Uint8Array(128);
    asHtml5Sends.set(ciphertext.subarray(1), 0);
    expect(decryptTicket(key, asHtml5Sends)).toBe('secret');
  });
});
