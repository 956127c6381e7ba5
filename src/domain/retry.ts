// Retry with exponential backoff, one definition: the policy type and the delay
// formula shared by the outbox dispatcher, the store's transient-error retries
// and the QuickBooks and Xero clients. Pure (the randomness is passed in).

export interface RetryPolicy {
  /** Tries in all, the first included: after this many, give up. */
  readonly attempts: number;
  /** The wait before the second try (its ceiling with jitter); doubled each try after. */
  readonly baseMs: number;
  /** No wait (ceiling) is longer than this. */
  readonly maxMs: number;
  /**
   * 'full' (default): anywhere in [0, ceiling), so many clients retrying at once spread out.
   * 'none': exactly the ceiling (1×, 2×, 4× … base), for schedules people read.
   */
  readonly jitter?: 'full' | 'none';
}

/** The wait before try `attempt + 1` (`attempt` ≥ 1 tries made), whatever the attempts budget. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs' | 'jitter'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return policy.jitter === 'none' ? ceiling : Math.floor(random() * ceiling);
}

/** The wait before try `attempt + 1`, or null when `attempt` tries spent the policy's budget. */
export function nextRetryDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number | null {
  return attempt >= policy.attempts ? null : backoffDelay(attempt, policy, random);
}
