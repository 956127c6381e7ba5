// `npm run audit:verify -- [--account <id>]`: re-computes the hash chain of every
// account (or one), checks that it reaches the account's head (so deleted last
// entries are caught), and names the first broken entry of each broken chain.
import type { Db } from 'mongodb';
import type { AuditTrail, ChainCheck } from '../store/audit.js';
import { collections } from '../store/store.js';
import type { AuditEntryDoc } from '../store/types.js';

export interface AccountCheck {
  accountId: string;
  check: ChainCheck;
  /** The _id of the first broken entry, when it still exists. */
  brokenEntryId?: string;
}

export async function verifyChains(db: Db, audit: AuditTrail, accountId?: string): Promise<AccountCheck[]> {
  const col = db.collection<AuditEntryDoc>(collections.audit);
  // Accounts with entries, and accounts with a head: a head whose entries are all gone is a broken chain too.
  const ids =
    accountId !== undefined
      ? [accountId]
      : [...new Set([...(await col.distinct('accountId')).filter((x): x is string => typeof x === 'string'), ...(await audit.accountsWithHeads())])].sort();
  const out: AccountCheck[] = [];
  for (const id of ids) {
    const check = await audit.verify(id);
    if (check.ok) out.push({ accountId: id, check });
    else {
      const broken = await col.findOne({ accountId: id, seq: check.brokenAtSeq }, { projection: { _id: 1 } });
      out.push({ accountId: id, check, ...(broken ? { brokenEntryId: broken._id } : {}) });
    }
  }
  return out;
}

export function parseVerifyArgs(argv: readonly string[]): { accountId?: string } | { error: string } {
  let accountId: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--account') {
      const v = argv[++i];
      if (v === undefined || v === '' || v.startsWith('--')) return { error: '--account needs an account id' };
      accountId = v;
    } else if (a?.startsWith('--account=')) {
      accountId = a.slice('--account='.length);
    } else return { error: `unknown argument: ${a ?? ''}` };
  }
  return accountId !== undefined ? { accountId } : {};
}

/** Runs the check and reports it; returns the exit code (0 all intact, 1 a chain is broken, 2 bad usage). */
export async function runVerify(db: Db, audit: AuditTrail, argv: readonly string[], out: (line: string) => void): Promise<number> {
  const args = parseVerifyArgs(argv);
  if ('error' in args) {
    out(`audit:verify: ${args.error}\nusage: npm run audit:verify -- [--account <id>]`);
    return 2;
  }
  const results = await verifyChains(db, audit, args.accountId);
  let broken = 0;
  let entries = 0;
  for (const r of results) {
    entries += r.check.entries;
    if (r.check.ok) continue;
    broken++;
    out(`BROKEN account ${r.accountId}: entry seq ${r.check.brokenAtSeq}${r.brokenEntryId ? ` (id ${r.brokenEntryId})` : ''}: ${r.check.reason}`);
  }
  if (args.accountId !== undefined && entries === 0) out(`account ${args.accountId} has no audit entries`);
  out(`${results.length} account(s), ${entries} entries checked: ${broken === 0 ? 'all chains intact' : `${broken} broken chain(s)`}`);
  return broken === 0 ? 0 : 1;
}
