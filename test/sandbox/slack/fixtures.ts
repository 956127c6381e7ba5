// Block Kit fixtures: the committed JSON of every message and view under test.
// A missing fixture is written on the first run (review it, then commit it);
// UPDATE_SLACK_FIXTURES=1 rewrites them after a deliberate change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', '..', 'fixtures', 'slack');

export function expectFixture(name: string, actual: unknown): void {
  const file = join(DIR, `${name}.json`);
  const json = JSON.stringify(actual, null, 2) + '\n';
  if (!existsSync(file) || process.env.UPDATE_SLACK_FIXTURES === '1') writeFileSync(file, json);
  expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}
