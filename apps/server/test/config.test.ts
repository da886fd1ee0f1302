import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../src/config.js';

describe('command line', () => {
  it('defaults to the demo guest on 127.0.0.1:5900 without a password', () => {
    const config = parseConfig([], {}, false);
    expect(config).toEqual({ ...DEFAULT_CONFIG, logFormat: 'json' });
  });

  it('accepts a leading "--" as pnpm start passes it', () => {
    const config = parseConfig(['--', '--port', '5901', '--password', 'pw'], {}, true);
    expect(config.port).toBe(5901);
    expect(config.password).toBe('pw');
    expect(config.logFormat).toBe('pretty');
  });

  it('reads the password from a file or the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spice-ts-cfg-'));
    const file = join(dir, 'pw');
    writeFileSync(file, 'from-file\nignored\n');
    expect(parseConfig(['--password-file', file], {}).password).toBe('from-file');
    expect(parseConfig([], { SPICE_TS_PASSWORD: 'from-env' }).password).toBe('from-env');
  });

  it('rejects out-of-range numbers and unknown choices with a clear message', () => {
    expect(() => parseConfig(['--port', '70000'], {})).toThrow(/--port must be an integer from 0 to 65535/);
    expect(() => parseConfig(['--clients', 'many'], {})).toThrow(/Allowed choices are replace, share, refuse/);
  });

  it('takes the replay options with --replay only, and --record on its own', () => {
    expect(parseConfig(['--replay', 'a.spice', '--wait', '--realtime'], {}).replay).toEqual({
      file: 'a.spice',
      realtime: true,
      exitWhenDone: false,
      wait: true,
    });
    expect(parseConfig(['--record', 'out.spice.gz'], {})).toMatchObject({ record: 'out.spice.gz', replay: null });
    expect(() => parseConfig(['--wait'], {})).toThrow(/--wait only makes sense with --replay/);
    expect(() => parseConfig(['--exit-when-done'], {})).toThrow(/--exit-when-done only makes sense with --replay/);
    expect(() => parseConfig(['--replay', 'x.spice', '--record', './x.spice'], {})).toThrow(/same file/);
  });

  it('takes a TLS port with its certificate, key and CA, a UNIX socket, and secure channels', () => {
    const config = parseConfig(
      [
        '--tls-port',
        '5901',
        '--tls-cert',
        'c.pem',
        '--tls-key',
        'k.pem',
        '--tls-ca',
        'ca.pem',
        '--unix-socket',
        '/run/spice.sock',
        '--secure-channels',
        'main, Inputs,main',
        '--no-http',
      ],
      {},
    );
    expect(config).toMatchObject({
      tlsPort: 5901,
      tls: { cert: 'c.pem', key: 'k.pem', ca: 'ca.pem' },
      unixSocket: '/run/spice.sock',
      secureChannels: ['main', 'inputs'],
      http: false,
    });
    expect(
      parseConfig(['--tls-port', '0', '--tls-cert', 'c', '--tls-key', 'k', '--secure-channels', 'all'], {})
        .secureChannels,
    ).toHaveLength(10);
    expect(parseConfig([], {})).toMatchObject({
      tlsPort: null,
      tls: null,
      unixSocket: null,
      secureChannels: [],
      http: true,
    });
  });

  it('names the missing or misplaced TLS and secure-channel options', () => {
    expect(() => parseConfig(['--tls-port', '5901'], {})).toThrow(
      /--tls-port needs --tls-cert <path> and --tls-key <path>/,
    );
    expect(() => parseConfig(['--tls-cert', 'c.pem'], {})).toThrow(/--tls-cert only makes sense with --tls-port/);
    expect(() => parseConfig(['--secure-channels', 'main'], {})).toThrow(/--secure-channels needs --tls-port/);
    expect(() => parseConfig(['--unix-socket', 's', '--secure-channels', 'mian'], {})).toThrow(
      /--secure-channels: unknown channel "mian"/,
    );
  });
});
