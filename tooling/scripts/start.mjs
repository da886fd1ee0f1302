#!/usr/bin/env node
// `pnpm start [-- flags]`: builds what the server needs (turbo; cached when nothing changed), then
// runs the spice-ts binary with the given flags, forwarding Ctrl-C / SIGTERM to it.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();

const wantsHelp = args.includes('--help') || args.includes('-h');
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=@spice-ts/server-app...', '--output-logs=errors-only'],
  { cwd: root, stdio: wantsHelp ? ['ignore', 'ignore', 'inherit'] : 'inherit' },
);
if (build.status !== 0) {
  console.error('spice-ts: the build failed; see the errors above.');
  process.exit(build.status ?? 1);
}

const child = spawn(process.execPath, [join(root, 'apps/server/dist/main.js'), ...args], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
