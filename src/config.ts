// Configuration: every environment variable Overdue reads, in one zod schema,
// parsed once at start-up into a typed object. A bad or missing value is a
// ConfigError that lists every problem at once; nothing else reads process.env.
import { z } from 'zod';
import { DEVELOPMENT_AUDIT_CHAIN_KEY_BASE64, developmentAuditChainKey } from './crypto/audit-key.js';
import { deriveCustomerLinkKey } from './crypto/customer-link.js';

const url = (fallback: string) => z.url({ error: 'must be an absolute URL' }).default(fallback);
const optionalSecret = z.string().min(1).optional();
const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const base64Key32 = z
  .string()
  .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, {
    message: 'must be 32 bytes encoded as base64 (generate one with: openssl rand -base64 32)',
  })
  .transform((v) => Buffer.from(v, 'base64'));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number({ error: 'must be a port number (0-65535)' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: z.url().optional(),
  HTTP_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 1mb or 512kb').default('1mb'),

  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and - only').default('overdue'),
  MONGODB_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  LOCAL_DB_DIR: z.string().min(1).default('.data/db'),

  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(5),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(59).default(5),

  TOKEN_ENCRYPTION_KEY: base64Key32.optional(),
  ADMIN_API_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Keys the audit trail's HMAC chain; outside production the public development key when unset. */
  AUDIT_CHAIN_KEY: base64Key32.optional(),
  /** Signs the customer's page links (docs/customer-page.md); unset: derived from AUDIT_CHAIN_KEY. */
  CUSTOMER_LINK_KEY: base64Key32.optional(),

  QBO_CLIENT_ID: optionalSecret,
  QBO_CLIENT_SECRET: optionalSecret,
  QBO_WEBHOOK_VERIFIER_TOKEN: optionalSecret,
  QBO_ENVIRONMENT: z.enum(['sandbox', 'production']).default('production'),
  QBO_API_BASE_URL: url('https://quickbooks.api.intuit.com'),
  QBO_OAUTH_TOKEN_URL: url('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer'),
  QBO_OAUTH_AUTHORIZE_URL: url('https://appcenter.intuit.com/connect/oauth2'),
  QBO_OAUTH_REVOKE_URL: url('https://developer.api.intuit.com/v2/oauth2/tokens/revoke'),

  XERO_CLIENT_ID: optionalSecret,
  XERO_CLIENT_SECRET: optionalSecret,
  XERO_WEBHOOK_KEY: optionalSecret,
  XERO_API_BASE_URL: url('https://api.xero.com/api.xro/2.0'),
  XERO_IDENTITY_URL: url('https://identity.xero.com'),
  XERO_CONNECTIONS_URL: url('https://api.xero.com/connections'),
  XERO_AUTHORIZE_URL: url('https://login.xero.com/identity/connect/authorize'),

  SLACK_SIGNING_SECRET: optionalSecret,
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-...)').optional(),
  SLACK_CLIENT_ID: optionalSecret,
  SLACK_CLIENT_SECRET: optionalSecret,
  SLACK_STATE_SECRET: optionalSecret,
  SLACK_API_URL: url('https://slack.com/api/'),

  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  EMAIL_FROM: z.string().min(3).default('Overdue <collections@example.com>'),

  SEND_ENABLED: boolFromEnv.default(false),
  SEND_RATE_PER_MINUTE: z.coerce.number().int().positive().default(120),
  SEND_RATE_PER_COMPANY_PER_MINUTE: z.coerce.number().int().positive().default(30),

  /** Inbound mail (docs/inbound-mail.md): the mailbox replies go to, and the key of the reply addresses' tokens. */
  INBOUND_REPLY_ADDRESS: z.email({ error: 'must be an email address, e.g. replies@ar.example.com' }).optional(),
  INBOUND_REPLY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  INBOUND_MAX_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  INBOUND_IMAP_HOST: z.string().min(1).optional(),
  INBOUND_IMAP_PORT: z.coerce.number().int().min(1).max(65535).default(993),
  INBOUND_IMAP_TLS: boolFromEnv.default(true),
  INBOUND_IMAP_USER: optionalSecret,
  INBOUND_IMAP_PASSWORD: optionalSecret,
  INBOUND_IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  MAILGUN_WEBHOOK_SIGNING_KEY: optionalSecret,
});

export type Env = z.input<typeof envSchema>;
type Parsed = z.output<typeof envSchema>;

/** The typed configuration the whole process shares, grouped by concern. */
export interface Config {
  env: Parsed['NODE_ENV'];
  logLevel: Parsed['LOG_LEVEL'];
  http: { port: number; host: string; publicBaseUrl: string; bodyLimit: string };
  mongo: { uri: string | undefined; dbName: string; connectTimeoutMs: number; localDir: string };
  worker: { concurrency: number; shutdownGraceMs: number; syncIntervalMinutes: number };
  /** auditChainKey: always set (the development key outside production when AUDIT_CHAIN_KEY is unset). */
  secrets: { tokenEncryptionKey: Buffer | undefined; adminApiToken: string | undefined; auditChainKey: Buffer; customerLinkKey: Buffer };
  quickbooks: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    webhookVerifierToken: string | undefined;
    environment: 'sandbox' | 'production';
    apiBaseUrl: string;
    tokenUrl: string;
    authorizeUrl: string;
    revokeUrl: string;
  };
  xero: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    webhookKey: string | undefined;
    apiBaseUrl: string;
    identityUrl: string;
    connectionsUrl: string;
    authorizeUrl: string;
  };
  slack: {
    signingSecret: string | undefined;
    botToken: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    stateSecret: string | undefined;
    apiUrl: string;
  };
  /** ratePerMinute / ratePerCompanyPerMinute: caps on customer sends (global, per connected company). */
  email: { smtpUrl: string | undefined; from: string; sendEnabled: boolean; ratePerMinute: number; ratePerCompanyPerMinute: number };
  /** Inbound mail (docs/inbound-mail.md). replyMailbox: set when both the address and its secret are; imap: when host, user and password are. */
  inbound: InboundConfig;
}

export interface InboundConfig {
  replyMailbox: { address: string; secret: string } | undefined;
  maxBytes: number;
  imap: { host: string; port: number; secure: boolean; user: string; password: string; mailbox: string } | undefined;
  mailgunSigningKey: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parse an environment (process.env or a plain object in tests). Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  problems.push(...crossFieldProblems(cleaned));
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const e = result.data;

  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: {
      port: e.PORT,
      host: e.HOST,
      publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`,
      bodyLimit: e.HTTP_BODY_LIMIT,
    },
    mongo: {
      uri: e.MONGODB_URI,
      dbName: e.MONGODB_DB,
      connectTimeoutMs: e.MONGODB_CONNECT_TIMEOUT_MS,
      localDir: e.LOCAL_DB_DIR,
    },
    worker: { concurrency: e.WORKER_CONCURRENCY, shutdownGraceMs: e.SHUTDOWN_GRACE_MS, syncIntervalMinutes: e.SYNC_INTERVAL_MINUTES },
    secrets: {
      tokenEncryptionKey: e.TOKEN_ENCRYPTION_KEY,
      adminApiToken: e.ADMIN_API_TOKEN,
      auditChainKey: e.AUDIT_CHAIN_KEY ?? developmentAuditChainKey(),
      customerLinkKey: deriveCustomerLinkKey(e.CUSTOMER_LINK_KEY, e.AUDIT_CHAIN_KEY ?? developmentAuditChainKey()),
    },
    quickbooks: {
      clientId: e.QBO_CLIENT_ID,
      clientSecret: e.QBO_CLIENT_SECRET,
      webhookVerifierToken: e.QBO_WEBHOOK_VERIFIER_TOKEN,
      environment: e.QBO_ENVIRONMENT,
      apiBaseUrl: e.QBO_API_BASE_URL,
      tokenUrl: e.QBO_OAUTH_TOKEN_URL,
      authorizeUrl: e.QBO_OAUTH_AUTHORIZE_URL,
      revokeUrl: e.QBO_OAUTH_REVOKE_URL,
    },
    xero: {
      clientId: e.XERO_CLIENT_ID,
      clientSecret: e.XERO_CLIENT_SECRET,
      webhookKey: e.XERO_WEBHOOK_KEY,
      apiBaseUrl: e.XERO_API_BASE_URL,
      identityUrl: e.XERO_IDENTITY_URL,
      connectionsUrl: e.XERO_CONNECTIONS_URL,
      authorizeUrl: e.XERO_AUTHORIZE_URL,
    },
    slack: {
      signingSecret: e.SLACK_SIGNING_SECRET,
      botToken: e.SLACK_BOT_TOKEN,
      clientId: e.SLACK_CLIENT_ID,
      clientSecret: e.SLACK_CLIENT_SECRET,
      stateSecret: e.SLACK_STATE_SECRET,
      apiUrl: e.SLACK_API_URL,
    },
    email: {
      smtpUrl: e.SMTP_URL,
      from: e.EMAIL_FROM,
      sendEnabled: e.SEND_ENABLED,
      ratePerMinute: e.SEND_RATE_PER_MINUTE,
      ratePerCompanyPerMinute: e.SEND_RATE_PER_COMPANY_PER_MINUTE,
    },
    inbound: {
      replyMailbox: e.INBOUND_REPLY_ADDRESS !== undefined && e.INBOUND_REPLY_SECRET !== undefined ? { address: e.INBOUND_REPLY_ADDRESS, secret: e.INBOUND_REPLY_SECRET } : undefined,
      maxBytes: e.INBOUND_MAX_BYTES,
      imap: e.INBOUND_IMAP_HOST !== undefined && e.INBOUND_IMAP_USER !== undefined && e.INBOUND_IMAP_PASSWORD !== undefined
        ? { host: e.INBOUND_IMAP_HOST, port: e.INBOUND_IMAP_PORT, secure: e.INBOUND_IMAP_TLS, user: e.INBOUND_IMAP_USER, password: e.INBOUND_IMAP_PASSWORD, mailbox: e.INBOUND_IMAP_MAILBOX }
        : undefined,
      mailgunSigningKey: e.MAILGUN_WEBHOOK_SIGNING_KEY,
    },
  };
}

/** Rules across variables, checked on the raw values so they are reported together with the schema's. */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const has = (name: string) => env[name] !== undefined;
  if (env.NODE_ENV === 'production') {
    for (const name of ['MONGODB_URI', 'TOKEN_ENCRYPTION_KEY', 'ADMIN_API_TOKEN', 'PUBLIC_BASE_URL', 'AUDIT_CHAIN_KEY']) {
      if (!has(name)) problems.push(`${name}: required when NODE_ENV=production`);
    }
    problems.push(...weakProductionValues(env));
  }
  for (const [a, b] of [
    ['QBO_CLIENT_ID', 'QBO_CLIENT_SECRET'],
    ['XERO_CLIENT_ID', 'XERO_CLIENT_SECRET'],
    ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET'],
    ['INBOUND_REPLY_ADDRESS', 'INBOUND_REPLY_SECRET'],
    ['INBOUND_IMAP_HOST', 'INBOUND_IMAP_USER'],
    ['INBOUND_IMAP_HOST', 'INBOUND_IMAP_PASSWORD'],
  ] as const) {
    if (has(a) !== has(b)) problems.push(`${has(a) ? b : a}: required together with ${has(a) ? a : b}`);
  }
  if (['true', '1', 'yes'].includes(env.SEND_ENABLED ?? '') && !has('SMTP_URL')) problems.push('SMTP_URL: required when SEND_ENABLED=true');
  return problems;
}

/** Fewest distinct byte values a production key of 32 random bytes may have (random keys have about 30). */
const minDistinctKeyBytes = 16;
/** A production admin token: at least this long, with at least this many distinct characters. */
const minProductionTokenLength = 32;
const minDistinctTokenChars = 8; // 32 random hex characters have fewer than 8 about once in a million

/**
 * Values that parse but are too weak for production: keys whose bytes repeat (all zeros, a pattern),
 * a guessable admin token, a public address without TLS. Only well-formed values are judged here;
 * malformed ones are already reported by the schema.
 */
function weakProductionValues(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const name of ['TOKEN_ENCRYPTION_KEY', 'AUDIT_CHAIN_KEY', 'CUSTOMER_LINK_KEY']) {
    const key = env[name];
    if (key !== undefined && base64Key32.safeParse(key).success && distinctCount(Buffer.from(key, 'base64')) < minDistinctKeyBytes) {
      problems.push(`${name}: too weak for production (its bytes repeat); generate one with: openssl rand -base64 32`);
    }
  }
  if (env.AUDIT_CHAIN_KEY === DEVELOPMENT_AUDIT_CHAIN_KEY_BASE64) {
    problems.push('AUDIT_CHAIN_KEY: the public development key cannot be used in production; generate one with: openssl rand -base64 32');
  }
  const token = env.ADMIN_API_TOKEN;
  if (token !== undefined && (token.length < minProductionTokenLength || distinctCount(token) < minDistinctTokenChars)) {
    problems.push(`ADMIN_API_TOKEN: too weak for production (needs at least ${minProductionTokenLength} characters, not a repeated pattern); generate one with: openssl rand -base64 32`);
  }
  const publicUrl = env.PUBLIC_BASE_URL;
  if (publicUrl !== undefined && URL.canParse(publicUrl) && new URL(publicUrl).protocol !== 'https:') {
    problems.push('PUBLIC_BASE_URL: must be an https:// address when NODE_ENV=production');
  }
  return problems;
}

function distinctCount(value: Iterable<unknown>): number {
  return new Set(value).size;
}
