// The lint config refuses module-level mutable state in the service's code
// (eslint.config.mjs, `no-restricted-syntax`): a planted registry of the kind the
// composition root replaced (a top-level `let` set by `setX()`, a top-level
// WeakMap keyed by the store) fails lint; the same state inside an object passes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const cwd = join(__dirname, '..');

const letRegistry = `
type Wiring = { connectors: Record<string, unknown> };
let wiring: Wiring = { connectors: {} };
export function setWiring(w: Wiring): void {
  wiring = w;
}
export function connectors(): Record<string, unknown> {
  return wiring.connectors;
}
`;
const weakMapRegistry = `
import type { Store } from '../src/store/store.js';
const schedulers = new WeakMap<Store, object>();
export function setScheduler(store: Store, agenda: object): void {
  schedulers.set(store, agenda);
}
`;
const exportedRegistry = `export const registry = new Map<string, () => void>();\nexport let current = 0;\n`;
const stateInObjects = `
export class Scheduler {
  private readonly byStore = new WeakMap<object, object>();
  set(k: object, v: object): void {
    this.byStore.set(k, v);
  }
}
export function counter(): () => number {
  let n = 0;
  const seen = new Map<string, number>();
  return () => {
    seen.set(String(n), n);
    return ++n;
  };
}
export const LIMITS = Object.freeze({ perMinute: 60 });
`;
const counter = `let calls = 0;\nexport function count(): number {\n  return ++calls;\n}\n`;

const cases = {
  letInJobs: [letRegistry, 'jobs/planted.ts'],
  letInSrc: [letRegistry, 'src/outbox/planted.ts'],
  letInSlack: [letRegistry, 'slack/services/planted.ts'],
  letInConnectors: [letRegistry, 'connectors/planted.ts'],
  letInApp: [letRegistry, 'app/planted.ts'],
  weakMap: [weakMapRegistry, 'jobs/planted.ts'],
  exported: [exportedRegistry, 'src/planning/planted.ts'],
  inObjects: [stateInObjects, 'jobs/planted.ts'],
  inTest: [counter, 'test/planted.test.ts'],
  inBench: [counter, 'bench/planted.ts'],
} as const;
type Case = keyof typeof cases;

let results: Record<Case, string[]>;

/** Lint every snippet as if it were the file named (ESLint's Node API, in one child process: see lint-text.mjs). */
beforeAll(() => {
  const names = Object.keys(cases) as Case[];
  const input = names.map((n) => ({ code: cases[n][0], filePath: join(cwd, cases[n][1]) }));
  const r = spawnSync(process.execPath, [join(cwd, 'test/helpers/lint-text.mjs')], { cwd, input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lint-text failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as string[][];
  results = Object.fromEntries(names.map((n, i) => [n, (out[i] ?? []).filter((m) => m.startsWith('no-restricted-syntax:'))])) as Record<Case, string[]>;
}, 120_000);

it('fails on a planted module-level let registry with its setter, in every layer of the service', () => {
  for (const c of ['letInJobs', 'letInSrc', 'letInSlack', 'letInConnectors', 'letInApp'] as const) {
    expect(results[c]).toEqual([expect.stringMatching(/No module-level let\/var/)]);
  }
});

it('fails on a planted module-level WeakMap or Map registry, exported or not', () => {
  expect(results.weakMap).toEqual([expect.stringMatching(/No module-level Map\/WeakMap registry/)]);
  expect(results.exported).toEqual([expect.stringMatching(/No module-level Map\/WeakMap registry/), expect.stringMatching(/No module-level let\/var/)]);
});

it('passes the same state kept inside the object that uses it', () => {
  expect(results.inObjects).toEqual([]);
});

it("leaves tests and the tools' scripts alone", () => {
  expect(results.inTest).toEqual([]);
  expect(results.inBench).toEqual([]);
});
