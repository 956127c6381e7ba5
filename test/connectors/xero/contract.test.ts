import { connectorContract } from '../contract.js';
import { TENANT_A, connA, startXero } from './harness.js';

connectorContract('xero', async () => {
  const x = await startXero('xerocontract', { a: { contacts: 40, openInvoices: 120, paidInvoices: 10, voidedInvoices: 3, draftInvoices: 4, bills: 5, creditNotes: 4 } });
  const tenant = x.sandbox.tenant(TENANT_A);
  let lastCallback = '';
  const openIds = () => x.sandbox.openInvoices(TENANT_A).map((i) => String(i.InvoiceID));
  const contacts = [...tenant.records.Contacts.values()];
  return {
    connector: x.connector,
    store: x.store,
    seeded: { customers: contacts.length, openInvoices: openIds().length },
    async connect() {
      const r = await x.connect();
      lastCallback = r.callbackUrl;
      return { status: r.status, connectionId: connA };
    },
    async replayCallback() {
      return (await fetch(lastCallback)).status;
    },
    async changeInvoice() {
      const id = openIds()[0]!;
      x.sandbox.pay(TENANT_A, id, 1001); // 10.01 paid
      const inv = tenant.records.Invoices.get(id)!;
      const exp = inv.CurrencyCode === 'JPY' ? 0 : 2;
      return { externalId: id, balanceMinor: Math.round(Number(inv.AmountDue) * 10 ** exp) };
    },
    webhook(externalId) {
      // The same delivery each time it is asked for (Xero's retries resend the same body).
      const body = x.sandbox.payload([{ tenantId: TENANT_A, category: 'INVOICE', id: externalId }], { entropy: `E-${externalId}`, at: new Date(0) });
      return { body: Buffer.from(body), headers: { 'x-xero-signature': x.sandbox.signature(body) } };
    },
    forgedWebhook(externalId) {
      const body = x.sandbox.payload([{ tenantId: TENANT_A, category: 'INVOICE', id: externalId }]);
      return { body: Buffer.from(body), headers: { 'x-xero-signature': x.sandbox.signature(body, 'not-the-key') } };
    },
    expireAccessToken: () => x.sandbox.expireAccessTokens(),
    customerNotes: (id) => (tenant.history.get(id) ?? []).map((h) => h.Details).join('\n'),
    sentInvoices: () => tenant.emailed,
    anyCustomerId: () => String(contacts[0]!.ContactID),
    anyOpenInvoiceId: () => openIds()[1]!,
    tokenHolder: (id) => x.connector.grants.get(id),
    close: () => x.close(),
  };
});
