// One active credit hold per customer, decided on the real FerretDB: two holds
// activated at once from two connections (FerretDB has no atomic conditional
// update, so a claim decides), the release freeing the customer, a claim left
// behind by a crash, and a hold made active before the claim existed.
import { connectDatabase, type Database } from '../src/db/connect.js';
import { activeHoldClaim, AlreadyOnHoldError } from '../src/store/approvals.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import type { AuditActor, CreditHoldDoc } from '../src/store/types.js';
import { openTestDatabase, testDatabaseUri } from './helpers/db.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let other: Database;
let a: Store;
let b: Store;
const now = new Date('2025-05-01T15:00:00Z');
const cole: AuditActor = { kind: 'person', id: 'cole@example.com', name: 'Cole Lector' };
const mia: AuditActor = { kind: 'person', id: 'mia@example.com', name: 'Mia Manager' };

beforeAll(async () => {
  database = await openTestDatabase('creditholds');
  await ensureIndexes(database.db);
  other = await connectDatabase(testDatabaseUri(), database.name, 10_000);
  a = createStore(database.db);
  b = createStore(other.db);
});
afterAll(async () => {
  await other.close();
  await database.drop();
});

const propose = (store: Store, id: string, customerId: string) =>
  store.creditHolds.create({ _id: id, orgId: 'org1', customerId, status: 'proposed', reason: 'over 60 days', requestedBy: cole }, now);

describe('one active credit hold per customer', () => {
  it('activates exactly one of two holds placed at once from two connections', async () => {
    for (let round = 0; round < 5; round++) {
      const customer = `cust-race-${round}`;
      await propose(a, `${customer}:h1`, customer);
      await propose(a, `${customer}:h2`, customer);
      const results = await Promise.allSettled([
        a.creditHolds.transition(`${customer}:h1`, 'active', cole, now),
        b.creditHolds.transition(`${customer}:h2`, 'active', mia, now),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(AlreadyOnHoldError);
      const active = await database.db.collection<CreditHoldDoc>(collections.creditHolds).find({ customerId: customer, status: 'active' }).toArray();
      expect(active).toHaveLength(1);
      expect(await a.claims.holder(activeHoldClaim(customer))).toBe(active[0]?._id);
    }
  });

  it('says which hold is in place, since when and by whom; after the release another hold may go active', async () => {
    await propose(a, 'c2:h1', 'c2');
    await propose(a, 'c2:h2', 'c2');
    await a.creditHolds.transition('c2:h1', 'active', cole, now);
    const later = new Date(now.getTime() + 86_400_000);
    const refused = await b.creditHolds.transition('c2:h2', 'active', mia, later).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AlreadyOnHoldError);
    expect(refused).toMatchObject({ code: 'conflict', holdId: 'c2:h1', since: now, placedBy: cole });
    expect((await a.creditHolds.get('c2:h2'))?.status).toBe('proposed'); // refused holds stay proposals
    await a.creditHolds.transition('c2:h1', 'released', cole, later);
    expect(await a.claims.holder(activeHoldClaim('c2'))).toBeNull();
    expect(await b.creditHolds.transition('c2:h2', 'active', mia, later)).toMatchObject({ status: 'active', activeSince: later });
    expect((await a.creditHolds.activeForCustomer('c2'))?._id).toBe('c2:h2');
  });

  it('clears a claim left behind by a hold released without deleting it (a crash in between)', async () => {
    await propose(a, 'c3:h1', 'c3');
    await propose(a, 'c3:h2', 'c3');
    await a.creditHolds.transition('c3:h1', 'active', cole, now);
    // the process died after writing 'released' but before deleting the claim
    await database.db.collection<CreditHoldDoc>(collections.creditHolds).updateOne({ _id: 'c3:h1' }, { $set: { status: 'released' } });
    expect(await a.claims.holder(activeHoldClaim('c3'))).toBe('c3:h1');
    await a.creditHolds.transition('c3:h2', 'active', cole, now);
    expect(await a.claims.holder(activeHoldClaim('c3'))).toBe('c3:h2');
  });

  it('counts a hold made active before the claim existed', async () => {
    await database.db.collection<CreditHoldDoc>(collections.creditHolds).insertOne({
      _id: 'c4:old', orgId: 'org1', customerId: 'c4', status: 'active', reason: 'old', requestedBy: cole, decidedBy: cole, createdAt: now, updatedAt: now,
    });
    await propose(a, 'c4:new', 'c4');
    await expect(a.creditHolds.transition('c4:new', 'active', mia, now)).rejects.toMatchObject({ holdId: 'c4:old', since: now });
    expect(await a.claims.holder(activeHoldClaim('c4'))).toBeNull();
  });
});
