// node-quickbooks' typings lag its code: the find* methods also take a raw
// criteria string (" where … startposition n maxresults m"), which is the only
// form that keeps a comparison operator together with paging. Declaration
// merging adds those overloads; index.js handles the string in criteriaToString.
import type { QuickBooksCallback } from 'node-quickbooks';

declare module 'node-quickbooks' {
  interface QuickBooks {
    findInvoices(criteria: string, callback: QuickBooksCallback<unknown>): void;
    findCustomers(criteria: string, callback: QuickBooksCallback<unknown>): void;
    findPayments(criteria: string, callback: QuickBooksCallback<unknown>): void;
    findCreditMemos(criteria: string, callback: QuickBooksCallback<unknown>): void;
    findTerms(criteria: string, callback: QuickBooksCallback<unknown>): void;
  }
}
export {};
