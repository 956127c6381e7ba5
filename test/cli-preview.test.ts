// The preview CLI: argument parsing, the report over a seeded company (pure
// formatting on accounts loaded as the planner does; nothing written), and the
// command itself as a child process against the test database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { companyPreview, formatPreview, parseCliArgs, previewJson, weekOf, type CompanyPreview } from '../src/cli/preview.js';
import { findConnection, loadCompany, previewCompany } from '../src/cli/preview-load.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { addDays, localDate } from '../src/domain/calendar.js';
import { defaultPolicy } from '../src/engine/index.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { COMPANY, customerDoc, invoiceDoc, saveCustomer, seedOrg, standardContacts } from './helpers/accounts.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';

const ORG = 'org-preview';

describe('parseCliArgs', () => {
  it('reads preview options and refuses bad ones with one line', () => {
    expect(parseCliArgs(['preview', '--company', '123'])).toEqual({ command: 'preview', company: '123', days: 90, json: false });
    expect(parseCliArgs(['preview', '--company=quickbooks:1', '--days', '30', '--json'])).toEqual({ command: 'preview', company: 'quickbooks:1', days: 30, json: true });
    expect(parseCliArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseCliArgs(['preview', '-h'])).toEqual({ command: 'help' });
    expect(parseCliArgs([])).toEqual({ error: 'missing command (try --help)' });
    expect(parseCliArgs(['send'])).toEqual({ error: 'unknown command: send (try --help)' });
    expect(parseCliArgs(['preview'])).toMatchObject({ error: expect.stringMatching(/^missing --company/) });
    expect(parseCliArgs(['preview', '--company'])).toMatchObject({ error: expect.stringMatching(/^--company needs/) });
    for (const bad of ['0', '366', '7.5', 'ten', '-3']) expect(parseCliArgs(['preview', '--company', '1', '--days', bad])).toMatchObject({ error: expect.stringMatching(/^--days must be a whole number from 1 to 365/) });
    expect(parseCliArgs(['preview', '--company', '1', '--days', '365'])).toMatchObject({ days: 365 });
    expect(parseCliArgs(['preview', '--company', '1', '--dry'])).toEqual({ error: 'unknown argument: --dry (try --help)' });
  });

  it('puts a date in the week starting on the Monday before it', () => {
    expect([weekOf('2025-03-03'), weekOf('2025-03-04'), weekOf('2025-03-09'), weekOf('2025-03-10')]).toEqual(['2025-03-03', '2025-03-03', '2025-03-03', '2025-03-10']);
  });
});

/** Three customers of the test company (one past due, one due soon, one paid up) and one of another company. */
async function seedCompany(store: Store, today: string, now: Date): Promise<void> {
  await seedOrg(store, ORG, now);
  await store.connections.upsert({ orgId: ORG, provider: 'quickbooks', companyId: COMPANY, companyName: 'Northwind test company' }, now);
  await store.connections.upsert({ orgId: ORG, provider: 'quickbooks', companyId: '999', companyName: 'Other company' }, now);
  const contoso = customerDoc(ORG, '1', 'Contoso Builders', standardContacts('contoso.example'), now);
  await saveCustomer(store, contoso, [invoiceDoc(contoso, '101', 'INV-101', addDays(today, -1), 124_000, now)]);
  const fabrikam = customerDoc(ORG, '2', 'Fabrikam Ltd', standardContacts('fabrikam.example'), now);
  await saveCustomer(store, fabrikam, [invoiceDoc(fabrikam, '201', 'INV-201', addDays(today, 16), 50_000, now)]);
  const paid = customerDoc(ORG, '3', 'Paid Up Inc', standardContacts('paid.example'), now);
  await saveCustomer(store, paid, [invoiceDoc(paid, '301', 'INV-301', addDays(today, -40), 9_900, now, { status: 'paid', balanceMinor: 0 })]);
  const elsewhere = customerDoc(ORG, '4', 'Elsewhere Co', standardContacts('elsewhere.example'), now, { companyId: '999', connectionId: 'quickbooks:999' });
  await saveCustomer(store, { ...elsewhere, _id: 'quickbooks:999:4' }, [invoiceDoc(elsewhere, '401', 'INV-401', addDays(today, -50), 70_000, now, { companyId: '999' })]);
}

async function counts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of await store.db.listCollections({}, { nameOnly: true }).toArray()) out[c.name] = await store.db.collection(c.name).countDocuments({});
  return out;
}

describe('preview over a seeded company (FerretDB)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  // A Tuesday, 09:00 in Chicago (the customers' zone).
  const now = new Date('2025-03-04T15:00:00Z');
  beforeAll(async () => {
    database = await openTestDatabase('clipreview');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    await seedCompany(store, '2025-03-04', now);
  });
  afterAll(() => database.drop());

  it('finds the company by realmId or connection id, and refuses an unknown one', async () => {
    expect((await findConnection(store, COMPANY))._id).toBe(`quickbooks:${COMPANY}`);
    expect((await findConnection(store, `quickbooks:${COMPANY}`))._id).toBe(`quickbooks:${COMPANY}`);
    await expect(findConnection(store, 'nope')).rejects.toThrow(/^no connected company nope/);
    const loaded = await loadCompany(store, storedPolicySource(store.policies), COMPANY);
    expect(loaded.accounts.map((a) => a.name)).toEqual(['Contoso Builders', 'Fabrikam Ltd', 'Paid Up Inc']);
  });

  it('prints the timeline by date with levels, recipients and amounts, and a summary; writes nothing', async () => {
    const before = await counts(store);
    const report = await previewCompany(store, storedPolicySource(store.policies), COMPANY, now, 30);
    expect(await counts(store)).toEqual(before);
    const text = formatPreview(report);
    const lines = text.split('\n');
    expect(lines[0]).toBe('DRY RUN: nothing is sent and nothing is written.');
    expect(lines[1]).toBe(`Preview for quickbooks company ${COMPANY} "Northwind test company" (connection quickbooks:${COMPANY}, active, send mode dry-run), organisation Northwind Supply Co.`);
    expect(lines[2]).toMatch(/^30 day\(s\) from 2025-03-04 to 2025-04-02, policy: default ladder, 3 account\(s\);/);
    // Grouped by date: the date line, then that day's actions.
    const day = (date: string): string[] => {
      const i = lines.findIndex((l) => l.startsWith(date));
      const end = lines.findIndex((l, j) => j > i && l === '');
      return lines.slice(i, end);
    };
    expect(day('2025-03-04')).toEqual(['2025-03-04 Tue', expect.stringMatching(/^ {2}Contoso Builders +reminder 1 +email 'reminder-1' → Bea Billing <bea@contoso\.example> \(.+\) {2}\[1,240\.00 USD\]$/)]);
    expect(day('2025-03-10')[1]).toMatch(/Contoso Builders +reminder 2 +email 'reminder-2' → Bea Billing <bea@contoso\.example> .*, cc Al Payable <al@contoso\.example>/);
    expect(text).toMatch(/Fabrikam Ltd +courtesy +email 'courtesy' → Bea Billing <bea@fabrikam\.example> .* {2}\[500\.00 USD\]/);
    expect(text).toMatch(/Contoso Builders +rep call +task: call for sam\.rep@northwind\.example → Al Payable/);
    expect(text).not.toContain('Paid Up Inc  ');
    expect(text).not.toContain('Elsewhere Co');
    // Dates ascend.
    const dates = lines.filter((l) => /^\d{4}-\d\d-\d\d /.test(l)).map((l) => l.slice(0, 10));
    expect(dates).toEqual([...dates].sort());
    expect(new Set(dates).size).toBe(dates.length);
    const summary = lines.slice(lines.indexOf('Summary'));
    expect(summary[1]).toMatch(/^ {2}accounts per level on 2025-04-02: current 1, .+ 1, .+ 1$/);
    expect(summary[2]).toMatch(/^ {2}actions: \d+ \(\d+ email\(s\)/);
    expect(summary[3]).toMatch(/^ {2}emails per week \(letters included, weeks from Monday\): 2025-03-03 1, 2025-03-10 1, /);
    const emails = report.rows.filter((r) => r.kind === 'email' || r.kind === 'letter').length;
    expect(report.emailsPerWeek.reduce((n, w) => n + w.emails, 0)).toBe(emails);
    expect(report.finalLevels.reduce((n, l) => n + l.accounts, 0)).toBe(3);
  });

  it('prints JSON with the same rows', async () => {
    const report = await previewCompany(store, storedPolicySource(store.policies), `quickbooks:${COMPANY}`, now, 10);
    const parsed = JSON.parse(previewJson(report)) as CompanyPreview;
    expect(parsed.dryRun).toBe(true);
    expect(parsed.rows).toEqual(report.rows);
    expect(parsed.rows[0]).toMatchObject({ date: '2025-03-04', account: 'Contoso Builders', level: 'reminder 1', kind: 'email', amounts: { USD: 124_000 } });
  });

  it('says when nothing would happen', () => {
    const report = companyPreview({ company: { connectionId: 'x:1', provider: 'x', companyId: '1', companyName: 'Empty', status: 'active', sendMode: 'live', orgId: 'o', orgName: undefined }, accounts: [], policy: defaultPolicy, policyName: 'default ladder', now, days: 1 });
    const text = formatPreview(report);
    expect(text).toContain('Nothing would happen in this window.');
    expect(text).toContain('accounts per level on 2025-03-04: none');
    expect(text).toContain('emails per week (letters included, weeks from Monday): none');
  });
});

describe('npm run cli (child process)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  const run = promisify(execFile);
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    run('npx', ['tsx', 'scripts/cli.ts', ...args], { env: { ...env, ...extra } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, stdout: String(e.stdout), stderr: String(e.stderr) }),
    );
  beforeAll(async () => {
    database = await openTestDatabase('clichild');
    await ensureIndexes(database.db);
    const now = new Date();
    // Dates relative to the wall clock: the command previews from now.
    await seedCompany(createStore(database.db), localDate(now, 'America/Chicago'), now);
    env = { ...process.env, MONGODB_URI: testDatabaseUri(), MONGODB_DB: database.name, NODE_ENV: 'test' };
  });
  afterAll(() => database.drop());

  it('previews a company and exits 0; --json is JSON', async () => {
    const r = await cli(['preview', '--company', COMPANY, '--days', '20']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n')[0]).toBe('DRY RUN: nothing is sent and nothing is written.');
    expect(r.stdout).toMatch(/Contoso Builders +reminder 1 +email 'reminder-1' → Bea Billing/);
    expect(r.stdout).toContain('Summary');
    const j = await cli(['preview', `--company=quickbooks:${COMPANY}`, '--json', '--days', '5']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ dryRun: true, days: 5, accounts: 3, company: { companyId: COMPANY } });
  });

  it('exits 2 with one line for an unknown company, bad --days and no database; --help prints the usage', async () => {
    const unknown = await cli(['preview', '--company', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^cli: no connected company nope .*\n$/);
    expect(unknown.stderr.split('\n')).toHaveLength(2);
    const days = await cli(['preview', '--company', COMPANY, '--days', '400']);
    expect(days).toMatchObject({ code: 2, stdout: '', stderr: 'cli: --days must be a whole number from 1 to 365 (got 400)\n' });
    const noDb = await cli(['preview', '--company', COMPANY], { MONGODB_URI: 'mongodb://127.0.0.1:9/', MONGODB_CONNECT_TIMEOUT_MS: '300' });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toMatch(/^cli: cannot reach the database at .* within 300 ms/);
    expect(noDb.stderr.split('\n')).toHaveLength(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run cli -- <command>/);
    expect(help.stdout).toContain('preview --company <id> [--days N] [--json]');
  });
});
