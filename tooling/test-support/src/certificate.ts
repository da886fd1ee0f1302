import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface SelfSignedOptions {
  /** 'rsa' (RSA-2048) or 'ec' (P-256). */
  key: 'rsa' | 'ec';
  /** Certificate subject, e.g. '/CN=localhost'. */
  subject: string;
  /** subjectAltName extension, e.g. 'IP:127.0.0.1,DNS:localhost'; none when absent. */
  subjectAltName?: string;
}

/** True when the `openssl` command is there (tests that need a certificate check this). */
export function opensslAvailable(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

/**
 * Writes a self-signed certificate valid for two days and its key as PEM files `cert.pem` and
 * `key.pem` in `dir`, with the `openssl` command; returns their paths.
 */
export function writeSelfSignedCertificate(dir: string, options: SelfSignedOptions): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const keyArgs =
    options.key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      options.subject,
      ...(options.subjectAltName ? ['-addext', `subjectAltName=${options.subjectAltName}`] : []),
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
