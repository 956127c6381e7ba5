// QuickBooks Online facts as data (see shared/ref/integration-facts.md §1).
export const quickbooks = {
  provider: 'quickbooks',
  oauth: {
    authorizeUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    revokeUrl: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
    scope: 'com.intuit.quickbooks.accounting',
    /** Access tokens live 1 h; refresh tokens roll for 100 days and rotate. */
    accessTokenTtlS: 3600,
    /** A superseded refresh token keeps working this long after a rotation. */
    rotatedRefreshGraceS: 24 * 3600,
  },
  api: {
    baseUrl: 'https://quickbooks.api.intuit.com',
    /** The sandbox companies' base URL: an alias of the same API. */
    sandboxBaseUrl: 'https://sandbox-quickbooks.api.intuit.com',
    minorVersion: '75',
    /** MAXRESULTS cannot exceed this; STARTPOSITION starts at 1. */
    pageSize: 1000,
    /** CDC looks back at most this far and returns at most this many objects per response. */
    cdcMaxAgeDays: 30,
    cdcMaxObjects: 1000,
  },
  limits: { requestsPerMinute: 500, concurrentRequests: 10 },
  /** QuickBooks documents no Retry-After header: back off exponentially. */
  retryAfterHeader: null,
  faults: { throttled: '003001', staleObject: '5010', notFound: '610', authFailed: '3200' },
  webhook: { signatureHeader: 'intuit-signature' },
  /** The company id (realmId) is a string of digits. */
  companyIdPattern: /^\d{1,19}$/,
  entities: { customer: 'Customer', invoice: 'Invoice', payment: 'Payment', credit_memo: 'CreditMemo' },
} as const;

export type QboEntityName = (typeof quickbooks.entities)[keyof typeof quickbooks.entities];
