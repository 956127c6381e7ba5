// The process entry: `node dist/app/main.js [all|web|worker]`.
import { ConfigError, loadConfig } from '../src/config.js';
import { DatabaseUnreachableError } from '../src/db/connect.js';
import { LocalServerError } from '../src/db/local-server.js';
import { createLogger } from '../src/logger.js';
import { startService, type Role } from './service.js';

const roles: Role[] = ['all', 'web', 'worker'];

async function main(): Promise<void> {
  const arg = process.argv[2] ?? 'all';
  const role = roles.find((r) => r === arg);
  if (!role) {
    console.error(`unknown role "${arg}": use one of ${roles.join(', ')}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Signals are handled from the start: a SIGTERM during start-up waits for the
  // service to be up, then stops it cleanly.
  const starting = startService(config, role, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    starting
      .then((s) => s.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await starting;
  } catch (err) {
    if (err instanceof DatabaseUnreachableError || err instanceof LocalServerError) {
      console.error(`overdue: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error('overdue: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
