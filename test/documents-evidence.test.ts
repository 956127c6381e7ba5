// Statement of account (aging, pagination with repeated headers), the audit
// export (CSV quoting and formula-injection guard, PDF) and the chain verifier
// against a real database, including tampering with one stored entry.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { aging, agingBucket, buildStatement, statementItems } from '../src/documents/statement.js';
import { auditCsv, auditPdf, csvField, toCsv } from '../src/documents/audit-export.js';
import { parseVerifyArgs, runVerify } from '../src/documents/verify.js';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { AuditInput } from '../src/store/types.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';
import { inv, pdfPages, pdfText, settings, squash } from './documents.helpers.js';

const customer = { name: 'Contoso Builders LLC', addressLines: ['42 Harbor Rd', 'Springfield, IL 62701'], reference: 'Contoso Builders' };

describe('aging', () => {
  it('puts each open balance in its bucket by days past due', () => {
    const asOf = '2025-03-31';
    expect([agingBucket('2025-03-31', asOf), agingBucket('2025-03-30', asOf), agingBucket('2025-03-01', asOf), agingBucket('2025-02-28', asOf)]).toEqual([0, 1, 1, 2]);
    expect([agingBucket('2025-01-30', asOf), agingBucket('2025-01-01', asOf), agingBucket('2024-12-31', asOf), agingBucket('2024-12-30', asOf)]).toEqual([2, 3, 3, 4]);
    const a = aging([
      inv('A', '2025-03-01', '2025-04-30', 100),
      inv('B', '2025-02-01', '2025-03-15', 200),
      inv('C', '2024-12-01', '2024-12-15', 300),
      inv('D', '2025-01-01', '2025-02-15', 400, 0), // paid
      inv('E', '2025-02-01', '2025-02-14', 500, 500, 'EUR'),
    ], asOf);
    expect(a).toEqual({ USD: [100, 200, 0, 0, 300], EUR: [0, 0, 500, 0, 0] });
  });

  it('lists open items and items paid recently, not older paid ones', () => {
    const items = statementItems([
      inv('OPEN', '2025-03-01', '2025-03-31', 100),
      inv('PAID-RECENT', '2025-01-01', '2025-01-31', 100, 0, 'USD', { paidDate: '2025-02-10' }),
      inv('PAID-OLD', '2024-01-01', '2024-01-31', 100, 0, 'USD', { paidDate: '2024-02-10' }),
      inv('VOID', '2025-01-01', '2025-01-31', 100, 100, 'USD', { status: 'voided' }),
    ], '2025-03-31', 90);
    expect(items.map((i) => i.number)).toEqual(['PAID-RECENT', 'OPEN']);
  });
});

describe('statement of account', () => {
  it('shows the aging buckets, items, totals and a paid item', async () => {
    const st = await buildStatement({
      settings: settings(),
      customer,
      asOf: '2025-03-31',
      invoices: [
        inv('INV-1', '2025-03-01', '2025-04-30', 100000),
        inv('INV-2', '2025-02-01', '2025-03-15', 250050, 200050),
        inv('INV-3', '2024-12-01', '2024-12-15', 75000),
        inv('INV-4', '2025-01-01', '2025-02-01', 5000, 0, 'USD', { paidDate: '2025-03-02' }),
      ],
    });
    const text = squash(await pdfText(st.pdf));
    expect(text).toContain('STATEMENT OF ACCOUNT');
    expect(text).toContain('Statement date March 31, 2025');
    expect(text).toContain('Balance due $3,750.50');
    expect(text).toMatch(/Current 1–30 days 31–60 days 61–90 days 90\+ days Total due/);
    expect(text).toMatch(/USD \$1,000\.00 \$2,000\.50 \$0\.00 \$0\.00 \$750\.00 \$3,750\.50/);
    expect(text).toMatch(/INV-4 Jan 1, 2025 Feb 1, 2025 \$50\.00 \$50\.00 \$0\.00 Paid Mar 2, 2025/);
    expect(text).toMatch(/INV-3 Dec 1, 2024 Dec 15, 2024 106 \$750\.00 \$0\.00 \$750\.00 Past due/);
    expect(text).toMatch(/Total USD \$4,300\.50 \$550\.00 \$3,750\.50/);
    expect(st.pages).toBe(1);
  });

  it('paginates a 500-invoice statement with the table header repeated on every page', async () => {
    const invoices = Array.from({ length: 500 }, (_, k) => {
      const due = new Date(Date.UTC(2024, 0, 1) + k * 86_400_000).toISOString().slice(0, 10);
      return inv(`INV-${String(k + 1).padStart(4, '0')}`, due, due, 10000 + k, 10000 + k);
    });
    const st = await buildStatement({ settings: settings({ locale: 'de-DE' }), customer, invoices, asOf: '2025-06-30' });
    const pages = await pdfPages(st.pdf);
    expect(st.items).toBe(500);
    expect(pages.length).toBe(st.pages);
    expect(pages.length).toBeGreaterThan(8);
    const header = /Invoice\s+Date\s+Due date\s+Days late\s+Original\s+Paid\s+Balance\s+Status/;
    pages.slice(1).forEach((p, i) => {
      expect(p).toMatch(header);
      expect(p).toMatch(/\(continued\)/);
      expect(p).toContain(`Page ${i + 2} of ${pages.length}`);
    });
    const all = squash(pages.join('\n'));
    for (let k = 1; k <= 500; k++) expect(all).toContain(`INV-${String(k).padStart(4, '0')} `);
    // 500 invoices of 100.00 … 104.99 in de-DE: sum 5,124,750 minor units
    expect(all).toContain('Total USD 51.247,50 $ 0,00 $ 51.247,50 $');
  });
});

describe('CSV', () => {
  it('quotes per RFC 4180 and guards against formula injection', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvField('+1 312 555')).toBe("'+1 312 555");
    expect(csvField('-5')).toBe("'-5");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('1-2')).toBe('1-2');
  });

  it('guards formulas behind leading whitespace, in full-width forms, and after a leading CR or LF', () => {
    expect(csvField(' =1+1')).toBe("' =1+1");
    expect(csvField('  \u00A0+cmd')).toBe("'  \u00A0+cmd");
    expect(csvField('\u3000@SUM(A1)')).toBe("'\u3000@SUM(A1)");
    for (const c of ['＝', '＋', '－', '＠']) expect(csvField(`${c}HYPERLINK(1)`)).toBe(`'${c}HYPERLINK(1)`);
    expect(csvField(' ＝1')).toBe("' ＝1");
    expect(csvField('\r=1')).toBe('"\'\r=1"');
    expect(csvField('\nx')).toBe('"\'\nx"');
    expect(csvField(' plain')).toBe(' plain');
    expect(toCsv(['name'], [[' =cmd|calc']])).toBe("name\r\n' =cmd|calc\r\n");
    expect(toCsv(['h1', 'h2'], [['1', 'x,y']])).toBe('h1,h2\r\n1,"x,y"\r\n');
  });
});

const at = (iso: string): Date => new Date(iso);
function entry(accountId: string, action: string, iso: string, extra: Partial<AuditInput> = {}): AuditInput {
  return { orgId: 'org-1', accountId, actor: { kind: 'system', id: 'overdue', name: 'Overdue' }, channel: 'email', action, invoiceIds: ['inv-1'], at: at(iso), ...extra };
}

describe('audit trail export and verification (FerretDB)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  beforeAll(async () => {
    database = await openTestDatabase('docevidence');
    await ensureIndexes(database.db);
    store = createStore(database.db);
    await store.audit.append(entry('acct-a', 'outbox.sent', '2025-03-01T15:00:00Z', { outcome: 'reminder 1 sent to bea@contoso.example' }));
    await store.audit.append(entry('acct-a', 'call.logged', '2025-03-05T16:30:00Z', { channel: 'phone', actor: { kind: 'person', id: 'U1', name: 'Cole Lector' }, outcome: '=cmd|"/c calc"!A1, said "next week"', details: { minutes: 4 } }));
    const [first] = await store.audit.list('acct-a');
    await store.audit.correct(first!._id, entry('acct-a', 'note.corrected', '2025-03-06T09:00:00Z', { actor: { kind: 'person', id: 'U1', name: 'Cole Lector' }, channel: 'slack', outcome: 'wrong address' }));
    for (let i = 0; i < 4; i++) await store.audit.append(entry('acct-b', `step.${i}`, `2025-03-0${i + 1}T10:00:00Z`));
  });
  afterAll(() => database.drop());

  it('exports an account as CSV with every field, the injected formula defused', async () => {
    const csv = auditCsv(await store.audit.list('acct-a'), new Map([['acct-a', await store.audit.verify('acct-a')]]));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('account_id,seq,at,actor_kind,actor_id,actor_name,channel,action,invoice_ids,outcome,details,corrects_id,entry_id,prev_hash,hash,chain_check');
    expect(lines).toHaveLength(5); // header, 3 entries, final empty
    expect(lines[2]).toContain(`"'=cmd|""/c calc""!A1, said ""next week"""`);
    expect(lines[2]).toContain('"{""minutes"":4}"');
    expect(lines[3]).toMatch(/^acct-a,3,2025-03-06T09:00:00.000Z,person,U1,Cole Lector,slack,note.corrected,inv-1,wrong address,,acct-a:0000000001,acct-a:0000000003,/);
  });

  it('renders a readable PDF with the chain state and corrections', async () => {
    const entries = await store.audit.list('acct-a');
    const pdf = await auditPdf({ settings: settings(), scope: 'Account Contoso Builders LLC', entries, checks: new Map([['acct-a', await store.audit.verify('acct-a')]]), timeZone: 'America/Chicago', generatedAt: at('2025-03-31T00:00:00Z'), invoiceNumbers: new Map([['inv-1', 'INV-1001']]) });
    const text = squash(await pdfText(pdf));
    expect(text).toContain('AUDIT TRAIL');
    expect(text).toContain('acct-a: intact (3 entries)');
    expect(text).toContain('Mar 5, 2025, 10:30');
    expect(text).toContain('Cole Lector');
    expect(text).toContain('INV-1001');
    expect(text).toMatch(/note\.corrected \(corrects #1\)/);
  });

  it('verify passes on intact chains and names the tampered entry', async () => {
    const lines: string[] = [];
    expect(await runVerify(database.db, store.audit, [], (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toBe('2 account(s), 7 entries checked: all chains intact');

    const victim = (await store.audit.list('acct-b'))[2]!;
    await database.db.collection('audit_trail').updateOne({ _id: victim._id as never }, { $set: { outcome: 'customer paid in full' } });
    lines.length = 0;
    expect(await runVerify(database.db, store.audit, [], (l) => lines.push(l))).toBe(1);
    expect(lines[0]).toBe(`BROKEN account acct-b: entry seq 3 (id ${victim._id}): entry content does not match its hash`);
    expect(lines.at(-1)).toBe('2 account(s), 7 entries checked: 1 broken chain(s)');

    lines.length = 0;
    expect(await runVerify(database.db, store.audit, ['--account', 'acct-a'], (l) => lines.push(l))).toBe(0);
    expect(await runVerify(database.db, store.audit, ['--account'], (l) => lines.push(l))).toBe(2);
    expect(parseVerifyArgs(['--account=x'])).toEqual({ accountId: 'x' });
  });

  it('npm run audit:verify exits non-zero naming the broken entry', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, MONGODB_URI: testDatabaseUri(), MONGODB_DB: database.name, NODE_ENV: 'test' };
    const err = await run('npx', ['tsx', 'scripts/verify-audit.ts'], { env }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 1 });
    expect(String((err as { stdout?: string }).stdout)).toMatch(/BROKEN account acct-b: entry seq 3/);
    const ok = await run('npx', ['tsx', 'scripts/verify-audit.ts', '--account', 'acct-a'], { env });
    expect(ok.stdout).toContain('1 account(s), 3 entries checked: all chains intact');
  });
});
