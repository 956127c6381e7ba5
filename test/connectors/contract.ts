// The contract every connector must pass. A provider's test file builds a
// harness (its sandbox, a store, the connector, an HTTP app with its routes)
// and calls connectorContract(name, makeHarness).
import type { Connector } from '../../connectors/types.js';
import type { Store } from '../../src/store/store.js';
import type { ConnectionDoc } from '../../src/store/types.js';

export interface ContractHarness {
  connector: Connector;
  store: Store;
  /** Seeded counts at the provider. */
  seeded: { customers: number; openInvoices: number };
  /** Walk the OAuth dance over HTTP (connect link → consent → callback); returns the callback's status and the connection id. */
  connect(): Promise<{ status: number; connectionId: string }>;
  /** Replay the last callback URL (its state is single-use). */
  replayCallback(): Promise<number>;
  /** Change one open invoice's balance at the provider; returns its id and new balance in minor units. */
  changeInvoice(): Promise<{ externalId: string; balanceMinor: number }>;
  /** A signed webhook delivery announcing an invoice change, and a forged one. */
  webhook(externalId: string): { body: Buffer; headers: Record<string, string> };
  forgedWebhook(externalId: string): { body: Buffer; headers: Record<string, string> };
  /** Make the provider reject the current access token. */
  expireAccessToken(): void;
  /** What the provider recorded. */
  customerNotes(externalId: string): string;
  sentInvoices(): string[];
  anyCustomerId(): string;
  anyOpenInvoiceId(): string;
  /** The document holding a shared token set (needed only by connectors whose connections name a tokenHolderId). */
  tokenHolder?(id: string): Promise<ConnectionDoc | null>;
  close(): Promise<void>;
}

export function connectorContract(name: string, make: () => Promise<ContractHarness>): void {
  describe(`connector contract: ${name}`, () => {
    let h: ContractHarness;
    let id: string;
    beforeAll(async () => {
      h = await make();
    });
    afterAll(() => h.close());

    it('connects through the OAuth callback and stores the tokens encrypted', async () => {
      const r = await h.connect();
      expect(r.status).toBe(200);
      id = r.connectionId;
      const conn = await h.store.connections.get(id);
      expect(conn?.status).toBe('active');
      // Tokens shared by several companies of one login live on their holder (see token-refresh.ts).
      const holder = conn?.tokenHolderId ? await h.tokenHolder?.(conn.tokenHolderId) : conn;
      expect(holder?.tokens?.tag).toBeTruthy();
      expect(JSON.stringify(conn)).not.toMatch(/refresh_token|rt_[0-9a-f]{8}/);
      expect(JSON.stringify(holder)).not.toMatch(/refresh_token|rt_[0-9a-f]{8}/);
    });

    it('refuses a replayed callback', async () => {
      expect(await h.replayCallback()).toBe(400);
    });

    it('full sync stores every open invoice and customer, and is idempotent', async () => {
      const first = await h.connector.fullSync(id);
      expect(first.saved.invoice).toBe(h.seeded.openInvoices);
      expect(first.saved.customer).toBe(h.seeded.customers);
      expect(first.rejected).toBe(0);
      const provider = h.connector.provider;
      const companyId = (await h.store.connections.get(id))!.companyId;
      await h.connector.fullSync(id);
      expect(await h.store.invoices.countByCompany(provider, companyId)).toBe(h.seeded.openInvoices);
    });

    it('incremental sync picks up a change', async () => {
      const change = await h.changeInvoice();
      const r = await h.connector.incrementalSync(id);
      expect(r.kind).toBe('incremental');
      const conn = (await h.store.connections.get(id))!;
      const inv = await h.store.invoices.findByKey(h.connector.provider, conn.companyId, change.externalId);
      expect(inv?.balanceMinor).toBe(change.balanceMinor);
    });

    it('verifies webhooks: good signature parses, forged is refused', () => {
      const inv = h.anyOpenInvoiceId();
      const good = h.webhook(inv);
      const v = h.connector.verifyWebhook(good.body, good.headers);
      expect(v.ok).toBe(true);
      if (v.ok) expect(v.events.some((e) => e.kind === 'invoice' && e.externalId === inv)).toBe(true);
      const bad = h.forgedWebhook(inv);
      expect(h.connector.verifyWebhook(bad.body, bad.headers)).toEqual({ ok: false, reason: 'bad_signature' });
    });

    it('applies webhook changes by fetching the records', async () => {
      const change = await h.changeInvoice();
      const v = h.connector.verifyWebhook(h.webhook(change.externalId).body, h.webhook(change.externalId).headers);
      if (!v.ok) throw new Error('expected a good webhook');
      const r = await h.connector.applyChanges(v.events);
      expect(r.saved).toBeGreaterThanOrEqual(1);
      const conn = (await h.store.connections.get(id))!;
      expect((await h.store.invoices.findByKey(h.connector.provider, conn.companyId, change.externalId))?.balanceMinor).toBe(change.balanceMinor);
    });

    it('fetches one record, and says when it does not exist', async () => {
      expect(await h.connector.fetchRecord(id, 'invoice', h.anyOpenInvoiceId())).toMatchObject({ found: true });
      expect(await h.connector.fetchRecord(id, 'invoice', '99999999')).toMatchObject({ found: false });
    });

    it('refreshes an access token the provider rejects, transparently', async () => {
      h.expireAccessToken();
      expect(await h.connector.fetchRecord(id, 'customer', h.anyCustomerId())).toMatchObject({ found: true });
    });

    it('appends a note to a customer once, even when retried', async () => {
      const c = h.anyCustomerId();
      expect(await h.connector.appendCustomerNote(id, c, 'Credit hold placed', 'hold-1')).toMatchObject({ ok: true });
      expect(await h.connector.appendCustomerNote(id, c, 'Credit hold placed', 'hold-1')).toMatchObject({ ok: true });
      expect(h.customerNotes(c).match(/Credit hold placed/g)).toHaveLength(1);
    });

    it('emails an open invoice through the platform', async () => {
      const inv = h.anyOpenInvoiceId();
      expect(await h.connector.emailInvoice(id, inv, { idempotencyKey: 'send-1' })).toMatchObject({ ok: true });
      expect(h.sentInvoices()).toContain(inv);
    });

    it('disconnects: tokens revoked, connection marked', async () => {
      await h.connector.disconnect(id);
      expect((await h.store.connections.get(id))?.status).toBe('disconnected');
      expect(await h.connector.refreshTokens(id)).toMatchObject({ ok: false, reason: 'not_connected' });
    });
  });
}
