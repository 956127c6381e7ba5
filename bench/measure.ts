// What several benches share: the `--sizes` option, counting database round
// trips (every command a monitored client starts), the peak memory of a stage,
// the machine's load next to each figure, and percentiles.
import { loadavg } from 'node:os';
import type { MongoClient } from 'mongodb';

/** `--sizes 1000,5000` (or `--sizes=…`), sorted; `fallback` when absent. */
export function sizesFromArgs(argv: readonly string[], fallback: string): number[] {
  const arg = optionFromArgs(argv, 'sizes') ?? fallback;
  const sizes = arg.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes takes positive integers, e.g. --sizes 1000,5000 (got ${arg})`);
  return sizes.sort((a, b) => a - b);
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
  private counting = false;

  constructor(client: MongoClient) {
    client.on('commandStarted', (e) => {
      if (this.counting) this.commands.push(`${e.commandName}:${String(e.command[e.commandName])}`);
    });
  }

  start(): void {
    this.commands.length = 0;
    this.counting = true;
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
