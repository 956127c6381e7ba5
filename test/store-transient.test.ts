// Transient database errors: the classifier recognises FerretDB/SQLite's
// "database is locked (SQLITE_BUSY)" as the driver surfaces it (MongoServerError,
// code 1, InternalError), retryTransient tries again with a jittered back-off
// and gives up on anything else, and appendAuditOnce never appends twice when
// the failure came after the entry was written.
import { MongoServerError } from 'mongodb';
import { createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { backoffDelay } from '../src/domain/retry.js';
import { appendAuditOnce, isTransientDbError, retryTransient, storeRetry } from '../src/store/transient.js';
import type { AuditInput } from '../src/store/types.js';
import { openTestDatabase } from './helpers/db.js';

/** What FerretDB 1.24 answered to an update under 120 concurrent writers (observed). */
const busy = (): MongoServerError =>
  new MongoServerError({
    message: '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:114 common.UpdateDocument] [collection.go:191 sqlite.(*collection).UpdateAll] [collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)',
    errmsg: '[msg_update.go:133 handler.(*Handler).updateDocument] … database is locked (5) (SQLITE_BUSY)',
    code: 1,
    codeName: 'InternalError',
  });

describe('isTransientDbError', () => {
  it('recognises SQLITE_BUSY / locked answers and retryable labels, nothing else', () => {
    expect(isTransientDbError(busy())).toBe(true);
    expect(isTransientDbError(new MongoServerError({ message: '[msg_insert.go:168 handler.(*Handler).MsgInsert] database table is locked (SQLITE_LOCKED)', code: 1, codeName: 'InternalError' }))).toBe(true);
    const labelled = new MongoServerError({ message: 'not primary', code: 10107 });
    labelled.addErrorLabel('RetryableWriteError');
    expect(isTransientDbError(labelled)).toBe(true);
    expect(isTransientDbError(new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 }))).toBe(false);
    expect(isTransientDbError(new MongoServerError({ message: 'some other internal error', code: 1, codeName: 'InternalError' }))).toBe(false);
    expect(isTransientDbError(new Error('database is locked (5) (SQLITE_BUSY)'))).toBe(false); // not from the server
    expect(isTransientDbError('SQLITE_BUSY')).toBe(false);
  });
});

describe('retryTransient', () => {
  it('tries again after a jittered back-off while the database is busy, then returns', async () => {
    const waits: number[] = [];
    let calls = 0;
    const r = await retryTransient(
      async () => {
        calls++;
        if (calls < 3) throw busy();
        return 'ok';
      },
      { baseMs: 100, maxMs: 1_000, random: () => 0.5, sleep: async (ms) => void waits.push(ms) },
    );
    expect(r).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([50, 100]); // half of 100, then half of 200
  });

  it('rethrows a non-transient error at once, and a transient one after the last attempt', async () => {
    let calls = 0;
    await expect(retryTransient(async () => { calls++; throw new Error('boom'); }, { sleep: async () => {} })).rejects.toThrow('boom');
    expect(calls).toBe(1);
    calls = 0;
    await expect(retryTransient(async () => { calls++; throw busy(); }, { attempts: 4, sleep: async () => {} })).rejects.toThrow(/SQLITE_BUSY/);
    expect(calls).toBe(4);
  });

  it('back-off ceilings double and are capped; the delay is anywhere below the ceiling', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffDelay(a, { ...storeRetry, baseMs: 25, maxMs: 150 }, () => 0.999))).toEqual([24, 49, 99, 149, 149]);
    expect(backoffDelay(3, storeRetry, () => 0)).toBe(0);
  });
});

describe('appendAuditOnce', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  beforeAll(async () => {
    database = await openTestDatabase('transient');
    await ensureIndexes(database.db);
    store = createStore(database.db);
  });
  afterAll(async () => {
    await database.drop();
  });
  const input = (action: string): AuditInput => ({ orgId: 'o', accountId: 'acct-1', actor: { kind: 'person', id: 'a@b.example' }, channel: 'slack', action, invoiceIds: [], outcome: action, at: new Date('2025-03-20T15:00:00Z') });

  it('retries an append that wrote nothing, and does not append twice when the entry was written before the failure', async () => {
    const real = store.audit;
    let n = 0;
    // First: busy before anything is written. Second: the entry is written, then the head update is "busy".
    const flaky = Object.create(real) as typeof real;
    flaky.append = async (i: AuditInput) => {
      n++;
      if (n === 1) throw busy();
      if (n === 2) {
        await real.append(i);
        throw busy();
      }
      return real.append(i);
    };
    const s: Store = { ...store, audit: flaky };
    const e = await appendAuditOnce(s, input('promise.recorded'), { sleep: async () => {} });
    expect(e.action).toBe('promise.recorded');
    expect(n).toBe(2);
    expect((await real.list('acct-1')).map((x) => x.action)).toEqual(['promise.recorded']);
    // A later, different entry is appended normally.
    await appendAuditOnce(s, input('call.logged'), { sleep: async () => {} });
    expect((await real.list('acct-1')).map((x) => x.action)).toEqual(['promise.recorded', 'call.logged']);
  });
});
