// Returning bad payers (docs/lookalike.md). After a sync saved customers, each
// new or edited one is compared with every account of its organisation that was
// referred to the collection agency, written off, or made prepay-only: the pure
// matcher (src/lookalike) scores it through an in-memory index of those accounts.
// A pair at or above the policy's `lookalike.threshold` is stored once
// (src/store/lookalike.ts), audited on the new customer's account, and becomes an
// alert task that the Slack delivery posts to the managers (the credit managers;
// admins when there is none), with the evidence side by side and three buttons:
// *Make prepay-only* (the prepay-only flag order systems read), *Not the same
// business* (the pair never alerts again), *Ask for a credit check* (a task for
// the collector, through the outbox). Each flag is decided once, audited.
import { createHash } from 'node:crypto';
import type { Logger } from '../../src/logger.js';
import { LookalikeIndex, type LookalikeHit } from '../../src/lookalike/index.js';
import { featuresOf, type Features } from '../../src/lookalike/normalise.js';
import { LOOKALIKE_PROJECTION, subjectOf, type LookalikeCustomer } from '../../src/lookalike/subject.js';
import type { PolicySource } from '../../src/planning/policy-source.js';
import { isDuplicateKey } from '../../src/store/mongo-errors.js';
import { LookalikeFlags, lookalikeFlagId, type KnownReason, type LookalikeFlagDoc } from '../../src/store/lookalike.js';
import { collections, type Store } from '../../src/store/store.js';
import type { ApprovalDoc, AuditActor, AuditInput, CustomerDoc } from '../../src/store/types.js';
import type { TaskDoc } from '../../src/outbox/task-channel.js';
import { lookalikeMessage, type LookalikeSnapshot } from '../blocks/lookalike.js';
import { esc } from '../blocks/kit.js';
import { authorizeOrTell } from './authorize.js';
import { openDm, slackUserByEmail, type SlackContext } from './context.js';
import { CREDIT_FLAGS_COLLECTION, CreditFlags, type CreditFlagsDoc } from './credit-flags.js';
import type { PostedMessage } from './messages.js';
import { postTaskOnce, type PostTarget } from './post-once.js';

const SYSTEM: AuditActor = { kind: 'system', id: 'lookalike', name: 'Overdue look-alike check' };

/** Hits reported per customer (its best matches). */
const MAX_HITS = 3;

const REASON_WORDS: Record<KnownReason, string> = { agency_referral: 'referred to the collection agency', write_off: 'written off', prepay_only: 'prepay-only' };

/** The alert task a flag becomes (in the tasks collection, delivered by the Slack delivery job). */
export type LookalikeTaskDoc = Omit<TaskDoc, 'kind' | 'action'> & { kind: 'lookalike'; flagId: string };

export const lookalikeTaskId = (flagId: string): string => `lookalike:${flagId}`;

/** What the check needs: the store, the policies (the threshold), the clock and a logger. */
export interface LookalikeDeps {
  store: Store;
  policies: PolicySource;
  now: () => Date;
  logger: Logger;
}

/**
 * The organisation's known bad accounts and why: approved agency referrals and write-offs (approvals), and
 * accounts prepay-only now (credit flags).
 */
export async function knownBadAccounts(store: Store, orgId: string): Promise<Map<string, KnownReason[]>> {
  const out = new Map<string, KnownReason[]>();
  const add = (id: string, r: KnownReason) => out.set(id, [...new Set([...(out.get(id) ?? []), r])]);
  const approved = await store.db.collection<ApprovalDoc>(collections.approvals)
    .find({ orgId, status: 'approved', kind: { $in: ['agency_referral', 'write_off'] } }, { projection: { customerId: 1, kind: 1 } }).toArray();
  for (const a of approved) add(a.customerId, a.kind === 'write_off' ? 'write_off' : 'agency_referral');
  const prepay = await store.db.collection<CreditFlagsDoc>(CREDIT_FLAGS_COLLECTION).find({ orgId, prepayOnly: true }, { projection: { _id: 1 } }).toArray();
  for (const f of prepay) add(f._id, 'prepay_only');
  return out;
}

const hash = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 32);
const comparable = (f: Features) => [f.nameTokens, f.tax, f.phones, f.domains, f.address];

export interface CheckResult {
  /** Customers scored. */
  checked: number;
  /** Customers left alone: unchanged since their last check (same details, same known accounts, same threshold). */
  unchanged: number;
  /** Flags this run stored (new pairs: alerted). */
  flagged: LookalikeFlagDoc[];
}

/**
 * Check customers of an organisation (`customerIds`; 'all': every customer) against its known bad accounts.
 * `force`: score even a customer whose fingerprint did not change (the `check-lookalike` job).
 */
export async function checkLookalikes(deps: LookalikeDeps, orgId: string, customerIds: readonly string[] | 'all', opts: { force?: boolean } = {}): Promise<CheckResult> {
  const result: CheckResult = { checked: 0, unchanged: 0, flagged: [] };
  if (customerIds !== 'all' && customerIds.length === 0) return result;
  const known = await knownBadAccounts(deps.store, orgId);
  if (known.size === 0) return result;
  const customers = deps.store.customers.raw();
  const knownDocs = await customers.find({ orgId, _id: { $in: [...known.keys()] } }, { projection: LOOKALIKE_PROJECTION }).toArray() as (LookalikeCustomer & { orgId: string })[];
  if (knownDocs.length === 0) return result;
  const knownFeatures = knownDocs.map((d) => featuresOf(subjectOf(d)));
  const index = new LookalikeIndex(knownFeatures);
  const names = new Map(knownDocs.map((d) => [d._id, d.displayName]));
  const threshold = (await deps.policies.forOrg(orgId)).policy.lookalike.threshold;
  const knownPrint = hash([threshold, knownFeatures.map((f) => [f.id, comparable(f)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))]);

  const wanted = customerIds === 'all' ? null : customerIds.filter((id) => !known.has(id));
  if (wanted !== null && wanted.length === 0) return result;
  const docs = (await customers.find(wanted === null ? { orgId } : { orgId, _id: { $in: wanted } }, { projection: LOOKALIKE_PROJECTION }).toArray()) as (LookalikeCustomer & { orgId: string })[];
  const flags = new LookalikeFlags(deps.store.db);
  const [prints, dismissed] = await Promise.all([flags.fingerprints(orgId), flags.dismissedPairs(orgId)]);
  const now = deps.now();
  for (const c of docs) {
    if (known.has(c._id)) continue;
    const f = featuresOf(subjectOf(c));
    const print = hash([knownPrint, comparable(f)]);
    if (opts.force !== true && prints.get(c._id) === print) {
      result.unchanged += 1;
      continue;
    }
    result.checked += 1;
    const hits = index.check(f, threshold, (knownId) => dismissed.has(lookalikeFlagId(c._id, knownId))).slice(0, MAX_HITS);
    for (const hit of hits) {
      const flag = await flagHit(deps, { orgId, customer: c, hit, knownName: names.get(hit.knownId) ?? hit.knownId, reasons: known.get(hit.knownId) ?? [], threshold }, flags, now);
      if (flag) result.flagged.push(flag);
    }
    await flags.checked(c._id, orgId, print, now);
  }
  if (result.flagged.length > 0) deps.logger.info({ orgId, flagged: result.flagged.map((f) => f._id) }, 'look-alike: customers resembling known bad accounts flagged');
  return result;
}

/** Store a hit's flag; when new: audit it on the new customer's account and store the managers' alert task. */
async function flagHit(
  deps: LookalikeDeps,
  h: { orgId: string; customer: LookalikeCustomer; hit: LookalikeHit; knownName: string; reasons: KnownReason[]; threshold: number },
  flags: LookalikeFlags,
  now: Date,
): Promise<LookalikeFlagDoc | null> {
  const doc = { orgId: h.orgId, customerId: h.customer._id, accountName: h.customer.displayName, knownId: h.hit.knownId, knownName: h.knownName, knownReasons: h.reasons, score: h.hit.score, threshold: h.threshold, matched: h.hit.matched };
  if (!(await flags.record(doc, now))) return null;
  const flagId = lookalikeFlagId(h.customer._id, h.hit.knownId);
  await deps.store.audit.append({
    orgId: h.orgId, accountId: h.customer._id, actor: SYSTEM, channel: 'system', action: 'lookalike.flagged', invoiceIds: [],
    outcome: `looks like ${h.knownName} (${h.reasons.map((r) => REASON_WORDS[r]).join(', ')}): score ${h.hit.score.toFixed(2)} on ${h.hit.matched.map((m) => m.field).join(', ')}`,
    details: { flagId, knownId: h.hit.knownId, score: h.hit.score, threshold: h.threshold, matched: h.hit.matched }, at: now,
  });
  const task: LookalikeTaskDoc = {
    _id: lookalikeTaskId(flagId), orgId: h.orgId, customerId: h.customer._id, accountName: h.customer.displayName, kind: 'lookalike',
    assignee: { role: 'manager', id: null, name: null }, title: `${h.customer.displayName} looks like ${h.knownName} (score ${h.hit.score.toFixed(2)})`,
    invoiceIds: [], dueAt: now, status: 'open', flagId, createdAt: now,
  };
  try {
    await deps.store.db.collection<LookalikeTaskDoc>(collections.tasks).insertOne(task);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  return (await flags.get(flagId)) ?? null;
}

const snapshotOf = (f: LookalikeFlagDoc): LookalikeSnapshot => ({
  flagId: f._id, customerId: f.customerId, accountName: f.accountName, knownId: f.knownId, knownName: f.knownName,
  knownWhy: f.knownReasons.map((r) => REASON_WORDS[r]), score: f.score, threshold: f.threshold, matched: f.matched,
});

/** The managers in Slack (the credit managers); the admins when the organisation has no manager. */
async function managerTargets(ctx: SlackContext, orgId: string): Promise<PostTarget[]> {
  let people = await ctx.people.withRole(orgId, 'manager');
  if (people.length === 0) people = await ctx.people.withRole(orgId, 'admin');
  const targets: PostTarget[] = [];
  for (const p of people) {
    const id = p.slackUserId ?? (await slackUserByEmail(ctx.client, p.email))?.id;
    if (id) targets.push({ channel: await openDm(ctx.client, id), user: id });
  }
  return targets;
}

/** Post a look-alike alert to the managers (once; the delivery job calls it for each open alert task). */
export async function deliverLookalike(ctx: SlackContext, task: LookalikeTaskDoc, customer: CustomerDoc, now: Date): Promise<PostedMessage[] | null> {
  const flag = await new LookalikeFlags(ctx.store.db).get(task.flagId);
  if (!flag) return null;
  const snapshot = snapshotOf({ ...flag, accountName: customer.displayName });
  const targets = await managerTargets(ctx, task.orgId);
  if (targets.length === 0) throw new Error('no manager (or admin) of the organisation in Slack');
  return postTaskOnce(ctx, task, { kind: 'lookalike', snapshot }, lookalikeMessage(snapshot), () => Promise.resolve(targets), now, async (posts) => {
    await ctx.audit({
      orgId: task.orgId, accountId: task.customerId, actor: { kind: 'system', id: 'slack', name: 'Overdue Slack app' }, channel: 'slack', action: 'slack.lookalike_alerted', invoiceIds: [],
      outcome: `managers told: ${task.title}`, details: { taskId: task._id, flagId: task.flagId, posts: posts.length }, at: now,
    });
  });
}

export type LookalikeChoice = 'prepay' | 'dismiss' | 'creditCheck';

export const creditCheckKey = (flagId: string): string => `credit-check:${flagId}`;

/**
 * A button of a look-alike alert: managers and admins only (others are told why); the first press decides the flag
 * (a second press, or another manager's, is told it was decided), audited on the new customer's account; every copy
 * of the alert then shows the decision instead of the buttons.
 */
export async function decideLookalike(ctx: SlackContext, choice: LookalikeChoice, c: { flagId: string; userId: string; channel: string; ts: string }): Promise<'decided' | 'refused' | 'already_decided' | 'unknown'> {
  const flags = new LookalikeFlags(ctx.store.db);
  const flag = await flags.get(c.flagId);
  if (!flag) {
    await ctx.tell(c.channel, c.userId, 'This alert is no longer known to Overdue.');
    return 'unknown';
  }
  const person = await authorizeOrTell(ctx, flag.orgId, { channel: c.channel, userId: c.userId }, 'decideLookalike', { customerId: flag.customerId });
  if (!person) return 'refused';
  const now = ctx.now();
  const actor = ctx.actorFor(person, c.userId);
  const status = choice === 'prepay' ? 'prepay' : choice === 'dismiss' ? 'dismissed' : 'credit_check';
  if (!(await flags.decide(flag._id, status, actor, ctx.store.claims, now))) {
    await ctx.tell(c.channel, c.userId, 'Someone has already decided this alert.');
    return 'already_decided';
  }
  const audit = (i: Omit<AuditInput, 'orgId' | 'accountId' | 'actor' | 'channel' | 'invoiceIds' | 'at'>) =>
    ctx.audit({ ...i, orgId: flag.orgId, accountId: flag.customerId, actor, channel: 'slack', invoiceIds: [], at: now });
  const details = { flagId: flag._id, knownId: flag.knownId, score: flag.score };
  let line: string;
  if (choice === 'prepay') {
    const reason = `looks like ${flag.knownName} (look-alike score ${flag.score.toFixed(2)}), made prepay-only by ${person.name}`;
    if (await new CreditFlags(ctx.store.db).setPrepayOnly(flag.customerId, flag.orgId, reason, actor, now)) {
      await audit({ action: 'account.prepay_only', outcome: `account set to prepay-only: ${reason}`, details });
    }
    await audit({ action: 'lookalike.prepay', outcome: `look-alike of ${flag.knownName}: made prepay-only`, details });
    line = `:lock: *Made prepay-only* by ${esc(person.name)}: orders only against payment until a manager lifts it.`;
  } else if (choice === 'dismiss') {
    await audit({ action: 'lookalike.dismissed', outcome: `not the same business as ${flag.knownName} (this pair is not flagged again)`, details });
    line = `:white_check_mark: *Not the same business*, said ${esc(person.name)}: this pair is not flagged again.`;
  } else {
    const key = creditCheckKey(flag._id);
    const created = await ctx.store.outbox.enqueue({
      _id: key, orgId: flag.orgId, customerId: flag.customerId, channel: 'task', kind: 'creditCheck', invoiceIds: [], dueAt: now,
      payload: {
        action: { kind: 'creditCheck', key, flagId: flag._id, knownId: flag.knownId, knownName: flag.knownName, score: flag.score, by: person.name },
        accountName: flag.accountName, explanation: `credit check asked for by ${person.name}: looks like ${flag.knownName}`, previousContacts: 0,
      },
    }, now);
    if (created) await ctx.audit({ orgId: flag.orgId, accountId: flag.customerId, actor, channel: 'system', action: 'outbox.enqueued', invoiceIds: [], outcome: 'planned now: a credit check task for the collector', details: { key, kind: 'creditCheck' }, at: now });
    await audit({ action: 'lookalike.credit_check', outcome: `look-alike of ${flag.knownName}: credit check asked for`, details: { ...details, key } });
    line = `:clipboard: *Credit check asked for* by ${esc(person.name)}: the collector gets a task.`;
  }
  const msg = await ctx.messages.get(lookalikeTaskId(flag._id));
  if (msg && msg.kind === 'lookalike') {
    await ctx.messages.resolve(msg._id, line, now);
    const body = lookalikeMessage(msg.snapshot, line);
    for (const p of msg.posts) await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: body.text, blocks: body.blocks });
  }
  await ctx.tasks.updateOne({ _id: lookalikeTaskId(flag._id) }, { $set: { status: 'done' } });
  return 'decided';
}
