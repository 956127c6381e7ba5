import type { Collection } from 'mongodb';
import type { Claims } from './claims.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { ConnectionDoc, ConnectionStatus, OrganisationDoc, OutboundSwitch, Provider, SendMode } from './types.js';

export class Organisations {
  constructor(private readonly col: Collection<OrganisationDoc>) {}

  /** Create the organisation or update its name, currency and time zone; settings are kept. */
  async upsert(org: Omit<OrganisationDoc, 'createdAt' | 'updatedAt' | 'settings'>, now: Date): Promise<OrganisationDoc> {
    const { _id, ...fields } = org;
    const doc = await this.col.findOneAndUpdate(
      { _id },
      { $set: { ...fields, updatedAt: now }, $setOnInsert: { createdAt: now, settings: {} } },
      { upsert: true, returnDocument: 'after' },
    );
    if (!doc) throw new Error(`upsert of organisation ${_id} returned nothing`);
    return doc;
  }

  async setSettings(id: string, settings: Record<string, unknown>, now: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { settings, updatedAt: now } });
  }

  get(id: string): Promise<OrganisationDoc | null> {
    return this.col.findOne({ _id: id });
  }

  /** Create a new organisation; null when one with that id exists already (the insert on the unique _id decides). */
  async create(org: Omit<OrganisationDoc, 'createdAt' | 'updatedAt'>, now: Date): Promise<OrganisationDoc | null> {
    const doc: OrganisationDoc = { ...org, createdAt: now, updatedAt: now };
    try {
      await this.col.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    return doc;
  }

  /** Change some of an organisation's fields. Returns false when there is no such organisation. */
  async update(id: string, set: Partial<Pick<OrganisationDoc, 'name' | 'timeZone' | 'homeCurrency' | 'settings' | 'slackTeamId'>>, now: Date): Promise<boolean> {
    const r = await this.col.updateOne({ _id: id }, { $set: { ...set, updatedAt: now } });
    return r.matchedCount === 1;
  }

  /** Name the Slack workspace of an organisation; any other organisation that named it lets it go (one each way). */
  async linkSlackTeam(id: string, teamId: string, now: Date): Promise<void> {
    await this.col.updateMany({ slackTeamId: teamId, _id: { $ne: id } }, { $unset: { slackTeamId: '' }, $set: { updatedAt: now } });
    await this.col.updateOne({ _id: id }, { $set: { slackTeamId: teamId, updatedAt: now } });
  }

  /** The organisation a Slack workspace was created for or linked to. */
  bySlackTeam(teamId: string): Promise<OrganisationDoc | null> {
    return this.col.findOne({ slackTeamId: teamId });
  }

  /** Flip the organisation's outbound kill switch. Returns false when there is no such organisation. */
  async setOutbound(id: string, outbound: OutboundSwitch, now: Date): Promise<boolean> {
    const r = await this.col.updateOne({ _id: id }, { $set: { outbound, updatedAt: now } });
    return r.matchedCount === 1;
  }

  list(): Promise<OrganisationDoc[]> {
    return this.col.find({}).sort({ _id: 1 }).toArray();
  }
}

export function connectionId(provider: Provider, companyId: string): string {
  return `${provider}:${companyId}`;
}

export class Connections {
  constructor(
    private readonly col: Collection<ConnectionDoc>,
    private readonly claims: Claims,
  ) {}

  /**
   * One connection per provider company; reconnecting replaces the tokens and reactivates it.
   * A new connection starts in dry-run (nothing is sent until someone turns it live); a
   * reconnect keeps its send mode.
   */
  async upsert(
    conn: Omit<ConnectionDoc, '_id' | 'createdAt' | 'updatedAt' | 'status' | 'sendMode'>,
    now: Date,
  ): Promise<ConnectionDoc> {
    const _id = connectionId(conn.provider, conn.companyId);
    const doc = await this.col.findOneAndUpdate(
      { _id },
      { $set: { ...conn, status: 'active', updatedAt: now }, $unset: { statusReason: '', disconnectedAt: '' }, $setOnInsert: { createdAt: now, sendMode: 'dry-run' } },
      { upsert: true, returnDocument: 'after' },
    );
    if (!doc) throw new Error(`upsert of connection ${_id} returned nothing`);
    return doc;
  }

  get(id: string): Promise<ConnectionDoc | null> {
    return this.col.findOne({ _id: id });
  }

  listActive(orgId?: string): Promise<ConnectionDoc[]> {
    return this.col.find(orgId ? { orgId, status: 'active' } : { status: 'active' }).toArray();
  }

  /** Every connection of an organisation (whatever its status), oldest first. */
  listByOrg(orgId: string): Promise<ConnectionDoc[]> {
    return this.col.find({ orgId }).sort({ createdAt: 1, _id: 1 }).toArray();
  }

  async setStatus(id: string, status: ConnectionStatus, reason: string | undefined, now: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, reason ? { $set: { status, statusReason: reason, updatedAt: now } } : { $set: { status, updatedAt: now }, $unset: { statusReason: '' } });
  }

  /**
   * Take the connection's lease (for a token refresh or a sync) until now + ms, if
   * nobody holds an unexpired one. Each lease has a generation; the claim on the
   * next generation decides between processes. Returns the connection as it is
   * after taking the lease (re-read: another process may have refreshed it), or null.
   */
  async acquireLease(id: string, owner: string, purpose: string, now: Date, ms: number): Promise<ConnectionDoc | null> {
    const current = await this.col.findOne({ _id: id });
    if (!current) return null;
    const lease = current.lease;
    if (lease && lease.until > now && lease.owner !== owner) return null;
    const generation = (lease?.generation ?? 0) + 1;
    if (!(await this.claims.take(`lease:${id}:${generation}`, owner, now))) return null;
    const next = { owner, purpose, generation, until: new Date(now.getTime() + ms) };
    await this.col.updateOne({ _id: id }, { $set: { lease: next } });
    return this.col.findOne({ _id: id });
  }

  /** Give the lease back (it stays as a record of its generation, expired). */
  async releaseLease(id: string, owner: string): Promise<void> {
    await this.col.updateOne({ _id: id, 'lease.owner': owner }, { $set: { 'lease.until': new Date(0) } });
  }

  /** Turn a connection's customer sends live or back to dry-run. Returns false when there is no such connection. */
  async setSendMode(id: string, sendMode: SendMode, now: Date): Promise<boolean> {
    const r = await this.col.updateOne({ _id: id }, { $set: { sendMode, updatedAt: now } });
    return r.matchedCount === 1;
  }

  async update(id: string, set: Partial<Omit<ConnectionDoc, '_id'>>, now: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { ...set, updatedAt: now } });
  }

  /** Remove optional fields (a finished sync's progress, a cleared error). */
  async clear(id: string, fields: ('lastError' | 'currentSync')[], now: Date): Promise<void> {
    await this.col.updateOne({ _id: id }, { $set: { updatedAt: now }, $unset: Object.fromEntries(fields.map((f) => [f, ''])) });
  }
}
