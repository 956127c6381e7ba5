// A preview of a letter not yet sent (the admin API's letter preview): drawn now
// from the account as it is, dated by the one deadline rule (src/domain/deadline.ts)
// under the account's own ladder (its response days and letters.deadlineDays) and
// calendar, as the dispatcher would date it if it went out that day. A letter
// that was sent is never drawn again: the archive (src/store/sent-documents.ts)
// serves its bytes.
import { responseDeadline } from '../domain/deadline.js';
import { accountCalendar, type CompiledPolicy } from '../engine/index.js';
import { DEFAULT_CHOICE, policyForAccount, type PolicySource } from '../planning/policy-source.js';
import { accountStates } from '../planning/state.js';
import type { Store } from '../store/store.js';
import { buildLetter, type BuiltLetter } from './letter.js';
import { partyOf, type AccountData } from './load.js';
import type { LetterKind } from './settings.js';

const POLICY_LETTER: Record<LetterKind, 'finalDemand' | 'writtenWarning'> = { 'final-demand': 'finalDemand', 'written-warning': 'writtenWarning' };

/** The response days the policy gives a letter of this kind (its first letter action of the kind), if any. */
export function policyResponseDays(cp: CompiledPolicy, kind: LetterKind): number | undefined {
  for (const l of cp.policy.levels) for (const a of l.actions) if (a.kind === 'letter' && a.letter === POLICY_LETTER[kind] && a.responseDays !== undefined) return a.responseDays;
  return undefined;
}

export interface LetterPreviewInput {
  store: Store;
  policies?: PolicySource;
  data: AccountData;
  kind: LetterKind;
  sentDate: string;
}

export async function letterPreview(i: LetterPreviewInput): Promise<BuiltLetter> {
  const state = await accountStates(i.store.db).get(i.data.customer._id);
  const choice = i.policies ? await policyForAccount(i.policies, i.data.org._id, state?.overrides?.policyVersion) : DEFAULT_CHOICE;
  const cp = choice.compiled;
  const days = policyResponseDays(cp, i.kind) ?? i.data.settings.responseBusinessDays[i.kind];
  const deadline = responseDeadline(i.sentDate, days, cp.deadlineDays, accountCalendar(cp, [...i.data.settings.holidays, ...(state?.holidays ?? [])]));
  return buildLetter({ kind: i.kind, settings: i.data.settings, customer: partyOf(i.data.customer, i.kind), invoices: i.data.invoices, sentDate: i.sentDate, deadline, terms: { days, kind: cp.deadlineDays } });
}
