// Decode and encode rate of a realistic mix: every message captured from a real reference session
// (test/fixtures/golden: main, display with images and streams, cursor, inputs, both directions),
// through the generated codecs. Prints messages/s and MB/s after the run.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, bench, describe } from 'vitest';
import * as baseCodecs from '../src/generated/base.js';
import * as cursorCodecs from '../src/generated/cursor.js';
import * as displayCodecs from '../src/generated/display.js';
import * as inputsCodecs from '../src/generated/inputs.js';
import * as mainCodecs from '../src/generated/main.js';
import { decodeDataHeader, type MessageCodec } from '../src/index.js';
import { channels } from '../src/schema/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures/golden');
const generated: Record<string, Record<string, unknown>> = {
  base: baseCodecs,
  main: mainCodecs,
  display: displayCodecs,
  inputs: inputsCodecs,
  cursor: cursorCodecs,
};

interface Item {
  codec: MessageCodec<unknown>;
  body: Uint8Array;
}

const items: Item[] = [];
for (const channel of ['main', 'display', 'cursor', 'inputs']) {
  for (const direction of ['server', 'client'] as const) {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, `${channel}-${direction}.bin`)));
    for (let at = 0; at + 6 <= bytes.byteLength; ) {
      const h = decodeDataHeader(bytes.subarray(at), true)!;
      const body = bytes.subarray(at + 6, at + 6 + h.size);
      at += 6 + h.size;
      const schemaName = h.type < 101 ? 'base' : channel;
      const msg = channels.find((c) => c.name === schemaName)?.[direction].find((m) => m.type === h.type);
      const codec = msg ? (generated[schemaName]?.[msg.id] as MessageCodec<unknown> | undefined) : undefined;
      if (!codec) throw new Error(`no codec for ${channel} ${direction} type ${h.type}`);
      items.push({ codec, body });
    }
  }
}
const decoded = items.map((i) => i.codec.decode(i.body));
const totalBytes = items.reduce((n, i) => n + i.body.byteLength + 6, 0);
const totals = { decode: { runs: 0, ms: 0 }, encode: { runs: 0, ms: 0 } };

describe(`captured mix (${items.length} messages, ${(totalBytes / 1024).toFixed(0)} KiB)`, () => {
  bench('decode all', () => {
    const t0 = performance.now();
    for (const i of items) i.codec.decode(i.body);
    totals.decode.ms += performance.now() - t0;
    totals.decode.runs += 1;
  });
  bench('encode all', () => {
    const t0 = performance.now();
    for (let k = 0; k < items.length; k++) items[k]!.codec.encode(decoded[k]);
    totals.encode.ms += performance.now() - t0;
    totals.encode.runs += 1;
  });
});

afterAll(() => {
  for (const [what, t] of Object.entries(totals)) {
    const seconds = t.ms / 1000;
    console.log(
      `captured mix ${what}: ${Math.round((items.length * t.runs) / seconds).toLocaleString('en')} messages/s, ` +
        `${((totalBytes * t.runs) / seconds / 1e6).toFixed(0)} MB/s`,
    );
  }
});
