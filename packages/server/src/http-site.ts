import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { HttpError } from './errors.js';
import type { HttpRequestHead } from './http-request.js';
import { noWebClientPage, webClientPage } from './web-client-page.js';

/** Content types of the files a web client is made of. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** What the HTTP side of a SPICE port serves. */
export interface HttpSite {
  /** Directory of the web client (spice-html5), or null for none. */
  webClientDir: string | null;
  title: string;
  health(): Record<string, unknown>;
  metrics(): string;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

function head(status: number, type: string, length: number): string {
  return (
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}\r\n` +
    `Content-Type: ${type}\r\nContent-Length: ${length}\r\n` +
    'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n'
  );
}

/** Writes a whole response and ends the stream (one request per connection). */
export function sendHttp(
  stream: Duplex,
  status: number,
  type: string,
  body: string | Uint8Array,
  method = 'GET',
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  stream.write(head(status, type, bytes.byteLength));
  if (method !== 'HEAD') stream.write(bytes);
  stream.end();
}

/**
 * Maps a request path to a file under `root`, or null when it would leave it (`..`, encoded
 * slashes or NUL are refused outright).
 */
export function resolveStaticPath(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  if (file !== base && !file.startsWith(base + sep)) return null;
  return file;
}

/** Answers one HTTP request (GET) and ends the stream. Resolves with the status sent. */
export async function serveHttp(stream: Duplex, request: HttpRequestHead, site: HttpSite): Promise<number> {
  const method = request.method;
  let url: URL;
  try {
    url = new URL(request.target, 'http://spice-ts.invalid');
  } catch {
    throw new HttpError(400, 'bad request target');
  }
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `method ${method}`);
  const path = url.pathname;
  if (path === '/healthz') {
    sendHttp(stream, 200, 'application/json', `${JSON.stringify({ status: 'ok', ...site.health() })}\n`, method);
    return 200;
  }
  if (path === '/metrics') {
    sendHttp(stream, 200, 'text/plain; version=0.0.4; charset=utf-8', site.metrics(), method);
    return 200;
  }
  const dir = site.webClientDir;
  const installed = dir !== null && (await isDirectory(dir));
  if (path === '/' || path === '/index.html') {
    if (installed) {
      // Debian installs spice-html5's modules at the top of its directory; a source checkout has src/.
      const main = (await isFile(join(dir, 'main.js'))) ? './main.js' : './src/main.js';
      sendHttp(stream, 200, 'text/html; charset=utf-8', webClientPage(site.title, main), method);
    } else sendHttp(stream, 200, 'text/html; charset=utf-8', noWebClientPage(dir ?? 'its directory'), method);
    return 200;
  }
  if (!installed) throw new HttpError(404, 'no such file');
  const file = resolveStaticPath(dir, path);
  if (file === null) throw new HttpError(403, 'path outside the web client');
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    throw new HttpError(404, 'no such file');
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  stream.write(head(200, type, size));
  if (method === 'HEAD') {
    stream.end();
    return 200;
  }
  await new Promise<void>((done) => {
    const input = createReadStream(file);
    input.on('error', () => {
      stream.destroy();
      done();
    });
    input.on('end', done);
    input.pipe(stream);
  });
  return 200;
}

/** Answers with an error page and ends the stream. */
export function sendHttpError(stream: Duplex, error: HttpError): void {
  sendHttp(stream, error.status, 'text/plain; charset=utf-8', `${error.status} ${STATUS_TEXT[error.status] ?? ''}\n`);
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
