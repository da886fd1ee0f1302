#!/usr/bin/env node
import { CommanderError } from 'commander';
import { startApp } from './app.js';
import { parseConfig } from './config.js';
import { createLogger } from './logger.js';

async function main(): Promise<number> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander printed help or the error
    process.stderr.write(`spice-ts: ${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel, config.logFormat);
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, logger);
  } catch (error) {
    logger.error(
      { code: (error as { code?: string }).code, reason: (error as Error).message },
      'spice-ts could not start',
    );
    logger.flush();
    process.stderr.write(`spice-ts: ${(error as Error).message}\n`);
    return 1;
  }
  const { host, port, tlsPort, unixSocket } = app.address;
  const shown = host.includes(':') ? `[${host}]` : host;
  const what = config.replay ? `the recording ${config.replay.file}` : 'the demo guest';
  const tls = tlsPort !== undefined ? `?tls-port=${tlsPort}` : '';
  process.stdout.write(
    `spice-ts is serving ${what} on ${shown}:${port}${tlsPort !== undefined ? ` (TLS on ${tlsPort})` : ''}` +
      `${unixSocket !== undefined ? ` and ${unixSocket}` : ''}${config.password === null ? ' (no password)' : ''}\n` +
      `Connect with:  remote-viewer spice://${shown}:${port}${tls}\n` +
      (unixSocket !== undefined ? `               remote-viewer spice+unix://${unixSocket}\n` : '') +
      (config.http ? `In a browser:  http://${shown}:${port}/\n` : ''),
  );
  let failed = false;
  const stopProgress = app.replayProgress && process.stderr.isTTY ? showProgress(app) : () => {};
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: clients get DISCONNECTING, then their connections close');
      resolve();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (!stopping) return stop(signal);
      // A second signal does not wait for the clients.
      logger.warn({ signal }, 'second signal: exiting now');
      logger.flush();
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (config.replay?.exitWhenDone && app.replay) {
      app.replay.then(
        async () => {
          await app.worker.whenIdle();
          stop('recording done');
        },
        () => {
          failed = true;
          stop('recording failed');
        },
      );
    }
  });
  stopProgress();
  await app.close();
  logger.flush();
  return failed ? 1 : 0;
}

/** A one-line replay progress on the terminal (stderr), redrawn four times a second. */
function showProgress(app: Awaited<ReturnType<typeof startApp>>): () => void {
  const progress = app.replayProgress!;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const draw = () => {
    const pct = progress.fileBytes > 0 ? Math.min(100, (100 * progress.bytesRead) / progress.fileBytes) : 0;
    const what =
      progress.state === 'waiting'
        ? 'waiting for a display client'
        : `${progress.commands} commands, ${mb(progress.playedBytes)} MB played, ${pct.toFixed(0)}% of the ${mb(progress.fileBytes)} MB file read`;
    process.stderr.write(`\r\x1b[Kreplay: ${what}${progress.state === 'done' ? ', done' : ''}`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  void app.replay?.finally(() => {
    clearInterval(timer);
    draw();
    process.stderr.write('\n');
  });
  return () => clearInterval(timer);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`spice-ts: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
