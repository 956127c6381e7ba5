// A per-company request limiter: at most `concurrent` requests in flight and at
// most `perMinute` started in any rolling minute. Waiters are served in order.
export class Limiter {
  private inFlight = 0;
  private readonly started: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly concurrent: number, private readonly perMinute: number) {}

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
    const cutoff = Date.now() - 60_000;
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
      // Blocked by the per-minute budget: look again when the oldest start leaves the window.
      const wait = Math.max(1, (this.started[0] ?? Date.now()) + 60_000 - Date.now());
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
  constructor(private readonly concurrent: number, private readonly perMinute: number) {}

  for(key: string): Limiter {
    let l = this.byKey.get(key);
    if (!l) {
      l = new Limiter(this.concurrent, this.perMinute);
      this.byKey.set(key, l);
    }
    return l;
  }
}
