// The services object (jobs/agenda.ts) as tests build it: a plain object over a
// store, with nothing configured (no connectors, no SMTP, no Slack, no
// scheduler) and the stored policies read on every call, unless overridden.
import type { Services } from '../../jobs/agenda.js';
import { createLogger } from '../../src/logger.js';
import { storedPolicySource } from '../../src/planning/policy-source.js';
import type { Store } from '../../src/store/store.js';

export function testServices(store: Store, overrides: Partial<Services> = {}): Services {
  return {
    store,
    logger: createLogger('silent'),
    worker: 'test-worker',
    now: () => new Date(),
    policies: storedPolicySource(store.policies, { cacheMs: 0, organisations: store.organisations }),
    connectors: {},
    inbox: {},
    outbox: { email: null },
    ...overrides,
  };
}
