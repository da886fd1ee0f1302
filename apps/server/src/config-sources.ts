import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { IMAGE_COMPRESSION_MODES } from '@spice-ts/display';
import { isYamlSubsetError, parseYamlSubset } from './config-yaml.js';

/** Channel names for --secure-channels (upstream's names, as in qemu's tls-channel=...). */
export const CHANNEL_NAMES = [
  'main',
  'display',
  'inputs',
  'cursor',
  'playback',
  'record',
  'smartcard',
  'usbredir',
  'port',
  'webdav',
] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** A configuration value that is missing, of the wrong type, out of range or unknown. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_SPICE_TS_CONFIG';
  /** Where the bad value came from: the config file's path, the environment variable, or the flag. */
  readonly source: string;
  /** The option's key (camelCase, as in the config file), or null for the file as a whole. */
  readonly key: string | null;

  constructor(source: string, key: string | null, problem: string, options?: { cause?: unknown }) {
    super(key === null ? `${source}: ${problem}` : `${source}: ${key}: ${problem}`, options);
    this.source = source;
    this.key = key;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return (error as { code?: unknown } | null)?.code === 'ERR_SPICE_TS_CONFIG';
}

type OptionKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'string' }
  | { type: 'path' }
  | { type: 'bool' }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'list' };

const int = (min: number, max: number): OptionKind => ({ type: 'int', min, max });
const STRING: OptionKind = { type: 'string' };
const PATH: OptionKind = { type: 'path' };
const BOOL: OptionKind = { type: 'bool' };
const choice = (...choices: string[]): OptionKind => ({ type: 'choice', choices });

/** Largest --password-lifetime: ten years in seconds. */
export const MAX_PASSWORD_LIFETIME_SEC = 10 * 365 * 86400;
/** Range of --link-timeout in milliseconds (100 ms to one hour). */
export const LINK_TIMEOUT_RANGE_MS = [100, 3_600_000] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * Every option the binary takes, by its key: the camelCase key of the config file and of
 * commander's parsed flags. The environment variable is SPICE_TS_ and the key in SCREAMING_SNAKE
 * (tlsPort: SPICE_TS_TLS_PORT); the flag is the key in kebab-case (--no-… for http, netTest and
 * demoAnimation, which are on by default).
 */
export const OPTION_KINDS = {
  port: int(0, 65535),
  addr: STRING,
  tlsPort: int(0, 65535),
  tlsCert: PATH,
  tlsKey: PATH,
  tlsCa: PATH,
  unixSocket: PATH,
  secureChannels: { type: 'list' },
  http: BOOL,
  password: STRING,
  passwordFile: PATH,
  passwordLifetime: int(0, MAX_PASSWORD_LIFETIME_SEC),
  disableTicketing: BOOL,
  clients: choice('replace', 'share', 'refuse'),
  name: STRING,
  linkTimeout: int(...LINK_TIMEOUT_RANGE_MS),
  netTest: BOOL,
  logLevel: choice(...LOG_LEVELS),
  logFormat: choice('pretty', 'json'),
  demoWidth: int(320, 4096),
  demoHeight: int(200, 4096),
  demoFps: int(1, 60),
  demoAnimation: BOOL,
  replay: PATH,
  imageCompression: choice(...IMAGE_COMPRESSION_MODES),
  realtime: BOOL,
  exitWhenDone: BOOL,
  wait: BOOL,
  record: PATH,
  saslUsers: PATH,
  saslMechanisms: { type: 'list' },
} as const satisfies Record<string, OptionKind>;

export type OptionKey = keyof typeof OPTION_KINDS;
export const OPTION_KEYS = Object.keys(OPTION_KINDS) as OptionKey[];

/** Options whose flag is `--no-<key>` (they default to on). */
const NEGATED_KEYS: ReadonlySet<OptionKey> = new Set(['http', 'netTest', 'demoAnimation']);

/** A value as read from one source; secureChannels is still a comma-separated list or an array. */
export type RawValue = string | number | boolean | string[];
export type RawOptions = Partial<Record<OptionKey, RawValue>>;

/** The environment variable of an option: SPICE_TS_TLS_PORT for tlsPort. */
export function envName(key: OptionKey): string {
  return `SPICE_TS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The flag of an option as shown in messages: --tls-port, --no-http. */
export function flagName(key: OptionKey): string {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return NEGATED_KEYS.has(key) ? `--no-${kebab}` : `--${kebab}`;
}

/** The environment variable that names a config file. */
export const CONFIG_ENV = 'SPICE_TS_CONFIG';

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

/** Checks one value from the config file (a JSON value) or the environment (a string). */
function coerce(key: OptionKey, value: unknown, source: string, fromEnv: boolean, baseDir: string | null): RawValue {
  const kind: OptionKind = OPTION_KINDS[key];
  const fail = (problem: string): never => {
    throw new ConfigError(source, fromEnv ? null : key, problem);
  };
  switch (kind.type) {
    case 'int': {
      const n = fromEnv && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < kind.min || n > kind.max)
        fail(`must be an integer from ${kind.min} to ${kind.max}`);
      return n as number;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (fromEnv && typeof value === 'string') {
        const word = value.trim().toLowerCase();
        if (TRUE_WORDS.has(word)) return true;
        if (FALSE_WORDS.has(word)) return false;
      }
      return fail(fromEnv ? 'must be true or false (1/0, yes/no, on/off)' : 'must be true or false');
    }
    case 'choice':
      if (typeof value !== 'string' || !kind.choices.includes(value)) fail(`must be one of ${kind.choices.join(', ')}`);
      return value as string;
    case 'list': {
      const names =
        typeof value === 'string'
          ? value.split(',')
          : Array.isArray(value) && !fromEnv && value.every((v) => typeof v === 'string')
            ? (value as string[])
            : fail('must be a list of channel names (an array of strings or "a,b")');
      for (const name of names) {
        const n = name.trim().toLowerCase();
        if (n !== '' && n !== 'all' && !(CHANNEL_NAMES as readonly string[]).includes(n))
          fail(`unknown channel "${n}" (known: ${CHANNEL_NAMES.join(', ')}, all)`);
      }
      return names;
    }
    case 'string':
    case 'path':
      if (typeof value !== 'string')
        fail(
          typeof value === 'number' || typeof value === 'boolean'
            ? 'must be a string (put it in quotes)'
            : 'must be a string',
        );
      if (kind.type === 'path' && (value as string) === '') fail('must not be empty');
      // Paths in a config file are relative to the file, as people expect when they move it around.
      return kind.type === 'path' && baseDir !== null ? resolve(baseDir, value as string) : (value as string);
  }
}

/**
 * Reads a config file: JSON, or YAML (a flat `key: value` mapping, see config-yaml.ts) when it
 * ends in .yaml or .yml; one object whose keys are option keys (`{"port": 5901, "tlsPort": 5902}`).
 * Unknown keys, wrong types and out-of-range values are errors that name the file and the key;
 * relative paths are taken relative to the file's folder.
 */
export function readConfigFile(file: string): RawOptions {
  const ext = extname(file).toLowerCase();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, null, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  if (ext === '.yaml' || ext === '.yml') {
    try {
      data = parseYamlSubset(text);
    } catch (error) {
      if (!isYamlSubsetError(error)) throw error;
      throw new ConfigError(file, null, error.message, { cause: error });
    }
  } else {
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(file, null, `not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return parseConfigObject(data, file, dirname(resolve(file)));
}

/** Checks a parsed config object (see readConfigFile); `source` names it in errors. */
export function parseConfigObject(data: unknown, source: string, baseDir: string | null = null): RawOptions {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(source, null, 'must hold one object (mapping) of options');
  }
  const options: RawOptions = {};
  for (const [key, value] of Object.entries(data)) {
    if (!Object.hasOwn(OPTION_KINDS, key)) {
      throw new ConfigError(source, key, `unknown option (known: ${OPTION_KEYS.join(', ')})`);
    }
    options[key as OptionKey] = coerce(key as OptionKey, value, source, false, baseDir);
  }
  return options;
}

/** The options set through SPICE_TS_* environment variables; other SPICE_TS_* variables are ignored. */
export function readConfigEnv(env: NodeJS.ProcessEnv): RawOptions {
  const options: RawOptions = {};
  for (const key of OPTION_KEYS) {
    const name = envName(key);
    const value = env[name];
    if (value !== undefined) options[key] = coerce(key, value, name, true, null);
  }
  return options;
}

/**
 * Merges sources, later ones winning (defaults, file, environment, flags). password and
 * passwordFile are one choice: a source that sets either overrides both from earlier sources, and
 * one source must not set both.
 */
export function mergeSources(layers: ReadonlyArray<{ source: string; options: RawOptions }>): RawOptions {
  const merged: RawOptions = {};
  for (const { source, options } of layers) {
    if (options.password !== undefined && options.passwordFile !== undefined) {
      throw new ConfigError(source, 'password', 'give a password or a password file, not both');
    }
    if (options.password !== undefined || options.passwordFile !== undefined) {
      delete merged.password;
      delete merged.passwordFile;
    }
    Object.assign(merged, options);
  }
  return merged;
}
