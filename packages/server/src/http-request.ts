import { HttpError } from './errors.js';

/** Longest HTTP request head we read (upstream's WebSocket code reads at most 4 KiB; browsers send < 2 KiB). */
export const MAX_HTTP_HEAD = 8192;
/** End of an HTTP head. */
export const HTTP_HEAD_END = Uint8Array.of(13, 10, 13, 10);

export interface HttpRequestHead {
  method: string;
  /** The request target as sent (path and query). */
  target: string;
  version: string;
  /** Header names in lower case; repeated headers are joined with ", ". */
  headers: Map<string, string>;
}

/** Parses an HTTP/1.x request head (latin1, up to and including the blank line). Throws HttpError (400). */
export function parseHttpHead(bytes: Uint8Array): HttpRequestHead {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const lines = text.split('\r\n');
  const request = lines[0] ?? '';
  const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(request);
  if (!m) throw new HttpError(400, 'bad request line');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpError(400, 'bad header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { method: m[1]!, target: m[2]!, version: m[3]!, headers };
}
