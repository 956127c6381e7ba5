// The shared limiter's additions Xero needs: a window longer than a minute (a
// margin for Xero's clock) and pauseUntil (Retry-After holds every caller).
import { Limiter } from '../../../connectors/limiter.js';

async function startTimes(l: Limiter, n: number): Promise<number[]> {
  const t0 = Date.now();
  return Promise.all(Array.from({ length: n }, async () => {
    await l.acquire();
    const at = Date.now() - t0;
    l.release();
    return at;
  }));
}

describe('Limiter', () => {
  it('starts at most perMinute calls per window', async () => {
    const times = await startTimes(new Limiter(5, 4, 300), 10);
    expect(times.filter((t) => t < 250)).toHaveLength(4);
    expect(times.filter((t) => t >= 290 && t < 550)).toHaveLength(4);
    expect(times.filter((t) => t >= 590)).toHaveLength(2);
  });
  it('pauseUntil holds every caller back until the instant, then lets them go in order', async () => {
    const l = new Limiter(5, 100, 60_000);
    l.pauseUntil(Date.now() + 200);
    const times = await startTimes(l, 3);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(190);
    expect(Math.max(...times)).toBeLessThan(400);
  });
  it('a shorter pause does not shorten a longer one', async () => {
    const l = new Limiter(5, 100, 60_000);
    l.pauseUntil(Date.now() + 200);
    l.pauseUntil(Date.now() + 50);
    const [t] = await startTimes(l, 1);
    expect(t).toBeGreaterThanOrEqual(190);
  });
});
