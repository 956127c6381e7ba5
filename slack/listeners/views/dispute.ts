// Dispute modal submitted: which invoices, and why.
import { inputIds } from '../../ids.js';
import { submitNudge } from '../../services/nudge-actions.js';
import { CheckboxValue, servicesOf, reasonOf, submitted, type ViewArgs } from '../payloads.js';

export async function disputeSubmitted({ ack, body, context }: ViewArgs): Promise<void> {
  const s = submitted(body);
  const picked = CheckboxValue.safeParse(s.value(inputIds.disputeInvoices.block, inputIds.disputeInvoices.action) ?? {});
  const invoiceIds = picked.success ? (picked.data.selected_options ?? []).map((o) => o.value) : [];
  const r = reasonOf(s, 'Say what the customer disputes');
  const errors: Record<string, string> = r.ok ? {} : { ...r.errors };
  if (invoiceIds.length === 0) errors[inputIds.disputeInvoices.block] = 'Pick at least one invoice';
  if (!r.ok || invoiceIds.length === 0) return ack({ response_action: 'errors', errors });
  const reason = r.value;
  await ack();
  await submitNudge(servicesOf(context), { kind: 'dispute', invoiceIds, reason }, s.meta, s.userId);
}
