// What every part of the QuickBooks connector is given: the shared connector kit
// (store, clock, log, tokens, an API client per connection) and the app's settings.
import type { ConnectorKit } from '../connector-kit.js';
import type { QboClient } from './client.js';

export interface QuickBooksSettings {
  clientId: string;
  clientSecret: string;
  webhookVerifierToken: string;
  environment: 'sandbox' | 'production';
  apiBaseUrl: string;
  tokenUrl: string;
  authorizeUrl: string;
  revokeUrl: string;
  /** Where QuickBooks sends the browser back: <public base>/callback/quickbooks. */
  redirectUri: string;
}

export interface QboKit extends ConnectorKit<QboClient> {
  settings: QuickBooksSettings;
}
