import { connectorContract } from '../contract.js';
import { REALM, connId, startQuickBooks } from './harness.js';
import { amount } from '../../sandbox/quickbooks/server.js';

connectorContract('quickbooks', async () => {
  const q = await startQuickBooks('qbcontract', { customers: 40, openInvoices: 120, paidInvoices: 10, voidedInvoices: 3, creditMemos: 4, currencies: ['USD', 'EUR'] });
  const company = q.sandbox.company(REALM);
  let lastCallback = '';
  const openIds = () => [...company.records.Invoice.values()].filter((i) => Number(i.Balance) > 0).map((i) => i.Id);
  const customers = [...company.records.Customer.values()];
  const activeCustomers = customers.length;
  const sign = (body: string) => q.sandbox.signature(body);
  return {
    connector: q.connector,
    store: q.store,
    seeded: { customers: activeCustomers, openInvoices: openIds().length },
    async connect() {
      const r = await q.connect();
      lastCallback = r.callbackUrl;
      return { status: r.status, connectionId: connId };
    },
    async replayCallback() {
      return (await fetch(lastCallback)).status;
    },
    async changeInvoice() {
      const id = openIds()[0]!;
      const inv = company.records.Invoice.get(id)!;
      const balanceMinor = Math.round(Number(inv.Balance) * 100) - 1001; // 10.01 paid
      q.sandbox.change(REALM, 'Invoice', id, { Balance: amount(balanceMinor) });
      return { externalId: id, balanceMinor };
    },
    webhook(externalId) {
      const body = q.sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: externalId, operation: 'Update' }]);
      return { body: Buffer.from(body), headers: { 'intuit-signature': sign(body) } };
    },
    forgedWebhook(externalId) {
      const body = q.sandbox.legacyPayload(REALM, [{ name: 'Invoice', id: externalId, operation: 'Update' }]);
      return { body: Buffer.from(body), headers: { 'intuit-signature': q.sandbox.signature(body, 'not-the-verifier') } };
    },
    expireAccessToken: () => q.sandbox.expireAccessTokens(),
    customerNotes: (id) => String(company.records.Customer.get(id)?.Notes ?? ''),
    sentInvoices: () => company.sent.map((s) => s.invoiceId),
    anyCustomerId: () => customers[0]!.Id,
    anyOpenInvoiceId: () => openIds()[1]!,
    close: () => q.close(),
  };
});
