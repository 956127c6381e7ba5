// Who collects an account: the customer's own collector (CustomerDoc.collectorEmail, set by the
// assignments import), else the organisation's default collector (the import's `*` row,
// settings.assignments.defaultCollectorEmail). Pure; every reader of "the account's collector"
// (planning, Slack deliveries and hand-overs, email reply-to, letters) goes through it.
import type { CustomerDoc } from '../store/types.js';
import { defaultCollectorOf } from './assemble.js';

export function collectorEmailOf(customer: Pick<CustomerDoc, 'collectorEmail'>, org: { settings: Record<string, unknown> } | null | undefined): string | undefined {
  return customer.collectorEmail ?? (org ? defaultCollectorOf(org.settings) : undefined);
}

/** The fallback resolveDocumentSettings takes: the account's collector, when there is one. */
export function collectorFallbackOf(customer: Pick<CustomerDoc, 'collectorEmail'>, org: { settings: Record<string, unknown> } | null | undefined): { collectorEmail?: string } {
  const email = collectorEmailOf(customer, org);
  return email !== undefined ? { collectorEmail: email } : {};
}
