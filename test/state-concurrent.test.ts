// A person's pause entry and planning's bookkeeping written to one account at the
// same moment: FerretDB 1.x applies an update as "read the document, write it
// back", so planning's $set could undo a $push that crossed it. Both take the
// account's write claim (src/planning/state.ts), and every entry survives.
import { accountStates, type PromiseDoc } from '../src/planning/state.js';
import { openTestDatabase } from './helpers/db.js';

it('every promise survives planning writing the same account at the same time', async () => {
  const database = await openTestDatabase('state-concurrent');
  try {
    const states = accountStates(database.db);
    const now = new Date('2025-03-10T15:00:00Z');
    await states.recordPlan('c1', 'org', { nextEvaluationAt: null, levelId: 'current' }, now);
    const promise = (i: number): PromiseDoc => ({ id: `p${i}`, madeAt: now, promisedDate: '2025-03-20', status: 'open' });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      writes.push(states.addPause('c1', 'org', 'promises', promise(i), now));
      writes.push(states.recordPlan('c1', 'org', { nextEvaluationAt: new Date(now.getTime() + i * 60_000), levelId: `level-${i}` }, now));
    }
    await Promise.all(writes);
    const doc = await states.get('c1');
    expect((doc?.promises ?? []).map((p) => p.id).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
  } finally {
    await database.drop();
  }
});
