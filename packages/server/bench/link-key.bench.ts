import { bench, describe } from 'vitest';
import { createLinkKey } from '../src/index.js';

// Every link (every channel connection) gets a fresh RSA-1024 key, as upstream does: this is
// the largest fixed cost of connecting a channel.
describe('link phase', () => {
  bench('RSA-1024 key pair per link', async () => {
    await createLinkKey();
  });
});
