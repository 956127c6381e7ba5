// The audit trail's per-account heads: deterministic entry ids, the head moving
// forward, deleting the last entries of a chain caught by verify and by
// `npm run audit:verify`, trails written before heads, and a lagging head that
// must never raise a false alarm.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { auditPdf } from '../src/documents/audit-export.js';
import { runVerify } from '../src/documents/verify.js';
import { auditEntryId, auditHash, GENESIS_HASH } from '../src/store/audit.js';
import { canonicalJson, hmacSha256Hex, sha256Hex } from '../src/store/hash.js';
import { developmentAuditChainKey } from '../src/crypto/audit-key.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { AuditEntryDoc, AuditHeadDoc, AuditInput } from '../src/store/types.js';
import { connectDatabase, type Database } from '../src/db/connect.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';
import { pdfText, settings, squash } from './documents.helpers.js';

const t0 = Date.UTC(2025, 2, 1, 12);
function entry(accountId: string, i: number): AuditInput {
  return { orgId: 'org-1', accountId, actor: { kind: 'system', id: 'overdue' }, channel: 'email', action: `step.${i}`, invoiceIds: ['inv-1'], at: new Date(t0 + i * 3_600_000) };
}

describe('audit heads (FerretDB)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  const entries = () => database.db.collection<AuditEntryDoc>(collections.audit);
  const heads = () => database.db.collection<AuditHeadDoc>(collections.auditHeads);
  async function appendN(accountId: string, n: number): Promise<AuditEntryDoc[]> {
    const out: AuditEntryDoc[] = [];
    for (let i = 0; i < n; i++) out.push(await store.audit.append(entry(accountId, i)));
    return out;
  }

  beforeAll(async () => {
    database = await openTestDatabase('auditheads');
    await ensureIndexes(database.db);
    store = createStore(database.db);
  });
  afterAll(() => database.drop());

  it('gives entries deterministic ids and moves the head to the latest entry', async () => {
    const written = await appendN('acct-ids', 3);
    expect(written.map((e) => e._id)).toEqual(['acct-ids:0000000001', 'acct-ids:0000000002', 'acct-ids:0000000003']);
    expect(written[1]!.prevHash).toBe(written[0]!.hash);
    expect(await store.audit.head('acct-ids')).toEqual({ _id: 'acct-ids', seq: 3, hash: written[2]!.hash, at: written[2]!.at });
    expect(await store.audit.verify('acct-ids')).toEqual({ ok: true, entries: 3 });
  });

  it('reports a chain whose last 2 entries were deleted, in verify, the verify command and the audit PDF', async () => {
    await appendN('acct-tail', 5);
    await appendN('acct-fine', 2);
    await entries().deleteMany({ _id: { $in: [auditEntryId('acct-tail', 4), auditEntryId('acct-tail', 5)] } });
    const check = await store.audit.verify('acct-tail');
    expect(check).toEqual({ ok: false, entries: 3, brokenAtSeq: 4, reason: 'entries after seq 3 were deleted (head says 5)' });

    const lines: string[] = [];
    expect(await runVerify(database.db, store.audit, ['--account', 'acct-tail'], (l) => lines.push(l))).toBe(1);
    expect(lines[0]).toBe('BROKEN account acct-tail: entry seq 4: entries after seq 3 were deleted (head says 5)');

    const pdf = await auditPdf({ settings: settings(), scope: 'Account acct-tail', entries: await store.audit.list('acct-tail'), checks: new Map([['acct-tail', check]]), timeZone: 'UTC', generatedAt: new Date(t0) });
    expect(squash(await pdfText(pdf))).toContain('acct-tail: BROKEN at entry 4: entries after seq 3 were deleted (head says 5)');

    // The command, as an operator runs it, against this database.
    const run = promisify(execFile);
    const env = { ...process.env, MONGODB_URI: testDatabaseUri(), MONGODB_DB: database.name, NODE_ENV: 'test' };
    const err = await run('npx', ['tsx', 'scripts/verify-audit.ts'], { env }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 1 });
    const stdout = String((err as { stdout?: string }).stdout);
    expect(stdout).toContain('BROKEN account acct-tail: entry seq 4: entries after seq 3 were deleted (head says 5)');
    expect(stdout).not.toContain('acct-fine:');
    const ok = await run('npx', ['tsx', 'scripts/verify-audit.ts', '--account', 'acct-fine'], { env });
    expect(ok.stdout).toContain('1 account(s), 2 entries checked: all chains intact');

    // Appending after the deletion does not hide it: the gap stays.
    await store.audit.append(entry('acct-tail', 9));
    expect(await store.audit.verify('acct-tail')).toMatchObject({ ok: false, brokenAtSeq: 4, reason: 'entry 4 is missing' });
  });

  it('reports an account whose every entry was deleted, and a tail replaced by forged entries', async () => {
    await appendN('acct-gone', 2);
    await entries().deleteMany({ accountId: 'acct-gone' });
    expect(await store.audit.verify('acct-gone')).toEqual({ ok: false, entries: 0, brokenAtSeq: 1, reason: 'entries after seq 0 were deleted (head says 2)' });
    const lines: string[] = [];
    expect(await runVerify(database.db, store.audit, [], (l) => lines.push(l))).toBe(1);
    expect(lines).toContain('BROKEN account acct-gone: entry seq 1: entries after seq 0 were deleted (head says 2)');

    // Replace the last entry by a different one whose hash and link are valid: only the head can tell.
    const [, second] = await appendN('acct-forged', 2);
    await entries().deleteOne({ _id: second!._id });
    const { hash: _old, ...body } = { ...second!, outcome: 'customer paid in full' };
    void _old;
    await entries().insertOne({ ...body, hash: auditHash(body, developmentAuditChainKey()) });
    expect(await store.audit.verify('acct-forged')).toMatchObject({ ok: false, brokenAtSeq: 2, reason: expect.stringMatching(/^entry 2 is not the one the head recorded/) });
  });

  it('is keyed: an entry edited and the chain recomputed without the server key (plain SHA-256, another key) is reported broken', async () => {
    /** What someone with write access to the database can do: edit entry 2, recompute the hashes after it and the head. */
    async function rewrite(accountId: string, hash: (text: string) => string): Promise<void> {
      const list = await store.audit.list(accountId);
      let prev = list[0]!.hash;
      for (const e of list.slice(1)) {
        const { hash: _old, ...rest } = e;
        void _old;
        const body = { ...rest, prevHash: prev, ...(e.seq === 2 ? { outcome: 'customer disputed nothing' } : {}) };
        prev = hash(canonicalJson(body));
        await entries().replaceOne({ _id: e._id }, { ...body, hash: prev });
      }
      await heads().updateOne({ _id: accountId }, { $set: { hash: prev } });
    }
    const attacks: [string, (text: string) => string][] = [
      ['acct-sha', sha256Hex],
      ['acct-otherkey', (text) => hmacSha256Hex(randomBytes(32), text)],
    ];
    for (const [accountId, hash] of attacks) {
      await appendN(accountId, 3);
      expect(await store.audit.verify(accountId)).toEqual({ ok: true, entries: 3 });
      await rewrite(accountId, hash);
      expect(await store.audit.verify(accountId)).toEqual({ ok: false, entries: 3, brokenAtSeq: 2, reason: 'entry content does not match its hash' });
    }
    // Only the holder of the key can recompute a chain that verifies.
    await appendN('acct-keyholder', 3);
    await rewrite('acct-keyholder', (text) => hmacSha256Hex(developmentAuditChainKey(), text));
    expect(await store.audit.verify('acct-keyholder')).toEqual({ ok: true, entries: 3 });

    // A store keyed otherwise finds every chain written with the development key broken; `npm run audit:verify` uses the configured key.
    const otherKey = randomBytes(32);
    expect(await createStore(database.db, { auditChainKey: otherKey }).audit.verify('acct-keyholder')).toMatchObject({ ok: false, brokenAtSeq: 1 });
    const run = promisify(execFile);
    const env = { ...process.env, MONGODB_URI: testDatabaseUri(), MONGODB_DB: database.name, NODE_ENV: 'test' };
    const ok = await run('npx', ['tsx', 'scripts/verify-audit.ts', '--account', 'acct-keyholder'], { env });
    expect(ok.stdout).toContain('all chains intact');
    const err = await run('npx', ['tsx', 'scripts/verify-audit.ts', '--account', 'acct-keyholder'], { env: { ...env, AUDIT_CHAIN_KEY: otherKey.toString('base64') } }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 1 });
    expect(String((err as { stdout?: string }).stdout)).toContain('BROKEN account acct-keyholder: entry seq 1 (id acct-keyholder:0000000001): entry content does not match its hash');
  });

  it('continues a trail written before heads (random ids, no head) and creates its head', async () => {
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const body = { ...entry('acct-legacy', seq), _id: randomUUID(), seq, prevHash: prev };
      const hash = auditHash(body, developmentAuditChainKey());
      await entries().insertOne({ ...body, hash });
      prev = hash;
    }
    expect(await store.audit.head('acct-legacy')).toBeNull();
    const next = await store.audit.append(entry('acct-legacy', 4));
    expect(next).toMatchObject({ _id: 'acct-legacy:0000000004', seq: 4, prevHash: prev });
    expect(await store.audit.head('acct-legacy')).toMatchObject({ seq: 4, hash: next.hash });
    expect(await store.audit.verify('acct-legacy')).toEqual({ ok: true, entries: 4 });
  });

  it('a head left behind by a racing writer neither breaks appends nor raises a false alarm', async () => {
    const written = await appendN('acct-lag', 4);
    // What a lost race leaves: the head on an older entry than the last.
    await heads().updateOne({ _id: 'acct-lag' }, { $set: { seq: 2, hash: written[1]!.hash } });
    expect(await store.audit.verify('acct-lag')).toEqual({ ok: true, entries: 4 });
    const fifth = await store.audit.append(entry('acct-lag', 5));
    expect(fifth).toMatchObject({ seq: 5, prevHash: written[3]!.hash });
    expect(await store.audit.head('acct-lag')).toMatchObject({ seq: 5, hash: fifth.hash });
    // The head never moves backward.
    await store.audit.append(entry('acct-lag', 6));
    expect((await store.audit.head('acct-lag'))?.seq).toBe(6);
  });

  it('keeps one unbroken chain when two connections append to the same account at once', async () => {
    const other: Database = await connectDatabase(testDatabaseUri(), database.name, 10_000);
    try {
      const stores = [store, createStore(other.db)];
      await Promise.all(Array.from({ length: 16 }, (_, i) => stores[i % 2]!.audit.append(entry('acct-race', i))));
      const list = await store.audit.list('acct-race');
      expect(list.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect(list.every((e) => e._id === auditEntryId('acct-race', e.seq))).toBe(true);
      expect(await store.audit.verify('acct-race')).toEqual({ ok: true, entries: 16 });
      expect((await store.audit.head('acct-race'))?.seq).toBeLessThanOrEqual(16);
    } finally {
      await other.close();
    }
  });
});
