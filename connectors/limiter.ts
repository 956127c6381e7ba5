// A per-company request limiter: at most `concurrent` requests in flight and at
// most `perMinute` started in any rolling window of `windowMs` (default one
// minute; a slightly longer window leaves a margin for the provider's clock).
// Waiters are served in order. `pauseUntil` holds every start back until an
// instant (a provider's Retry-After).
export class Limiter {
  private inFlight = 0;
  private readonly started: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pausedUntil = 0;

  constructor(private readonly concurrent: number, private readonly perMinute: number, private readonly windowMs = 60_000) {}

  /** Start nothing before `until` (ms since the epoch), e.g. after a 429 with Retry-After. */
  pauseUntil(until: number): void {
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  async acquire(): Promise<void> {
    if (this.waiting.length === 0 && this.canStart()) return this.start();
    const turn = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.pump();
    await turn;
  }

  release(): void {
    this.inFlight -= 1;
    this.pump();
  }

  private canStart(): boolean {
    if (Date.now() < this.pausedUntil) return false;
    const cutoff = Date.now() - this.windowMs;
    while (this.started.length > 0 && (this.started[0] ?? 0) <= cutoff) this.started.shift();
    return this.inFlight < this.concurrent && this.started.length < this.perMinute;
  }

  private start(): void {
    this.inFlight += 1;
    this.started.push(Date.now());
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.canStart()) {
      this.start();
      this.waiting.shift()?.();
    }
    if (this.waiting.length > 0 && this.inFlight < this.concurrent && !this.timer) {
      // Blocked by the per-minute budget or a pause: look again when the oldest start leaves the window.
      const windowFree = this.started.length >= this.perMinute ? (this.started[0] ?? Date.now()) + this.windowMs : Date.now();
      const wait = Math.max(1, Math.max(windowFree, this.pausedUntil) - Date.now());
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      this.timer.unref();
    }
  }
}

/** One limiter per key (company), created on first use. */
export class Limiters {
  private readonly byKey = new Map<string, Limiter>();
  constructor(private readonly concurrent: number, private readonly perMinute: number, private readonly windowMs = 60_000) {}

  for(key: string): Limiter {
    let l = this.byKey.get(key);
    if (!l) {
      l = new Limiter(this.concurrent, this.perMinute, this.windowMs);
      this.byKey.set(key, l);
    }
    return l;
  }
}
