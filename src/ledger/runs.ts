// The nightly reconciliation's last run per connection (`ledger_reconciliations`,
// _id = the connection id): when it ran, on which report date, how many customer ×
// currency pairs it compared and how many agreed, the differences that persisted
// after a re-sync (both figures), and the accounts whose customer-facing sends are
// held until a later run finds them exact again. The dispatcher reads `held`
// (src/outbox/dispatcher.ts, guard `ledgerAgrees`); the admin API and App Home show the run.
import type { Collection, Db } from 'mongodb';
import { collections } from '../store/store.js';
import type { MismatchLine } from './reconciliation.js';

export interface AccountMismatch extends MismatchLine {
  /** Overdue's account (customer document id) the ledger customer belongs to. */
  customerId: string;
  accountName: string;
}

export type ReconciliationStatus = 'exact' | 'resolved' | 'mismatch' | 'failed';

export interface ReconciliationRunDoc {
  /** The connection id. */
  _id: string;
  orgId: string;
  provider: string;
  companyId: string;
  companyName: string;
  at: Date;
  /** The report date (the organisation's local day). */
  asOf: string;
  /** exact: nothing differed; resolved: a difference the re-sync settled; mismatch: differences persisted; failed: see error. */
  status: ReconciliationStatus;
  compared: number;
  exact: number;
  /** The first comparison, when it differed and a re-sync followed. */
  firstPass?: { compared: number; exact: number; mismatches: number };
  resynced: boolean;
  /** Differences that persisted after the re-sync. */
  mismatches: AccountMismatch[];
  /** Accounts whose customer-facing sends are held (the accounts of `mismatches`). */
  held: string[];
  /** What the ledger's report does not cover, in words. */
  notCovered?: string;
  /** API calls of the reports (both passes). */
  apiCalls: number;
  error?: string;
}

export class ReconciliationRuns {
  private readonly col: Collection<ReconciliationRunDoc>;
  constructor(db: Db) {
    this.col = db.collection<ReconciliationRunDoc>(collections.ledgerReconciliations);
  }

  get(connectionId: string): Promise<ReconciliationRunDoc | null> {
    return this.col.findOne({ _id: connectionId });
  }

  listByOrg(orgId: string): Promise<ReconciliationRunDoc[]> {
    return this.col.find({ orgId }).toArray();
  }

  /** Replace the connection's last run (one document per connection, written by the one job run that holds its claim). */
  async save(run: ReconciliationRunDoc): Promise<void> {
    await this.col.replaceOne({ _id: run._id }, run, { upsert: true });
  }
}

/** Whether the account's customer-facing sends are held by its connection's last reconciliation. */
export function isHeld(run: ReconciliationRunDoc | null, customerId: string): boolean {
  return run !== null && run.held.includes(customerId);
}
