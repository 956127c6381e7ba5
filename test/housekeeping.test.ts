// The daily housekeeping job: old claims are forgotten, and so are the console's sign-in links and
// sessions and the ladder editor's drafts past their expiry (src/store/expired.ts, the rule ConsoleAuth.prune
// and PolicyDrafts.prune share); live ones stay.
import { ConsoleAuth } from '../app/console/auth.js';
import { housekeeping } from '../jobs/housekeeping.js';
import { collections, createStore, ensureIndexes, type Store } from '../src/store/store.js';
import { openTestDatabase } from './helpers/db.js';
import { testServices } from './helpers/services.js';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: Store;

beforeAll(async () => {
  database = await openTestDatabase('housekeeping');
  await ensureIndexes(database.db);
  store = createStore(database.db);
});
afterAll(() => database.drop());

const T0 = new Date('2026-03-02T09:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

it('forgets expired console links and sessions and claims older than keepDays, keeps the live ones', async () => {
  const auth = new ConsoleAuth(store);
  // A link used at once (its session lives 12 h), a link never used (expires after 10 minutes), and one minted later.
  const used = await auth.mintSignIn('org-h', 'U1', T0);
  const redeemed = await auth.redeem(used.token, T0);
  if (!redeemed.ok) throw new Error('not redeemed');
  await auth.mintSignIn('org-h', 'U2', T0);
  const late = await auth.mintSignIn('org-h', 'U3', hours(13));
  await store.claims.take('old-claim', 'w', new Date(T0.getTime() - 40 * 86_400_000));
  // The ladder editor's draft ends with its session.
  await database.db.collection(collections.consolePolicyDrafts).insertOne({ _id: 'draft-of-session' as never, orgId: 'org-h', expiresAt: hours(12) });

  const now = hours(13);
  await housekeeping.run({ keepDays: 30 }, testServices(store, { now: () => now }), undefined as never);

  // Both T0 links are past their 10 minutes and the session past its 12 hours: gone. The late link stays.
  expect(await database.db.collection(collections.consoleSessions).countDocuments({})).toBe(0);
  expect(await database.db.collection(collections.consolePolicyDrafts).countDocuments({})).toBe(0);
  expect(await database.db.collection(collections.consoleSignIns).countDocuments({})).toBe(1);
  expect(await auth.peek(late.token, now)).toBe('valid');
  expect(await store.claims.holder('old-claim')).toBeNull();
});

it('a session still inside its 12 hours is kept', async () => {
  const auth = new ConsoleAuth(store);
  const link = await auth.mintSignIn('org-k', 'U9', T0);
  const r = await auth.redeem(link.token, T0);
  if (!r.ok) throw new Error('not redeemed');
  expect(await auth.prune(hours(11))).toBe(1); // the spent link only
  expect(await auth.session(r.sessionId, hours(0.1))).not.toBeNull();
});
