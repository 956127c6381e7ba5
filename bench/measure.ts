// What several benches share: the `--sizes` option (and other lists of positive
// integers), one organisation of N customers × 5 invoices seeded directly,
// counting database round trips (every command a monitored client starts), the
// peak memory of a stage, the machine's load next to each figure, and percentiles.
import { loadavg } from 'node:os';
import type { Db, MongoClient } from 'mongodb';
import { collections } from '../src/store/store.js';
import type { CustomerDoc, InvoiceDoc } from '../src/store/types.js';
import { customerDoc, invoiceDoc, standardContacts } from '../test/helpers/accounts.js';

/** `--name 1,2,3` (or `--name=…`) as positive integers, in the order given; `fallback` when absent. */
export function positiveIntsFromArgs(argv: readonly string[], name: string, fallback: string, example: string): number[] {
  const arg = optionFromArgs(argv, name) ?? fallback;
  const values = arg.split(',').map((s) => Number(s.trim()));
  if (values.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${name} takes positive integers, e.g. --${name} ${example} (got ${arg})`);
  return values;
}

/** `--sizes 1000,5000` (or `--sizes=…`), sorted; `fallback` when absent. */
export function sizesFromArgs(argv: readonly string[], fallback: string): number[] {
  return positiveIntsFromArgs(argv, 'sizes', fallback, '1000,5000').sort((a, b) => a - b);
}

export const INVOICES_PER_CUSTOMER = 5;

/**
 * One organisation's N customers × 5 invoices (two past due, so a first planning pass enqueues; three not yet
 * due), ids `<prefix>000000…`, written straight into the collections 1,000 at a time.
 */
export async function seedCustomers(db: Db, orgId: string, prefix: string, n: number, now: Date): Promise<{ customers: number; invoices: number }> {
  const day = (d: number): string => new Date(now.getTime() + d * 86_400_000).toISOString().slice(0, 10);
  const customers: CustomerDoc[] = [];
  const invoices: InvoiceDoc[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${String(i).padStart(6, '0')}`;
    const c = customerDoc(orgId, id, `Bench Customer ${i}`, standardContacts(`${id}.example`), now, { timeZone: 'UTC' });
    customers.push(c);
    for (const [j, due] of [-12, -3, 10, 20, 30].entries()) invoices.push(invoiceDoc(c, `${id}-${j}`, `INV-${id}-${j}`, day(due), 10_000 + j * 1_000, now));
  }
  const chunk = 1_000;
  for (let k = 0; k < customers.length; k += chunk) await db.collection<CustomerDoc>(collections.customers).insertMany(customers.slice(k, k + chunk));
  for (let k = 0; k < invoices.length; k += chunk) await db.collection<InvoiceDoc>(collections.invoices).insertMany(invoices.slice(k, k + chunk));
  return { customers: customers.length, invoices: invoices.length };
}

/** The value of `--name value` or `--name=value`, if given. */
export function optionFromArgs(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i]?.includes('=') ? argv[i]?.split('=')[1] : argv[i + 1];
}

export const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

/**
 * Counts the commands a client (connected with `monitorCommands: true`) starts while counting is on:
 * `commandName:collection` strings, so a bench can split reads from writes or by collection.
 */
export class RoundTrips {
  readonly commands: string[] = [];
  /** Per `commandName:collection`: how many, and the milliseconds they took (started → answered, as the driver saw it). */
  readonly timings = new Map<string, { n: number; ms: number }>();
  private readonly started = new Map<number, string>();
  private counting = false;

  constructor(client: MongoClient) {
    client.on('commandStarted', (e) => {
      if (!this.counting) return;
      const name = `${e.commandName}:${String(e.command[e.commandName])}`;
      this.commands.push(name);
      this.started.set(e.requestId, name);
    });
    const done = (e: { requestId: number; duration: number }): void => {
      const name = this.started.get(e.requestId);
      if (name === undefined) return;
      this.started.delete(e.requestId);
      const t = this.timings.get(name) ?? { n: 0, ms: 0 };
      t.n++;
      t.ms += e.duration;
      this.timings.set(name, t);
    };
    client.on('commandSucceeded', done);
    client.on('commandFailed', done);
  }

  start(): void {
    this.commands.length = 0;
    this.timings.clear();
    this.started.clear();
    this.counting = true;
  }

  /** The commands that took the most time in all, as `name ×n total ms (ms each)` (a profile of the stage). */
  profile(top = 8): string {
    return [...this.timings.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([name, t]) => `${name} ×${t.n} ${(t.ms / 1000).toFixed(1)} s (${(t.ms / t.n).toFixed(1)} ms each)`)
      .join('; ');
  }

  stop(): number {
    this.counting = false;
    return this.commands.length;
  }

  writes(): number {
    return this.commands.filter((c) => WRITE_COMMANDS.has(c.split(':')[0] ?? '')).length;
  }
}

/** Samples the heap and RSS every `everyMs` until stopped; the peaks of what ran meanwhile. */
export function memoryPeaks(everyMs = 100): { stop(): { heapMb: number; rssMb: number } } {
  let heap = 0;
  let rss = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { heapMb: heap / 1_048_576, rssMb: rss / 1_048_576 };
    },
  };
}

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
export function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(', ');
}

/** The p-th percentile (0–100) of a list of numbers, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
