// trim-recording.mjs: cuts a SPICE_REPLAY recording after its last event at or before a time.
//
//   node trim-recording.mjs IN CUT_NS OUT        (OUT ending in .gz is gzip'd)
//
// CUT_NS is CLOCK_MONOTONIC in ns (what the recording's event timestamps use; Node's
// process.hrtime.bigint() reads the same clock). The events are read with @spice-ts/qxl's reader,
// so a cut only ever falls between whole events, and the result is read back and counted.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { openReplayFile } from '@spice-ts/qxl';

const [input, cutArg, output] = process.argv.slice(2);
if (!input || !cutArg || !output || !/^\d+$/.test(cutArg)) {
  console.error('usage: node trim-recording.mjs IN CUT_NS OUT');
  process.exit(2);
}
const cut = BigInt(cutArg);

let keepBytes = 0;
let kept = 0;
let dropped = 0;
const reader = openReplayFile(input);
for await (const event of reader) {
  if (event.timestampNs > cut) {
    dropped += 1;
    continue;
  }
  if (dropped > 0) throw new Error(`event ${event.counter} is older than an event after the cut`);
  kept += 1;
  keepBytes = reader.offset;
}
if (kept === 0) throw new Error(`no event of ${input} is at or before the cut`);

await pipeline(
  createReadStream(input, { start: 0, end: keepBytes - 1 }),
  ...(output.endsWith('.gz') ? [createGzip({ level: 9 })] : []),
  createWriteStream(output),
);
let reread = 0;
for await (const _ of openReplayFile(output)) reread += 1;
if (reread !== kept) throw new Error(`the cut file has ${reread} events, expected ${kept}`);
console.error(`trim-recording: kept ${kept} events (${keepBytes} bytes), dropped ${dropped} after the cut`);
