// The composition root: the database (given or local), the store, the one
// services object (./services.ts), the HTTP server and the worker, started for
// the roles asked and stopped in reverse order.
import type { Server } from 'node:http';
import type { Agenda } from 'agenda';
import type { Config } from '../src/config.js';
import { connectDatabase, type Database } from '../src/db/connect.js';
import { startLocalServer, type LocalServer } from '../src/db/local-server.js';
import type { Logger } from '../src/logger.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { createAgenda, defineJobs } from '../jobs/agenda.js';
import { allJobs, promptJobs, scheduleRepeatingJobs } from '../jobs/index.js';
import { WEBHOOK_PROCESS_EVERY_MS } from '../jobs/sync.js';
import { buildWebApp } from './http/web.js';
import { buildConnectors, buildServices, processName, type Services } from './services.js';

export type Role = 'all' | 'web' | 'worker';

export interface Service {
  store: Store;
  database: Database;
  /** The services object every part of this process was handed. */
  services: Services;
  /** The address the HTTP server listens on (web role). */
  url?: string;
  agenda?: Agenda;
  stop(): Promise<void>;
}

export async function startService(config: Config, role: Role, logger: Logger): Promise<Service> {
  let local: LocalServer | undefined;
  let uri = config.mongo.uri;
  if (!uri) {
    logger.info('MONGODB_URI is unset: starting a local database server');
    local = await startLocalServer({ dataDir: config.mongo.localDir, progress: (m) => logger.info(m) });
    uri = local.uri;
  }
  let database: Database;
  try {
    database = await connectDatabase(uri, config.mongo.dbName, config.mongo.connectTimeoutMs);
  } catch (err) {
    await local?.stop();
    throw err;
  }
  await ensureIndexes(database.db);
  const store = createStore(database.db, { auditChainKey: config.secrets.auditChainKey });
  const connectors = buildConnectors(config, store, logger);
  const worker = processName();
  // The worker's Agenda exists before the services, so planning can schedule each account's next
  // evaluation (a promise's grace end, a letter deadline, an instalment, a snooze's end) as a one-off job.
  const agenda = role === 'all' || role === 'worker' ? createAgenda(database.db, { name: worker, processEveryMs: 5_000, maxConcurrency: config.worker.concurrency }) : undefined;
  // One-off jobs (a connection's sync, a stored webhook delivery to process now) are queued from any role: the
  // web role's Agenda only writes jobs, it is never started (jobs/agenda.ts JobQueue, jobs/sync.ts webhookTrigger).
  // The worker's second Agenda, for the jobs that must start within a fraction of a second (a stored webhook
  // delivery's run): it scans only their names, every WEBHOOK_PROCESS_EVERY_MS; the main one leaves them out.
  const prompt = agenda ? createAgenda(database.db, { name: `${worker}:prompt`, processEveryMs: WEBHOOK_PROCESS_EVERY_MS, maxConcurrency: promptJobs.reduce((n, j) => n + (j.concurrency ?? 1), 0) }) : undefined;
  const queue = agenda ?? createAgenda(database.db, { name: `${worker}:queue`, processEveryMs: 60_000, maxConcurrency: 1 });
  // Its backend set-up (indexes) runs in the background: wait for it, so a quick stop does not close the
  // database under it (the rejection would end the process).
  if (!agenda) await queue.ready;
  const services = buildServices(config, store, logger, connectors, { worker, ...(agenda ? { agenda } : { jobQueue: queue }) });

  let server: Server | undefined;
  let url: string | undefined;
  if (role === 'all' || role === 'web') {
    const { app } = await buildWebApp(config, services, connectors);
    server = await new Promise<Server>((res, rej) => {
      const s = app.listen(config.http.port, config.http.host, () => res(s));
      s.once('error', rej);
    });
    const addr = server.address();
    url = `http://${config.http.host}:${typeof addr === 'object' && addr ? addr.port : config.http.port}`;
    logger.info({ url }, 'HTTP server listening');
  }

  if (agenda) {
    const fast = new Set(promptJobs.map((j) => j.name));
    defineJobs(agenda, allJobs.filter((j) => !fast.has(j.name)), services);
    await agenda.start();
    if (prompt) {
      defineJobs(prompt, promptJobs, services);
      await prompt.start();
    }
    await scheduleRepeatingJobs(agenda, { syncIntervalMinutes: config.worker.syncIntervalMinutes });
    logger.info({ worker }, 'worker started');
  }

  let stopped = false;
  return {
    store,
    database,
    services,
    ...(url ? { url } : {}),
    ...(agenda ? { agenda } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (server) {
        const s = server;
        await new Promise<void>((res) => {
          s.close(() => res());
          s.closeIdleConnections();
        });
      }
      // Let running jobs finish (up to the grace period), then release what is left.
      if (!agenda) await queue.stop().catch(() => {}); // the web role's queue-only Agenda
      if (agenda) {
        await Promise.all([agenda, ...(prompt ? [prompt] : [])].map((a) => a.drain(config.worker.shutdownGraceMs).catch((err: unknown) => logger.warn({ err }, 'drain did not finish'))));
        await agenda.stop().catch(() => {});
        await prompt?.stop().catch(() => {});
      }
      await database.close();
      await local?.stop();
    },
  };
}
