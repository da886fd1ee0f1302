// The body of an encoder thread (createEncoderPool starts it): it answers each request with the
// encoded bytes, transferred back, or with the error's name, message and code.
import { parentPort } from 'node:worker_threads';
import { type EncodeRequest, runEncodeRequest } from './encode-request.js';

interface Job {
  id: number;
  request: EncodeRequest;
}

parentPort?.on('message', ({ id, request }: Job) => {
  try {
    const out = runEncodeRequest(request);
    parentPort!.postMessage({ id, ok: true, out }, [out.buffer as ArrayBuffer]);
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string };
    parentPort!.postMessage({ id, ok: false, error: { name: e.name, message: e.message, code: e.code } });
  }
});
