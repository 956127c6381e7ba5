// The Slack installation store (OAuth v2 install): one document per workspace
// (or Enterprise Grid org), in MongoDB, the installation — bot token included —
// encrypted at rest with AES-256-GCM (TOKEN_ENCRYPTION_KEY; the document id is
// the additional data, so a blob copied to another workspace does not decrypt).
// `orgId` links the workspace to its Overdue organisation (one each way).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../../src/store/mongo-errors.js';
import type { EncryptedBlob } from '../../src/store/types.js';

export const INSTALLATIONS_COLLECTION = 'slack_installations';

export interface InstallationDoc {
  /** `team:T…` or `enterprise:E…` */
  _id: string;
  teamId: string | null;
  enterpriseId: string | null;
  orgId: string | null;
  botUserId: string | null;
  blob: EncryptedBlob;
  installedAt: Date;
  updatedAt: Date;
  /** Set by an `app_uninstalled` / `tokens_revoked` event: the token no longer works; cleared by a re-install. */
  revokedAt?: Date;
  revokedBy?: 'app_uninstalled' | 'tokens_revoked';
}

function idOf(q: { teamId?: string | undefined; enterpriseId?: string | undefined; isEnterpriseInstall?: boolean | undefined }): string {
  if (q.isEnterpriseInstall && q.enterpriseId) return `enterprise:${q.enterpriseId}`;
  if (q.teamId) return `team:${q.teamId}`;
  if (q.enterpriseId) return `enterprise:${q.enterpriseId}`;
  throw new Error('an installation needs a team or an enterprise id');
}

function seal(value: unknown, key: Buffer, aad: string): EncryptedBlob {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

function open(blob: EncryptedBlob, key: Buffer, aad: string): unknown {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(blob.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(blob.tag, 'base64'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(blob.data, 'base64')), decipher.final()]).toString('utf8'));
}

export class MongoInstallationStore implements InstallationStore {
  private readonly col: Collection<InstallationDoc>;

  constructor(
    db: Db,
    private readonly key: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (key.length !== 32) throw new RangeError('the installation store needs a 32-byte key (TOKEN_ENCRYPTION_KEY)');
    this.col = db.collection<InstallationDoc>(INSTALLATIONS_COLLECTION);
  }

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    const id = idOf({ teamId: installation.team?.id, enterpriseId: installation.enterprise?.id, isEnterpriseInstall: installation.isEnterpriseInstall });
    const now = this.now();
    const fields = { teamId: installation.team?.id ?? null, enterpriseId: installation.enterprise?.id ?? null, botUserId: installation.bot?.userId ?? null, blob: seal(installation, this.key, id), updatedAt: now };
    // Insert, or update a re-install; not an upsert with $setOnInsert, whose `orgId: null` FerretDB 1.24 drops.
    try {
      await this.col.insertOne({ _id: id, ...fields, orgId: null, installedAt: now });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // A re-install after an uninstall restores the workspace: the new token, no longer revoked.
      await this.col.updateOne({ _id: id }, { $set: fields, $unset: { revokedAt: '', revokedBy: '' } });
    }
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const id = idOf(query);
    const doc = await this.col.findOne({ _id: id });
    if (!doc) throw new Error(`no Slack installation for ${id}`);
    if (doc.revokedAt) throw new Error(`the Slack installation of ${id} was revoked (${doc.revokedBy ?? 'revoked'})`);
    return open(doc.blob, this.key, id) as Installation<'v1' | 'v2', boolean>;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.col.deleteOne({ _id: idOf(query) });
  }

  /** Link a workspace to its Overdue organisation (admin step after the install). */
  async linkOrg(teamId: string, orgId: string): Promise<void> {
    await this.col.updateOne({ _id: `team:${teamId}` }, { $set: { orgId, updatedAt: this.now() } });
  }

  /**
   * Mark a workspace's installation revoked (the app was uninstalled or its bot token revoked). The
   * document before the change, or null when there is no installation; a repeated event changes nothing.
   */
  async markRevoked(q: { teamId?: string | undefined; enterpriseId?: string | undefined }, by: 'app_uninstalled' | 'tokens_revoked', now: Date): Promise<InstallationDoc | null> {
    const id = idOf(q);
    const doc = await this.col.findOne({ _id: id });
    if (!doc || doc.revokedAt) return doc;
    await this.col.updateOne({ _id: id }, { $set: { revokedAt: now, revokedBy: by, updatedAt: now } });
    return doc;
  }

  /** The bot token of an organisation's workspace (for the delivery worker), or null (none, or revoked). */
  async botTokenForOrg(orgId: string): Promise<string | null> {
    const doc = await this.col.findOne({ orgId });
    if (!doc || doc.revokedAt) return null;
    const inst = open(doc.blob, this.key, doc._id) as Installation;
    return inst.bot?.token ?? null;
  }

  raw(teamId: string): Promise<InstallationDoc | null> {
    return this.col.findOne({ _id: `team:${teamId}` });
  }
}
