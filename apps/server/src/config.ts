import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IMAGE_COMPRESSION_MODES, type ImageCompressionMode } from '@spice-ts/display';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  CHANNEL_NAMES,
  type ChannelName,
  CONFIG_ENV,
  ConfigError,
  flagName,
  LINK_TIMEOUT_RANGE_MS,
  LOG_LEVELS,
  MAX_PASSWORD_LIFETIME_SEC,
  mergeSources,
  OPTION_KEYS,
  type OptionKey,
  type RawOptions,
  type RawValue,
  readConfigEnv,
  readConfigFile,
} from './config-sources.js';

export type LogFormat = 'pretty' | 'json';
export type ClientsPolicy = 'replace' | 'share' | 'refuse';

export { CHANNEL_NAMES, type ChannelName, ConfigError, isConfigError } from './config-sources.js';

/** Everything the binary can be told, after validation. */
export interface AppConfig {
  host: string;
  port: number;
  /** TLS port (null: none); needs tls.cert and tls.key. */
  tlsPort: number | null;
  tls: { cert: string; key: string; ca: string | null } | null;
  /** UNIX socket path to listen on as well (null: none). */
  unixSocket: string | null;
  /** SASL users (user → password, from --sasl-users) and mechanisms; null: ticket auth. */
  sasl: { users: Record<string, string>; mechanisms: Array<'SCRAM-SHA-256' | 'PLAIN'> } | null;
  /** Channels that need TLS (or the UNIX socket): NEED_SECURED on the plain port. */
  secureChannels: ChannelName[];
  /** Same-port HTTP/WebSocket detection on the plain and TLS ports. */
  http: boolean;
  password: string | null;
  passwordLifetimeSec: number;
  disableTicketing: boolean;
  clients: ClientsPolicy;
  name: string;
  linkTimeoutMs: number;
  netTest: boolean;
  logLevel: string;
  logFormat: LogFormat;
  demo: { width: number; height: number; fps: number; animate: boolean };
  /** Play a spice-server recording (SPICE_REPLAY 1, plain, gzip or xz) instead of the demo guest. */
  replay: { file: string; realtime: boolean; exitWhenDone: boolean; wait: boolean } | null;
  /** Record the guest's QXL commands to this file (SPICE_REPLAY 1; gzip when it ends in .gz). */
  record: string | null;
  /** Image compression for clients: off (uncompressed bitmaps), lz (LZ_RGB) or quic. */
  imageCompression: ImageCompressionMode;
}

export const DEFAULT_CONFIG: AppConfig = {
  host: '127.0.0.1',
  port: 5900,
  tlsPort: null,
  tls: null,
  unixSocket: null,
  sasl: null,
  secureChannels: [],
  http: true,
  password: null,
  passwordLifetimeSec: 0,
  disableTicketing: false,
  clients: 'replace',
  name: 'spice-ts demo guest',
  linkTimeoutMs: 30_000,
  netTest: true,
  logLevel: 'info',
  logFormat: 'pretty',
  demo: { width: 1024, height: 768, fps: 20, animate: true },
  replay: null,
  record: null,
  imageCompression: 'auto_glz',
};

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
  return n;
};

/** The command line of `spice-ts`; `--help` lists every option with its default. */
export function createCommand(): Command {
  return new Command('spice-ts')
    .description('A SPICE remote-display server. Without other sources it serves the built-in demo guest.')
    .addOption(
      new Option(
        '-c, --config <file>',
        'read options from a JSON (or flat YAML: .yaml/.yml) file; keys are the flags in camelCase ({"port": 5901, "tlsPort": 5902}); also SPICE_TS_CONFIG',
      ),
    )
    .addOption(
      new Option('-p, --port <port>', 'TCP port to listen on')
        .default(DEFAULT_CONFIG.port)
        .argParser(integer('--port', 0, 65535)),
    )
    .addOption(new Option('-a, --addr <address>', 'address to listen on').default(DEFAULT_CONFIG.host))
    .addOption(
      new Option('--tls-port <port>', 'TLS port to listen on as well (needs --tls-cert and --tls-key)').argParser(
        integer('--tls-port', 0, 65535),
      ),
    )
    .addOption(new Option('--tls-cert <path>', 'PEM certificate (chain) of the TLS port'))
    .addOption(new Option('--tls-key <path>', 'PEM private key of the TLS port'))
    .addOption(new Option('--tls-ca <path>', 'PEM CA certificate sent with the chain (clients verify against it)'))
    .addOption(new Option('--unix-socket <path>', 'listen on a UNIX socket as well (spice+unix:///path)'))
    .addOption(
      new Option(
        '--sasl-users <file>',
        'authenticate with SASL instead of a ticket: users and passwords from a JSON file {"user": "password"} or user:password lines (spice-gtk uses it over TLS)',
      ),
    )
    .addOption(
      new Option(
        '--sasl-mechanisms <list>',
        'SASL mechanisms offered, best first (SCRAM-SHA-256, PLAIN; PLAIN only over TLS or UNIX)',
      ),
    )
    .addOption(
      new Option(
        '--secure-channels <list>',
        `channels that need TLS, comma-separated (${CHANNEL_NAMES.join(', ')}, or all); on the plain port they are told to reconnect on the TLS port`,
      ),
    )
    .addOption(
      new Option(
        '--no-http',
        'turn off HTTP on the SPICE ports (WebSocket for browsers, /healthz, /metrics, web client)',
      ),
    )
    .addOption(
      new Option(
        '--password <password>',
        'ticket password clients must give (visible in ps; prefer --password-file or SPICE_TS_PASSWORD)',
      ),
    )
    .addOption(new Option('--password-file <path>', 'read the ticket password from the first line of a file'))
    .addOption(
      new Option('--password-lifetime <seconds>', 'password expires this many seconds after start (0: never)')
        .default(0)
        .argParser(integer('--password-lifetime', 0, MAX_PASSWORD_LIFETIME_SEC)),
    )
    .addOption(new Option('--disable-ticketing', 'allow clients without a password on a non-loopback address'))
    .addOption(
      new Option('--clients <policy>', 'what a second viewer does')
        .choices(['replace', 'share', 'refuse'])
        .default(DEFAULT_CONFIG.clients),
    )
    .addOption(new Option('--name <name>', 'session name shown by clients').default(DEFAULT_CONFIG.name))
    .addOption(
      new Option('--link-timeout <ms>', 'drop clients that do not finish the link phase in time')
        .default(DEFAULT_CONFIG.linkTimeoutMs)
        .argParser(integer('--link-timeout', ...LINK_TIMEOUT_RANGE_MS)),
    )
    .addOption(new Option('--no-net-test', 'skip the bandwidth test on the main channel'))
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).default('info'))
    .addOption(
      new Option(
        '--log-format <format>',
        'pretty for people, json for machines (default: pretty on a terminal, else json)',
      ).choices(['pretty', 'json']),
    )
    .addOption(
      new Option('--demo-width <pixels>', 'width of the demo guest screen')
        .default(DEFAULT_CONFIG.demo.width)
        .argParser(integer('--demo-width', 320, 4096)),
    )
    .addOption(
      new Option('--demo-height <pixels>', 'height of the demo guest screen')
        .default(DEFAULT_CONFIG.demo.height)
        .argParser(integer('--demo-height', 200, 4096)),
    )
    .addOption(
      new Option('--demo-fps <n>', 'how often the demo guest updates its clock and animation')
        .default(DEFAULT_CONFIG.demo.fps)
        .argParser(integer('--demo-fps', 1, 60)),
    )
    .addOption(
      new Option('--no-demo-animation', 'keep the demo guest still (no clock, no animation): useful for screenshots'),
    )
    .addOption(
      new Option(
        '--replay <file>',
        'play a spice-server recording (SPICE_REPLAY 1; plain, .gz or .xz) instead of the demo guest',
      ),
    )
    .addOption(
      new Option(
        '--image-compression <mode>',
        'how images are compressed for clients (all lossless; auto_*: QUIC for photos, GLZ/LZ for the rest)',
      )
        .choices([...IMAGE_COMPRESSION_MODES])
        .default(DEFAULT_CONFIG.imageCompression),
    )
    .addOption(new Option('--realtime', 'with --replay: keep the recorded pace (default: as fast as clients take it)'))
    .addOption(
      new Option('--exit-when-done', 'with --replay: exit once the recording has played and every client is drained'),
    )
    .addOption(new Option('--wait', 'with --replay: start playing when the first display client is ready'))
    .addOption(
      new Option(
        '--record <file>',
        "record the guest's QXL commands to a file spice-server and spice-ts can replay (.gz: gzip)",
      ),
    )
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nEvery option can also come from the config file (its camelCase key) or from SPICE_TS_<KEY>\n(SPICE_TS_PORT, SPICE_TS_TLS_PORT, SPICE_TS_PASSWORD, ...); flags win over the environment, which\nwins over the file.\n\nExamples:\n  spice-ts                          demo guest on 127.0.0.1:5900, no password\n  spice-ts --port 5901 --password-file ~/.spice-pw\n  spice-ts --tls-port 5901 --tls-cert cert.pem --tls-key key.pem --secure-channels main,inputs\n  spice-ts --replay session.spice.xz --realtime\n\nConnect with:  remote-viewer spice://127.0.0.1:5900\nIn a browser:  http://127.0.0.1:5900/ (needs the spice-html5 package)',
    );
}

/**
 * Parses argv (without the node and script entries), the environment and the config file
 * (`--config FILE` or SPICE_TS_CONFIG) into a validated AppConfig. Precedence: flags, then
 * SPICE_TS_* variables, then the file, then the defaults. Bad values throw a ConfigError that
 * names the source and the key (`spice.json: port: must be an integer from 0 to 65535`).
 */
export function parseConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  isTty = Boolean(process.stdout.isTTY),
): AppConfig {
  // `pnpm start -- --port 5901` passes a leading "--" through; it is not an option terminator here.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const command = createCommand().exitOverride();
  command.parse(args, { from: 'user' });
  const parsed = command.opts<Record<string, unknown>>();
  const flags: RawOptions = {};
  for (const key of OPTION_KEYS) {
    if (command.getOptionValueSource(key) === 'cli') flags[key] = parsed[key] as RawValue;
  }
  const configFile = (parsed.config as string | undefined) ?? env[CONFIG_ENV];
  const o = mergeSources([
    ...(configFile !== undefined && configFile !== ''
      ? [{ source: configFile, options: readConfigFile(configFile) }]
      : []),
    { source: 'environment', options: readConfigEnv(env) },
    { source: 'command line', options: flags },
  ]);
  const num = (key: OptionKey, fallback: number) => (o[key] ?? fallback) as number;
  const bool = (key: OptionKey, fallback: boolean) => (o[key] ?? fallback) as boolean;
  const str = (key: OptionKey, fallback: string) => (o[key] ?? fallback) as string;
  const opt = (key: OptionKey): string | undefined => o[key] as string | undefined;
  const bad = (key: OptionKey | null, problem: string): never => {
    throw new ConfigError(key === null ? 'config' : flagName(key), null, problem);
  };

  const replay = opt('replay');
  for (const key of ['realtime', 'exitWhenDone', 'wait'] as const) {
    if (o[key] === true && !replay) bad(key, 'only makes sense with --replay <file>.');
  }
  const record = opt('record');
  if (record && replay && resolve(record) === resolve(replay)) bad('record', 'names the same file as --replay.');
  const tlsPort = o.tlsPort as number | undefined;
  const hasTls = tlsPort !== undefined;
  const tlsCert = opt('tlsCert');
  const tlsKey = opt('tlsKey');
  if (hasTls && (!tlsCert || !tlsKey)) bad('tlsPort', 'needs --tls-cert <path> and --tls-key <path>.');
  for (const key of ['tlsCert', 'tlsKey', 'tlsCa'] as const) {
    if (o[key] !== undefined && !hasTls) bad(key, 'only makes sense with --tls-port <port>.');
  }
  const list = o.secureChannels;
  const secureChannels = parseChannelList(Array.isArray(list) ? list.join(',') : (list as string | undefined));
  const unixSocket = opt('unixSocket');
  if (secureChannels.length > 0 && !hasTls && !unixSocket) {
    bad('secureChannels', 'needs --tls-port (or --unix-socket): the channels must be reachable.');
  }
  const sasl = readSasl(opt('saslUsers'), o.saslMechanisms, bad);
  let password = opt('password') ?? null;
  const passwordFile = opt('passwordFile');
  if (passwordFile) {
    try {
      password = readFileSync(passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (error) {
      bad('passwordFile', `cannot read ${passwordFile}: ${(error as Error).message}`);
    }
  }
  const logFormat = opt('logFormat') as LogFormat | undefined;
  return {
    host: str('addr', DEFAULT_CONFIG.host),
    port: num('port', DEFAULT_CONFIG.port),
    tlsPort: tlsPort ?? null,
    tls: hasTls && tlsCert && tlsKey ? { cert: tlsCert, key: tlsKey, ca: opt('tlsCa') ?? null } : null,
    unixSocket: unixSocket ?? null,
    sasl,
    secureChannels,
    http: bool('http', DEFAULT_CONFIG.http),
    password,
    passwordLifetimeSec: num('passwordLifetime', DEFAULT_CONFIG.passwordLifetimeSec),
    disableTicketing: bool('disableTicketing', DEFAULT_CONFIG.disableTicketing),
    clients: str('clients', DEFAULT_CONFIG.clients) as ClientsPolicy,
    name: str('name', DEFAULT_CONFIG.name),
    linkTimeoutMs: num('linkTimeout', DEFAULT_CONFIG.linkTimeoutMs),
    netTest: bool('netTest', DEFAULT_CONFIG.netTest),
    logLevel: str('logLevel', DEFAULT_CONFIG.logLevel),
    logFormat: logFormat ?? (isTty ? 'pretty' : 'json'),
    demo: {
      width: num('demoWidth', DEFAULT_CONFIG.demo.width),
      height: num('demoHeight', DEFAULT_CONFIG.demo.height),
      fps: num('demoFps', DEFAULT_CONFIG.demo.fps),
      animate: bool('demoAnimation', DEFAULT_CONFIG.demo.animate),
    },
    imageCompression: str('imageCompression', DEFAULT_CONFIG.imageCompression) as ImageCompressionMode,
    replay: replay
      ? {
          file: replay,
          realtime: bool('realtime', false),
          exitWhenDone: bool('exitWhenDone', false),
          wait: bool('wait', false),
        }
      : null,
    record: record ?? null,
  };
}

/** Parses `main,inputs` or `all` into channel names; an unknown name is an error that names it. */
export function parseChannelList(list: string | undefined): ChannelName[] {
  if (list === undefined) return [];
  const names = list
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  if (names.includes('all')) return [...CHANNEL_NAMES];
  for (const n of names) {
    if (!(CHANNEL_NAMES as readonly string[]).includes(n)) {
      throw new ConfigError(
        '--secure-channels',
        null,
        `unknown channel "${n}" (known: ${CHANNEL_NAMES.join(', ')}, all).`,
      );
    }
  }
  return [...new Set(names)] as ChannelName[];
}

const SASL_MECHANISMS = ['SCRAM-SHA-256', 'PLAIN'] as const;

/** The SASL users file (JSON object, or user:password lines) and the mechanism list. */
function readSasl(
  usersFile: string | undefined,
  mechanisms: unknown,
  bad: (key: 'saslUsers' | 'saslMechanisms', problem: string) => never,
): AppConfig['sasl'] {
  if (usersFile === undefined) {
    if (mechanisms !== undefined) bad('saslMechanisms', 'only makes sense with --sasl-users <file>.');
    return null;
  }
  let text: string;
  try {
    text = readFileSync(usersFile, 'utf8');
  } catch (error) {
    return bad('saslUsers', `cannot read ${usersFile}: ${(error as Error).message}`);
  }
  const users: Record<string, string> = {};
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return bad('saslUsers', `${usersFile} is not valid JSON: ${(error as Error).message}`);
    }
    for (const [user, password] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof password !== 'string') bad('saslUsers', `${usersFile}: the password of ${user} is not a string.`);
      users[user] = password as string;
    }
  } else {
    for (const [i, line] of text.split(/\r?\n/).entries()) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const at = line.indexOf(':');
      if (at <= 0) bad('saslUsers', `${usersFile}: line ${i + 1} is not user:password.`);
      users[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  if (Object.keys(users).length === 0) bad('saslUsers', `${usersFile} has no users.`);
  const names = Array.isArray(mechanisms)
    ? mechanisms
    : typeof mechanisms === 'string'
      ? mechanisms
          .split(',')
          .map((m) => m.trim().toUpperCase())
          .filter((m) => m !== '')
      : [...SASL_MECHANISMS];
  for (const name of names) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(name))
      bad('saslMechanisms', `${String(name)} is not one of ${SASL_MECHANISMS.join(', ')}.`);
  }
  return { users, mechanisms: names as Array<'SCRAM-SHA-256' | 'PLAIN'> };
}
