import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCommand, DEFAULT_CONFIG, isConfigError, parseConfig } from '../src/config.js';
import { envName, OPTION_KEYS } from '../src/config-sources.js';

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
    expect(() => parseConfig(['--wait'], {})).toThrow(/--wait: only makes sense with --replay/);
    expect(() => parseConfig(['--exit-when-done'], {})).toThrow(/--exit-when-done: only makes sense with --replay/);
    expect(() => parseConfig(['--replay', 'x.spice', '--record', './x.spice'], {})).toThrow(
      /--record: names the same file as --replay/,
    );
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
      /--tls-port: needs --tls-cert <path> and --tls-key <path>/,
    );
    expect(() => parseConfig(['--tls-cert', 'c.pem'], {})).toThrow(/--tls-cert: only makes sense with --tls-port/);
    expect(() => parseConfig(['--secure-channels', 'main'], {})).toThrow(/--secure-channels: needs --tls-port/);
    expect(() => parseConfig(['--unix-socket', 's', '--secure-channels', 'mian'], {})).toThrow(
      /--secure-channels: unknown channel "mian"/,
    );
  });
});

describe('config file and environment', () => {
  const writeConfig = (data: unknown, name = 'spice.json'): string => {
    const dir = mkdtempSync(join(tmpdir(), 'spice-ts-cfg-'));
    const file = join(dir, name);
    writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    return file;
  };

  it('reads every kind of option from a JSON file given with --config', () => {
    const file = writeConfig({
      port: 5911,
      addr: '0.0.0.0',
      tlsPort: 5912,
      tlsCert: 'certs/c.pem',
      tlsKey: '/etc/k.pem',
      secureChannels: ['main', 'Inputs'],
      http: false,
      password: 'pw',
      clients: 'share',
      demoAnimation: false,
      logLevel: 'debug',
    });
    const config = parseConfig(['--config', file], {});
    expect(config).toMatchObject({
      port: 5911,
      host: '0.0.0.0',
      tlsPort: 5912,
      // Relative paths are taken from the file's folder.
      tls: { cert: join(dirname(file), 'certs/c.pem'), key: '/etc/k.pem', ca: null },
      secureChannels: ['main', 'inputs'],
      http: false,
      password: 'pw',
      clients: 'share',
      logLevel: 'debug',
    });
    expect(config.demo.animate).toBe(false);
    expect(parseConfig([], { SPICE_TS_CONFIG: file }).port).toBe(5911);
  });

  it('reads options from SPICE_TS_* variables', () => {
    const config = parseConfig([], {
      SPICE_TS_PORT: '5920',
      SPICE_TS_TLS_PORT: '5921',
      SPICE_TS_TLS_CERT: 'c.pem',
      SPICE_TS_TLS_KEY: 'k.pem',
      SPICE_TS_SECURE_CHANNELS: 'main,display',
      SPICE_TS_NET_TEST: 'off',
      SPICE_TS_DISABLE_TICKETING: 'yes',
      SPICE_TS_LOG_FORMAT: 'pretty',
      SPICE_TS_RESULTS: 'ignored: not an option',
    });
    expect(config).toMatchObject({
      port: 5920,
      tlsPort: 5921,
      tls: { cert: 'c.pem', key: 'k.pem', ca: null },
      secureChannels: ['main', 'display'],
      netTest: false,
      disableTicketing: true,
      logFormat: 'pretty',
    });
  });

  it('lets flags win over the environment and the environment over the file', () => {
    const file = writeConfig({ port: 5901, name: 'from file', linkTimeout: 1000, http: false });
    const env = { SPICE_TS_PORT: '5902', SPICE_TS_NAME: 'from env' };
    const config = parseConfig(['--config', file, '--port', '5903'], env);
    expect(config).toMatchObject({ port: 5903, name: 'from env', linkTimeoutMs: 1000, http: false });
    expect(parseConfig(['--config', file], env).port).toBe(5902);
    expect(parseConfig(['--config', file], {}).port).toBe(5901);
    // The environment turns back on what the file turned off.
    expect(parseConfig(['--config', file], { SPICE_TS_HTTP: 'true' }).http).toBe(true);
  });

  it('treats password and password file as one choice across sources', () => {
    const pw = writeConfig('secret-from-file\n', 'pw');
    const file = writeConfig({ passwordFile: pw });
    expect(parseConfig(['--config', file], {}).password).toBe('secret-from-file');
    expect(parseConfig(['--config', file], { SPICE_TS_PASSWORD: 'env' }).password).toBe('env');
    expect(() => parseConfig(['--password', 'a', '--password-file', pw], {})).toThrow(
      /command line: password: give a password or a password file, not both/,
    );
  });

  it('names the file and the key of a bad value', () => {
    const file = writeConfig({ port: 70000 }, 'config.json');
    expect(() => parseConfig(['--config', file], {})).toThrow(`${file}: port: must be an integer from 0 to 65535`);
    const cases: Array<[unknown, RegExp]> = [
      [{ prot: 5900 }, /: prot: unknown option \(known: port, addr/],
      [{ port: '5900' }, /: port: must be an integer/],
      [{ http: 'no' }, /: http: must be true or false/],
      [{ clients: 'many' }, /: clients: must be one of replace, share, refuse/],
      [{ secureChannels: ['main', 'mian'] }, /: secureChannels: unknown channel "mian"/],
      [{ tlsCert: 5 }, /: tlsCert: must be a string/],
      [[1, 2], /must hold one object \(mapping\) of options/],
      ['{"port": 59', /not valid JSON/],
    ];
    for (const [data, message] of cases) {
      let error: unknown;
      try {
        parseConfig(['--config', writeConfig(data)], {});
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error), String(message)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    expect(() => parseConfig(['--config', '/nonexistent/spice.json'], {})).toThrow(
      /\/nonexistent\/spice.json: cannot read/,
    );
  });

  it('names the variable of a bad environment value', () => {
    expect(() => parseConfig([], { SPICE_TS_PORT: 'x' })).toThrow('SPICE_TS_PORT: must be an integer from 0 to 65535');
    expect(() => parseConfig([], { SPICE_TS_PORT: '' })).toThrow(/SPICE_TS_PORT: must be an integer/);
    expect(() => parseConfig([], { SPICE_TS_NET_TEST: 'maybe' })).toThrow(/SPICE_TS_NET_TEST: must be true or false/);
    expect(() => parseConfig([], { SPICE_TS_LOG_LEVEL: 'loud' })).toThrow(/SPICE_TS_LOG_LEVEL: must be one of trace/);
  });

  it('applies cross-option checks to the merged result', () => {
    const file = writeConfig({ tlsPort: 5901, tlsCert: 'c.pem' });
    expect(() => parseConfig(['--config', file], {})).toThrow(/--tls-port: needs --tls-cert <path> and --tls-key/);
    expect(parseConfig(['--config', file, '--tls-key', 'k.pem'], {}).tls).toEqual({
      cert: join(dirname(file), 'c.pem'),
      key: 'k.pem',
      ca: null,
    });
    expect(() => parseConfig([], { SPICE_TS_WAIT: '1' })).toThrow(/--wait: only makes sense with --replay/);
  });

  it('has a file key and an environment variable for every option', () => {
    expect(envName('tlsPort')).toBe('SPICE_TS_TLS_PORT');
    expect(envName('password')).toBe('SPICE_TS_PASSWORD');
    const flags = createCommand()
      .options.map((option) => option.attributeName())
      .filter((key) => key !== 'config');
    expect(new Set(flags)).toEqual(new Set(OPTION_KEYS));
  });
});

describe('YAML config files', () => {
  const writeYaml = (text: string, name = 'spice.yaml'): string => {
    const dir = mkdtempSync(join(tmpdir(), 'spice-ts-yaml-'));
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads a flat YAML mapping with comments, quotes, numbers, booleans and both list forms', () => {
    const file = writeYaml(
      [
        '# spice-ts',
        '---',
        'addr: 0.0.0.0   # every interface',
        'port: 5901',
        'tlsPort: 5902',
        "tlsCert: 'tls/cert.pem'",
        'tlsKey: "tls/key #1.pem"',
        'secureChannels:',
        '  - main',
        '  - "inputs"',
        'http: false',
        'password: "it\'s \\"quoted\\""',
        'name: Demo #1 is a comment, as in YAML',
        'clients: share',
        '',
      ].join('\n'),
    );
    const config = parseConfig(['--config', file], {});
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 5901,
      tlsPort: 5902,
      tls: { cert: join(dirname(file), 'tls/cert.pem'), key: join(dirname(file), 'tls/key #1.pem') },
      secureChannels: ['main', 'inputs'],
      http: false,
      password: 'it\'s "quoted"',
      name: 'Demo',
      clients: 'share',
    });
    const flow = writeYaml('secureChannels: [main, "display"]  # flow list\nunixSocket: /run/s.sock\n', 'x.yml');
    expect(parseConfig(['--config', flow], {})).toMatchObject({
      secureChannels: ['main', 'display'],
      unixSocket: '/run/s.sock',
    });
  });

  it('ends a plain scalar at a comment only after a space', () => {
    expect(() => parseConfig(['--config', writeYaml('logLevel: debug#x')], {})).toThrow(
      /spice.yaml: logLevel: must be one of trace/,
    );
  });

  it('names the file and the key of a bad YAML value, and the line of YAML it does not read', () => {
    const cases: Array<[string, RegExp]> = [
      ['port: 70000', /spice.yaml: port: must be an integer from 0 to 65535/],
      ['port: "5900"', /spice.yaml: port: must be an integer/],
      ['password: 1234', /spice.yaml: password: must be a string \(put it in quotes\)/],
      ['prot: 5900', /spice.yaml: prot: unknown option/],
      ['tls:\n  cert: c.pem', /spice.yaml: line 2: nested mappings are not supported/],
      ['port: 1\nport: 2', /spice.yaml: line 2: duplicate key port/],
      ['name: &anchor x', /spice.yaml: line 1: unsupported YAML/],
      ['name: "open', /spice.yaml: line 1: unterminated "string"/],
      ['- main', /spice.yaml: line 1: expected "key: value"/],
      ['secureChannels: [main, [x]]', /line 1: nested lists and mappings are not supported/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseConfig(['--config', writeYaml(text)], {}), text).toThrow(message);
    }
  });

  it('reads SASL users from a JSON file or user:password lines, and checks the mechanisms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spice-ts-sasl-'));
    try {
      writeFileSync(join(dir, 'users.json'), '{"alice": "s3cret"}');
      writeFileSync(join(dir, 'users.txt'), '# users\nbob:pa:ss\n');
      expect(parseConfig(['--sasl-users', join(dir, 'users.json')], {}).sasl).toEqual({
        users: { alice: 's3cret' },
        mechanisms: ['SCRAM-SHA-256', 'PLAIN'],
      });
      expect(parseConfig(['--sasl-users', join(dir, 'users.txt'), '--sasl-mechanisms', 'plain'], {}).sasl).toEqual({
        users: { bob: 'pa:ss' },
        mechanisms: ['PLAIN'],
      });
      expect(() => parseConfig(['--sasl-users', join(dir, 'users.json'), '--sasl-mechanisms', 'CRAM-MD5'], {})).toThrow(
        /CRAM-MD5 is not one of/,
      );
      expect(() => parseConfig(['--sasl-mechanisms', 'PLAIN'], {})).toThrow(/only makes sense with --sasl-users/);
      expect(() => parseConfig(['--sasl-users', join(dir, 'none.json')], {})).toThrow(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
