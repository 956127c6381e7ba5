// The letter PDF for the email channel's `attachLetter` hook: the letter action's
// invoices as they are at sending time, dated today in the customer's zone, with
// the deadline the engine planned (so the email and the PDF name the same date).
import { roleTitle } from '../domain/contact-roles.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { isValidDate, localDate } from '../domain/calendar.js';
import { collectorFallbackOf } from '../planning/collector.js';
import type { PayloadAction } from '../planning/payload.js';
import type { CustomerDoc, InvoiceDoc, OrganisationDoc } from '../store/types.js';
import { buildLetter } from './letter.js';
import { partyOf, toDocInvoice } from './load.js';
import { resolveDocumentSettings, type LetterKind } from './settings.js';

const KINDS: Record<'writtenWarning' | 'finalDemand', LetterKind> = { writtenWarning: 'written-warning', finalDemand: 'final-demand' };

/** What the letter needs of the entry being sent (the outbox's SendContext has all of it). */
export interface LetterAttachmentInput {
  action: PayloadAction;
  customer: CustomerDoc;
  org: OrganisationDoc | null;
  invoices: InvoiceDoc[];
  now: Date;
  /** The account's reply address when inbound mail is configured (the email channel passes it). */
  replyTo?: string;
  /** The customer's zone as the dispatcher resolved it. */
  timeZone?: string;
}

export async function letterAttachment<C extends LetterAttachmentInput>(ctx: C): Promise<Mail.Attachment | null> {
  const a = ctx.action;
  if (a.kind !== 'letter') return null;
  const kind = KINDS[a.letter];
  const org = ctx.org ?? { name: 'Accounts receivable', settings: {} };
  const settings = resolveDocumentSettings(org, { ...collectorFallbackOf(ctx.customer, ctx.org), country: ctx.customer.country });
  const sentDate = localDate(ctx.now, ctx.timeZone ?? ctx.customer.timeZone ?? ctx.org?.timeZone ?? 'UTC');
  const party = { ...partyOf(ctx.customer, kind), attention: `${a.to.name}, ${roleTitle(a.to.role)}` };
  const letter = await buildLetter({
    kind,
    settings,
    customer: party,
    invoices: ctx.invoices.map((i) => toDocInvoice(i)),
    sentDate,
    ...(a.wording !== undefined ? { wording: a.wording } : {}),
    copies: a.cc.map((c) => ({ name: c.name, role: c.role })),
    ...(a.guarantee ? { guaranteeRef: a.guarantee.documentRef } : {}),
    ...(isValidDate(a.responseBy) && a.responseBy > sentDate ? { deadline: a.responseBy } : {}),
    ...(ctx.replyTo ? { replyTo: ctx.replyTo } : {}),
  });
  return { filename: letter.filename, content: letter.pdf, contentType: 'application/pdf' };
}
