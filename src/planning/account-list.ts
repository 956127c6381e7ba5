// The console's accounts list as documents read by `_id` (`account_lists`): the organisation's summary rows
// (src/planning/summaries.ts) in customer id order, cut into chunks of LIST_CHUNK rows
// (`${orgId}:list:000042`), and a head document (`${orgId}:list`) naming each chunk's first customer id.
//
// Why: on FerretDB 1.x (docs/database.md) only an `_id` equality is served by an index; any read filtered
// by the organisation (equality, `_id` range, `$in`) makes FerretDB decode every one of the organisation's
// rows — measured ~3.5 ms a row under this machine's load, 1.7 s for 500 rows (docs/console.md). A list
// page is therefore the head plus one or a few chunks, each one `_id` read, whatever the organisation's size.
//
// Written by the daily planning pass (rebuildList: from the rows it holds; a chunk or the head is written
// only when it changed) and kept current between passes by every single-account plan whose row changed
// (putRow: head, chunk, one write, all by `_id`). A new account goes into the chunk its id falls in (a
// chunk may outgrow LIST_CHUNK until the next pass cuts it again). FerretDB has no atomic conditional
// update: two plans writing rows of the same chunk at the same instant may lose one of the two rows' news
// in the chunk (the row documents themselves are right); the next plan of that account or the next daily
// pass repairs it.
import type { Db } from 'mongodb';
import { collections } from '../store/store.js';
import { canonicalJson, sha256Hex } from '../store/hash.js';
import { comparable, type AccountSummaryRowDoc } from './summaries.js';

export const LIST_CHUNK = 50;

export interface AccountListHeadDoc {
  _id: string;
  orgId: string;
  kind: 'head';
  /** Each chunk's first customer id, in order (chunk i is `${orgId}:list:${pad(i)}`). */
  firstIds: string[];
  /** Each chunk's content hash as the last rebuild wrote it (a rebuild compares these instead of reading the chunks). */
  hashes?: string[];
  rows: number;
  builtAt: Date;
}

export interface AccountListChunkDoc {
  _id: string;
  orgId: string;
  kind: 'chunk';
  index: number;
  rows: AccountSummaryRowDoc[];
  updatedAt: Date;
}

type ListDoc = AccountListHeadDoc | AccountListChunkDoc;

export const listHeadId = (orgId: string): string => `${orgId}:list`;
export const listChunkId = (orgId: string, index: number): string => `${orgId}:list:${String(index).padStart(6, '0')}`;

/** The chunk a customer id falls in: the last whose first id is at or before it (0 before the first). Pure. */
export function chunkOf(firstIds: readonly string[], customerId: string): number {
  let lo = 0;
  let hi = firstIds.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((firstIds[mid] ?? '') <= customerId) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Rows cut into chunks, in customer id order. Pure. */
export function cutChunks(rows: readonly AccountSummaryRowDoc[], size = LIST_CHUNK): AccountSummaryRowDoc[][] {
  const sorted = [...rows].sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  const out: AccountSummaryRowDoc[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out;
}

/** A chunk's content hash: its rows, each without its write time and due step's instant (as rowChanged compares them). Pure. */
export function chunkHash(rows: readonly AccountSummaryRowDoc[]): string {
  return sha256Hex(canonicalJson(rows.map(comparable)));
}

export class AccountList {
  constructor(private readonly db: Db) {}

  private get col() {
    return this.db.collection<ListDoc>(collections.accountLists);
  }

  private get heads() {
    return this.db.collection<AccountListHeadDoc>(collections.accountLists);
  }

  private get chunks() {
    return this.db.collection<AccountListChunkDoc>(collections.accountLists);
  }

  async head(orgId: string): Promise<AccountListHeadDoc | null> {
    const d = await this.col.findOne({ _id: listHeadId(orgId) });
    return d?.kind === 'head' ? d : null;
  }

  async chunk(orgId: string, index: number): Promise<AccountListChunkDoc | null> {
    const d = await this.col.findOne({ _id: listChunkId(orgId, index) });
    return d?.kind === 'chunk' ? d : null;
  }

  /**
   * The daily pass's rebuild from every row of the organisation: reads the head (by `_id`), writes the
   * chunks whose hash changed since the last rebuild and the head when it changed, deletes chunks past the
   * end. Returns the number of documents written. (A chunk a single-account plan changed since is written
   * again only if its rows differ from the last rebuild's: its put rows are the same rows this pass has.)
   */
  async rebuild(orgId: string, rows: readonly AccountSummaryRowDoc[], now: Date): Promise<number> {
    const chunks = cutChunks(rows);
    const head = await this.head(orgId);
    const oldCount = head?.firstIds.length ?? 0;
    const hashes = chunks.map(chunkHash);
    let written = 0;
    for (const [i, chunk] of chunks.entries()) {
      if (head?.hashes?.[i] === hashes[i] && i < oldCount) continue;
      await this.chunks.replaceOne({ _id: listChunkId(orgId, i) }, { orgId, kind: 'chunk', index: i, rows: chunk, updatedAt: now }, { upsert: true });
      written++;
    }
    for (let i = chunks.length; i < oldCount; i++) await this.col.deleteOne({ _id: listChunkId(orgId, i) });
    const firstIds = chunks.map((c) => c[0]?.customerId ?? '');
    if (!head || head.firstIds.join('\u0000') !== firstIds.join('\u0000') || head.rows !== rows.length || (head.hashes ?? []).join() !== hashes.join()) {
      await this.heads.replaceOne({ _id: listHeadId(orgId) }, { orgId, kind: 'head', firstIds, hashes, rows: rows.length, builtAt: now }, { upsert: true });
      written++;
    }
    return written;
  }

  /**
   * Accounts' new rows into their chunks (plans outside the daily pass whose rows changed): the head, then
   * per chunk touched one read and one write, all by `_id`.
   */
  async putRows(rows: readonly AccountSummaryRowDoc[], now: Date): Promise<void> {
    const byOrg = new Map<string, AccountSummaryRowDoc[]>();
    for (const r of rows) byOrg.set(r.orgId, [...(byOrg.get(r.orgId) ?? []), r]);
    for (const [orgId, list] of byOrg) {
      const head = await this.head(orgId);
      const firstIds = head?.firstIds ?? [];
      const byChunk = new Map<number, AccountSummaryRowDoc[]>();
      for (const r of list) {
        const i = firstIds.length === 0 ? 0 : chunkOf(firstIds, r.customerId);
        byChunk.set(i, [...(byChunk.get(i) ?? []), r]);
      }
      for (const [index, news] of byChunk) {
        const chunk = await this.chunk(orgId, index);
        const ids = new Set(news.map((r) => r.customerId));
        const merged = [...(chunk?.rows ?? []).filter((r) => !ids.has(r.customerId)), ...news].sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
        await this.chunks.replaceOne({ _id: listChunkId(orgId, index) }, { orgId, kind: 'chunk', index, rows: merged, updatedAt: now }, { upsert: true });
        const first = merged[0]?.customerId ?? '';
        if (index === 0 && firstIds[0] !== first) {
          const next = firstIds.length === 0 ? [first] : [first, ...firstIds.slice(1)];
          await this.heads.replaceOne({ _id: listHeadId(orgId) }, { orgId, kind: 'head', firstIds: next, rows: head?.rows ?? merged.length, builtAt: head?.builtAt ?? now }, { upsert: true });
        }
      }
    }
  }

  /**
   * Rows after `after` (a customer id), chunk by chunk, kept by `keep`, until `want` are kept or `examine`
   * rows were looked at; `lastId`: the last row examined when more follow (the next page's cursor).
   */
  async scan(orgId: string, o: { after?: string; want: number; examine: number; keep: (r: AccountSummaryRowDoc) => boolean }): Promise<{ rows: AccountSummaryRowDoc[]; examined: number; lastId: string | null; chunksRead: number }> {
    const head = await this.head(orgId);
    const out: AccountSummaryRowDoc[] = [];
    if (!head || head.firstIds.length === 0) return { rows: out, examined: 0, lastId: null, chunksRead: 0 };
    let examined = 0;
    let chunksRead = 0;
    let lastId: string | null = null;
    for (let i = o.after === undefined ? 0 : chunkOf(head.firstIds, o.after); i < head.firstIds.length; i++) {
      const chunk = await this.chunk(orgId, i);
      chunksRead++;
      for (const r of chunk?.rows ?? []) {
        if (o.after !== undefined && r.customerId <= o.after) continue;
        if (out.length >= o.want || examined >= o.examine) return { rows: out, examined, lastId, chunksRead };
        examined++;
        lastId = r.customerId;
        if (o.keep(r)) out.push(r);
      }
    }
    return { rows: out, examined, lastId: null, chunksRead };
  }

  /** Every row (the CSV): the head, then every chunk, read by `_id`, a few at a time. */
  async all(orgId: string): Promise<AccountSummaryRowDoc[]> {
    const head = await this.head(orgId);
    if (!head) return [];
    const out: AccountSummaryRowDoc[] = [];
    for (let i = 0; i < head.firstIds.length; i += 4) {
      const chunks = await Promise.all(head.firstIds.slice(i, i + 4).map((_, k) => this.chunk(orgId, i + k)));
      for (const c of chunks) out.push(...(c?.rows ?? []));
    }
    return out;
  }
}

export function accountList(db: Db): AccountList {
  return new AccountList(db);
}
