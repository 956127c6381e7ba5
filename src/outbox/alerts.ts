// Alerts for people: when the dispatcher records a bounced address or gives up
// on a customer-facing entry (email, platform email, letter, referral packet),
// it stores one alert task (`alert:<outbox key>`, kind 'alert', in the tasks
// collection) for the account's collector; the Slack app's delivery job DMs it
// (what failed, to whom, the error, what the ladder does next). Stored once per
// entry: an insert on the _id, a second attempt finds it there.
import type { Db } from 'mongodb';
import { isDuplicateKey } from '../store/mongo-errors.js';
import { collections } from '../store/store.js';
import type { OutboxChannel } from '../store/types.js';
import type { TaskDoc } from './task-channel.js';

export interface AlertDetails {
  /** The outbox entry that failed or bounced. */
  outboxKey: string;
  channel: OutboxChannel;
  /** What was being sent, in words ("'reminder-2' email", "final demand letter", "referral packet"). */
  what: string;
  /** The recipient (name and address) when known. */
  to: string | null;
  /** The error the channel or the mail server gave. */
  error: string;
  /** Addresses newly recorded as bouncing. */
  bounced: string[];
  /** True: the entry failed for good (not sent); false: sent, but some recipients were refused. */
  failed: boolean;
  levelName: string | null;
  /** Set on a ledger-reconciliation alert (storeLedgerAlert): the ledger's report disagrees with Overdue's balance. */
  ledger?: LedgerAlert;
}

/** A difference between the ledger's report and Overdue that persisted after a re-sync: the account's customer sends are held. */
export interface LedgerAlert {
  connectionId: string;
  company: string;
  /** The report date. */
  asOf: string;
  /** One line per currency: "USD: Overdue open 1,200.00 / past due 700.00; ledger open 1,000.00 / past due 500.00". */
  lines: string[];
}

/** An alert lives in the tasks collection beside the work tasks, without an engine action. */
export type AlertTaskDoc = Omit<TaskDoc, 'kind' | 'action'> & { kind: 'alert'; alert: AlertDetails };

export const alertIdOf = (outboxKey: string): string => `alert:${outboxKey}`;

/**
 * Store the alert of a persisting ledger difference (once per account, connection and report date): the
 * collector is told that the account's customer sends are held and why, with both figures.
 */
export function storeLedgerAlert(db: Db, a: { orgId: string; customerId: string; accountName: string; ledger: LedgerAlert; now: Date }): Promise<boolean> {
  const error = `${a.ledger.company}'s aged receivables report (${a.ledger.asOf}) disagrees with Overdue: ${a.ledger.lines.join('; ')}`;
  return storeAlert(db, {
    orgId: a.orgId, customerId: a.customerId, accountName: a.accountName, invoiceIds: [], now: a.now,
    details: { outboxKey: `ledger:${a.ledger.connectionId}:${a.customerId}:${a.ledger.asOf}`, channel: 'task', what: 'ledger reconciliation', to: null, error, bounced: [], failed: true, levelName: null, ledger: a.ledger },
  });
}

/** Store the alert of an entry (once); true when this call stored it. */
export async function storeAlert(db: Db, a: { orgId: string; customerId: string; accountName: string; invoiceIds: string[]; details: AlertDetails; now: Date }): Promise<boolean> {
  const doc: AlertTaskDoc = {
    _id: alertIdOf(a.details.outboxKey),
    orgId: a.orgId,
    customerId: a.customerId,
    accountName: a.accountName,
    kind: 'alert',
    assignee: { role: 'collector', id: null, name: null },
    title: `${a.details.what} ${a.details.failed ? 'not sent' : 'partly refused'}${a.details.to ? ` (${a.details.to})` : ''}: ${a.details.error}`.slice(0, 500),
    invoiceIds: a.invoiceIds,
    dueAt: a.now,
    status: 'open',
    alert: a.details,
    createdAt: a.now,
  };
  try {
    await db.collection<AlertTaskDoc>(collections.tasks).insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
