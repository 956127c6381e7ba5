// .env.example lists every variable the schema knows, and nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema, loadConfig } from '../src/config.js';

const text = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
const lines = text.split('\n');
const vars = lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]);

it('lists every variable of the schema exactly once, each under a comment', () => {
  expect([...vars].sort()).toEqual(Object.keys(envSchema.shape).sort());
  for (const v of vars) {
    let i = lines.findIndex((l) => l.startsWith(`${v}=`)) - 1;
    while (i > 0 && /^[A-Z_]+=/.test(lines[i] ?? '')) i--; // a comment may cover a pair (id + secret)
    expect(`${v}: ${lines[i]}`).toMatch(new RegExp(`^${v}: #`));
  }
});

it('parses as a valid configuration as it stands', () => {
  const env = Object.fromEntries(lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]));
  expect(() => loadConfig(env)).not.toThrow();
});
