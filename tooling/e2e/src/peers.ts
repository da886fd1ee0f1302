import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type MissingPeer, PeerMissingError } from './errors.js';

/** Paths of the real peers the harness drives. */
export interface Peers {
  /** spice-gtk's screenshot client (Debian spice-client-gtk). */
  readonly spicyScreenshot: string;
  /** A python3 that can load SpiceClientGLib 2.0 (Debian's /usr/bin/python3). */
  readonly python: string;
}

/** Debian's python: a python3 earlier in PATH (pyenv, venv) usually lacks `gi`. */
const SYSTEM_PYTHON = '/usr/bin/python3';

/** The Debian packages that bring each peer (keep in step with tooling/scripts/install-peers.sh). */
export const PEER_PACKAGES = {
  spicyScreenshot: 'spice-client-gtk',
  python: 'python3',
  gi: 'python3-gi',
  spiceClientGlib: 'gir1.2-spiceclientglib-2.0',
} as const;

/** Exit codes of the probe below, telling which import failed. */
const PROBE_NO_GI = 10;
const PROBE_NO_SPICE = 11;
const PROBE = [
  'import sys',
  'try:',
  '    import gi',
  'except ImportError:',
  `    sys.exit(${PROBE_NO_GI})`,
  'try:',
  "    gi.require_version('SpiceClientGLib', '2.0')",
  '    from gi.repository import SpiceClientGLib',
  'except (ImportError, ValueError):',
  `    sys.exit(${PROBE_NO_SPICE})`,
].join('\n');

/** Result of looking for the peers: what was found and what is missing. */
export interface PeerCheck {
  readonly peers: Partial<Peers>;
  readonly missing: readonly MissingPeer[];
}

let cached: PeerCheck | undefined;

/** Looks for the peers (once per process; pass `fresh` to look again). Never throws. */
export function checkPeers(fresh = false): PeerCheck {
  if (cached && !fresh) return cached;
  const peers: { spicyScreenshot?: string; python?: string } = {};
  const missing: MissingPeer[] = [];

  const screenshot = findExecutable('spicy-screenshot');
  if (screenshot) peers.spicyScreenshot = screenshot;
  else
    missing.push({
      peer: 'spicy-screenshot',
      debianPackage: PEER_PACKAGES.spicyScreenshot,
      detail: 'not found in PATH or /usr/bin',
    });

  if (!isExecutable(SYSTEM_PYTHON)) {
    missing.push({ peer: SYSTEM_PYTHON, debianPackage: PEER_PACKAGES.python, detail: 'not installed' });
  } else {
    const failure = probePython(SYSTEM_PYTHON);
    if (failure) missing.push(failure);
    else peers.python = SYSTEM_PYTHON;
  }

  cached = { peers, missing };
  return cached;
}

/** Returns the peers, or throws PeerMissingError naming the Debian packages to install.
 * End-to-end tests call this first: in CI a missing peer must fail the run, never skip it. */
export function requirePeers(): Peers {
  const { peers, missing } = checkPeers();
  if (missing.length || !peers.spicyScreenshot || !peers.python) throw new PeerMissingError(missing);
  return { spicyScreenshot: peers.spicyScreenshot, python: peers.python };
}

function probePython(python: string): MissingPeer | null {
  try {
    execFileSync(python, ['-c', PROBE], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
    return null;
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    if (status === PROBE_NO_GI) {
      return { peer: `${python}: import gi`, debianPackage: PEER_PACKAGES.gi, detail: 'python3-gi is missing' };
    }
    if (status === PROBE_NO_SPICE) {
      return {
        peer: `${python}: SpiceClientGLib 2.0`,
        debianPackage: PEER_PACKAGES.spiceClientGlib,
        detail: 'the SpiceClientGLib typelib is missing',
      };
    }
    return {
      peer: python,
      debianPackage: PEER_PACKAGES.gi,
      detail: `the gi probe failed: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
