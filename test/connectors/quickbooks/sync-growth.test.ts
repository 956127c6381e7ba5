// A full sync's reads do not grow with its pages (issue 20 §4, docs/database.md "Growth"): the company's
// stored jobs (sub-customers), which every page of invoices needs for the roll-up, are read once per sync
// while no page of customers touches a job — reading them per page decoded the company's every customer
// on FerretDB 1.x each time, which made a full sync quadratic. (A page that saves a job reads them again:
// test/connectors/quickbooks/jobs.test.ts.)
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { QuickBooksConnector } from '../../../connectors/quickbooks/connector.js';
import { createLogger } from '../../../src/logger.js';
import { createStore } from '../../../src/store/store.js';
import { testDatabaseUri } from '../../helpers/db.js';
import { connId, startQuickBooks, type Running } from './harness.js';

jest.setTimeout(180_000);

let q: Running;
let client: MongoClient;
const jobReads: string[] = [];

beforeAll(async () => {
  // Two pages of customers and two of invoices (QuickBooks pages hold 1,000).
  q = await startQuickBooks('qbgrowth', { customers: 1_001, openInvoices: 1_001, partialShare: 0 });
  expect((await q.connect()).status).toBe(200);
  client = new MongoClient(testDatabaseUri(), { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (e: CommandStartedEvent) => {
    const filter = (e.command as { filter?: Record<string, unknown> }).filter;
    if (e.commandName === 'find' && e.command['find'] === 'customers' && filter && 'parentExternalId' in filter) jobReads.push(JSON.stringify(filter));
  });
});
afterAll(async () => {
  await client.close();
  await q.close();
});

it('reads the company\'s jobs once in a full sync of several pages', async () => {
  const store = createStore(client.db(q.store.db.databaseName));
  const connector = new QuickBooksConnector({ store, settings: q.settings, key: q.key, owner: 'growth-test', logger: createLogger('silent') });
  const r = await connector.fullSync(connId);
  expect(r.saved).toMatchObject({ customer: 1_001, invoice: 1_001 });
  expect(jobReads).toHaveLength(1);
});
