// Xero facts as data (see shared/ref/integration-facts.md §2). Everything a
// Xero call needs to know about the platform lives here, not in code.
export const xero = {
  provider: 'xero',
  oauth: {
    authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
    /** The identity server: token endpoint at /connect/token, revocation at /connect/revocation. */
    identityUrl: 'https://identity.xero.com',
    tokenPath: '/connect/token',
    revocationPath: '/connect/revocation',
    connectionsUrl: 'https://api.xero.com/connections',
    /**
     * Every scope Overdue asks for, in one place. Reads for sync; History (notes)
     * and Invoices/{id}/Email are writes under the contacts and invoices scopes.
     */
    scopes: [
      'offline_access',
      'accounting.contacts.read',
      'accounting.invoices.read',
      'accounting.payments.read',
      // write-backs: a History note on a contact, emailing an invoice
      'accounting.contacts',
      'accounting.invoices',
    ],
    /** Access tokens live 30 minutes. */
    accessTokenTtlS: 30 * 60,
    /** A refresh token dies 60 days after its last use. */
    refreshTokenTtlS: 60 * 86_400,
    /** Each refresh rotates the refresh token; the old one keeps working this long (a lost answer can be retried). */
    rotatedRefreshGraceS: 30 * 60,
  },
  api: {
    baseUrl: 'https://api.xero.com/api.xro/2.0',
    /** Largest page Xero serves (since July 2024); pages start at 1. */
    pageSize: 1000,
    /** Incremental reads use the If-Modified-Since header. */
    tenantHeader: 'xero-tenant-id',
    /** How many ids go into one IDs= filter (keeps the URL short). */
    idsPerRequest: 100,
    /** Details of a History record hold at most this many characters. */
    historyMaxChars: 250,
    /** The Idempotency-Key header holds at most this many characters. */
    idempotencyKeyMaxChars: 128,
  },
  limits: {
    /** Per tenant. */
    concurrentRequests: 5,
    requestsPerMinute: 60,
    requestsPerDay: 5000,
    /** Per app across all tenants. */
    appRequestsPerMinute: 10_000,
  },
  headers: {
    retryAfter: 'retry-after',
    problem: 'x-rate-limit-problem',
    minuteRemaining: 'x-minlimit-remaining',
    dayRemaining: 'x-daylimit-remaining',
    appMinuteRemaining: 'x-appminlimit-remaining',
  },
  webhook: { signatureHeader: 'x-xero-signature', categories: ['INVOICE', 'CONTACT', 'CREDITNOTE'] },
  /** A tenant id (and a connection id) is a GUID. */
  companyIdPattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
} as const;

export type XeroScope = (typeof xero.oauth.scopes)[number];
