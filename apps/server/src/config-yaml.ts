/**
 * The YAML that spice-ts config files need, without a YAML dependency: one flat mapping of
 * `key: value` lines, with plain, 'single' or "double" quoted scalars, numbers, true/false,
 * null/~, lists as `[a, b]` or as indented `- item` lines, and # comments. Anything else (nested
 * mappings, anchors, tags, multi-line strings) is refused with the line number, never guessed.
 */

/** A line of a YAML config that this reader does not take. */
export class YamlSubsetError extends Error {
  override readonly name = 'YamlSubsetError';
  readonly code = 'ERR_SPICE_TS_YAML';
  readonly line: number;

  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.line = line;
  }
}

export function isYamlSubsetError(error: unknown): error is YamlSubsetError {
  return (error as { code?: unknown } | null)?.code === 'ERR_SPICE_TS_YAML';
}

type Scalar = string | number | boolean | null;

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*))?$/;
const LIST_ITEM = /^[ \t]*-(?:[ \t]+(.*))?$/;
const INTEGER = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/;
const UNSUPPORTED_START = /^[&*!|>%@`{]/;

/** Reads one scalar at the start of `text`; returns it and what follows (a comment or nothing). */
function readScalar(text: string, line: number): { value: Scalar; rest: string } {
  if (text.startsWith('"')) {
    let out = '';
    for (let i = 1; i < text.length; i++) {
      const c = text[i]!;
      if (c === '"') return { value: out, rest: text.slice(i + 1) };
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[++i];
      const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0' };
      if (e === undefined || escapes[e] === undefined)
        throw new YamlSubsetError(line, `unsupported escape \\${e ?? ''}`);
      out += escapes[e];
    }
    throw new YamlSubsetError(line, 'unterminated "string" (multi-line strings are not supported)');
  }
  if (text.startsWith("'")) {
    let out = '';
    for (let i = 1; i < text.length; i++) {
      const c = text[i]!;
      if (c !== "'") {
        out += c;
        continue;
      }
      if (text[i + 1] === "'") {
        out += "'";
        i++;
        continue;
      }
      return { value: out, rest: text.slice(i + 1) };
    }
    throw new YamlSubsetError(line, "unterminated 'string' (multi-line strings are not supported)");
  }
  if (UNSUPPORTED_START.test(text)) {
    throw new YamlSubsetError(line, `unsupported YAML (${text[0]}...): use JSON for anything beyond key: value`);
  }
  // A plain scalar ends at " #" (a comment); inside a flow list also at "," or "]".
  const comment = text.search(/[ \t]#/);
  const raw = (comment === -1 ? text : text.slice(0, comment)).trim();
  return { value: plainScalar(raw), rest: comment === -1 ? '' : text.slice(comment) };
}

function plainScalar(raw: string): Scalar {
  if (raw === '' || raw === '~' || /^(null|Null|NULL)$/.test(raw)) return null;
  if (/^(true|True|TRUE)$/.test(raw)) return true;
  if (/^(false|False|FALSE)$/.test(raw)) return false;
  if (INTEGER.test(raw) || FLOAT.test(raw)) return Number(raw);
  return raw;
}

function expectEnd(rest: string, line: number): void {
  const trimmed = rest.trim();
  if (trimmed !== '' && !trimmed.startsWith('#')) throw new YamlSubsetError(line, `unexpected "${trimmed}"`);
}

/** `[a, "b, c", 3]` → its items (scalars only). */
function readFlowList(text: string, line: number): Scalar[] {
  const close = (() => {
    let quote: string | null = null;
    for (let i = 1; i < text.length; i++) {
      const c = text[i]!;
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '[' || c === '{') throw new YamlSubsetError(line, 'nested lists and mappings are not supported');
      else if (c === ']') return i;
    }
    throw new YamlSubsetError(line, 'unterminated [list] (write it on one line)');
  })();
  expectEnd(text.slice(close + 1), line);
  const inner = text.slice(1, close).trim();
  if (inner === '') return [];
  const items: Scalar[] = [];
  let rest = inner;
  for (;;) {
    rest = rest.trimStart();
    let value: Scalar;
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const read = readScalar(rest, line);
      value = read.value;
      rest = read.rest.trimStart();
    } else {
      const comma = rest.indexOf(',');
      value = plainScalar((comma === -1 ? rest : rest.slice(0, comma)).trim());
      rest = comma === -1 ? '' : rest.slice(comma);
    }
    items.push(value);
    if (rest === '') return items;
    if (!rest.startsWith(',')) throw new YamlSubsetError(line, `unexpected "${rest}" in a [list]`);
    rest = rest.slice(1);
  }
}

/** Parses a flat YAML mapping (see the module comment) into a plain object. */
export function parseYamlSubset(text: string): Record<string, unknown> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // No prototype: a key named __proto__ is just an (unknown) key.
  const result = Object.create(null) as Record<string, unknown>;
  let list: { key: string; items: Scalar[] } | null = null;
  let ended = false;
  for (const [index, source] of lines.entries()) {
    const line = index + 1;
    const trimmed = source.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (ended) throw new YamlSubsetError(line, 'content after the end of the document ("...")');
    if (trimmed === '---' && Object.keys(result).length === 0 && list === null) continue;
    if (trimmed === '...') {
      ended = true;
      continue;
    }
    if (source.includes('\t') && /^[ \t]*\t/.test(source)) throw new YamlSubsetError(line, 'tabs cannot indent YAML');
    const item = LIST_ITEM.exec(source);
    if (item && list) {
      const read = readScalar((item[1] ?? '').trim(), line);
      expectEnd(read.rest, line);
      list.items.push(read.value);
      result[list.key] = list.items;
      continue;
    }
    if (/^[ \t]/.test(source)) {
      throw new YamlSubsetError(line, 'nested mappings are not supported: spice-ts config files are flat');
    }
    const match = KEY_LINE.exec(source);
    if (!match) throw new YamlSubsetError(line, 'expected "key: value"');
    const key = match[1]!;
    if (Object.hasOwn(result, key)) throw new YamlSubsetError(line, `duplicate key ${key}`);
    const value = (match[2] ?? '').trim();
    if (value === '' || value.startsWith('#')) {
      // `key:` alone: a block list follows, or the value is null.
      list = { key, items: [] };
      result[key] = null;
      continue;
    }
    list = null;
    if (value.startsWith('[')) {
      result[key] = readFlowList(value, line);
      continue;
    }
    const read = readScalar(value, line);
    expectEnd(read.rest, line);
    result[key] = read.value;
  }
  return result;
}
