// A stored customer as the matcher's subject: its display and legal names, every
// email and phone the ledger lists (the customer's and its contacts'), the
// billing address and the tax number. Pure.
import type { CustomerDoc } from '../store/types.js';
import type { LookalikeSubject } from './normalise.js';

export type LookalikeCustomer = Pick<CustomerDoc, '_id' | 'displayName' | 'legalName' | 'email' | 'phone' | 'address' | 'taxNumber' | 'contacts'>;

export function subjectOf(c: LookalikeCustomer): LookalikeSubject {
  const emails = [c.email, ...c.contacts.map((x) => x.email)].filter((e): e is string => !!e);
  const phones = [c.phone, ...c.contacts.map((x) => x.phone)].filter((p): p is string => !!p);
  return {
    id: c._id,
    name: c.displayName,
    ...(c.legalName && c.legalName !== c.displayName ? { otherNames: [c.legalName] } : {}),
    emails,
    phones,
    ...(c.address ? { address: c.address } : {}),
    ...(c.taxNumber ? { taxNumber: c.taxNumber } : {}),
  };
}

/** The store fields the matcher reads (a projection for reading many customers). */
export const LOOKALIKE_PROJECTION = { _id: 1, orgId: 1, displayName: 1, legalName: 1, email: 1, phone: 1, address: 1, taxNumber: 1, contacts: 1 } as const;
