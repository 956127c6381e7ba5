// The letter PDF for the email channel's `attachLetter` hook: the letter action's
// invoices as they are at sending time, dated today in the customer's zone, with
// the deadline the dispatcher dated at sending (SendContext.responseBy; the planned
// one for an entry without it), so the email and the PDF state the same date.
import { roleTitle } from '../domain/contact-roles.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { isValidDate, localDate } from '../domain/calendar.js';
import { collectorFallbackOf } from '../planning/collector.js';
import type { PayloadAction } from '../planning/payload.js';
import type { CustomerDoc, InvoiceDoc, OrganisationDoc } from '../store/types.js';
import { buildLetter, letterDeadline } from './letter.js';
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
  /** The deadline the letter states (the dispatcher's, src/domain/deadline.ts). */
  responseBy?: string;
  /** The account's customer page link, as the email that carries the letter prints it. */
  customerPageUrl?: string;
}

/** A deadline a letter can state: a valid date after the letter's own (an unreadable one: the settings' default, below). */
function stateable(deadline: string, sentDate: string): string | undefined {
  return isValidDate(deadline) && deadline > sentDate ? deadline : undefined;
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
    ...(ctx.replyTo ? { replyTo: ctx.replyTo } : {}),
    ...(ctx.customerPageUrl ? { customerPageUrl: ctx.customerPageUrl } : {}),
    deadline: stateable(ctx.responseBy ?? a.responseBy, sentDate) ?? letterDeadline(kind, settings, sentDate),
  });
  return { filename: letter.filename, content: letter.pdf, contentType: 'application/pdf' };
}
