// What every part of the Xero connector is given: the shared connector kit
// (store, clock, log, tokens, an API client per tenant) and what only Xero has:
// PKCE, the logins' shared token sets (`grants`) and the per-tenant rate state.
import type { Connections } from '../../src/store/organisations.js';
import type { ConnectorKit } from '../connector-kit.js';
import type { RateBook, XeroApi } from './client.js';
import type { Pkce, XeroSettings } from './oauth.js';

export interface XeroKit extends ConnectorKit<XeroApi> {
  settings: XeroSettings;
  pkce: Pkce;
  /** Where the token sets of Xero logins live (one per consent; every tenant of it points here). */
  grants: Connections;
  rates: RateBook;
  /** Defer a full sync when Xero says fewer calls than this are left today. */
  dailyReserve: number;
}
