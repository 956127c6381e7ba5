// Each test file gets its own database on the run's real server, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { connectDatabase, type Database } from '../../src/db/connect.js';

export function testDatabaseUri(): string {
  const uri = process.env.OVERDUE_TEST_MONGODB_URI;
  if (!uri) throw new Error('OVERDUE_TEST_MONGODB_URI is unset: run the tests through jest (its globalSetup starts the server)');
  return uri;
}

export async function openTestDatabase(label: string): Promise<Database & { name: string; drop(): Promise<void> }> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const database = await connectDatabase(testDatabaseUri(), name, 10_000);
  return {
    ...database,
    name,
    async drop() {
      await database.db.dropDatabase().catch(() => {});
      await database.close();
    },
  };
}
