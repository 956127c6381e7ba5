import { ConfigError, loadConfig } from '../src/config.js';
import { DEVELOPMENT_AUDIT_CHAIN_KEY_BASE64 } from '../src/crypto/audit-key.js';

const key = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
const adminToken = 'Zt4q-9vKx_2mWb7Lr1cYp8Nd3fHs6Gj0';
const auditKey = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 53 + 5) % 256)).toString('base64');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives sane defaults with nothing set: the real services and a local database', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(3000);
    expect(c.mongo.uri).toBeUndefined();
    expect(c.mongo.dbName).toBe('overdue');
    expect(c.quickbooks.apiBaseUrl).toBe('https://quickbooks.api.intuit.com');
    expect(c.quickbooks.tokenUrl).toBe('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer');
    expect(c.xero.identityUrl).toBe('https://identity.xero.com');
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.email.sendEnabled).toBe(false);
  });

  it('parses a full production configuration into typed values', () => {
    const c = loadConfig({
      NODE_ENV: 'production', PORT: '8080', MONGODB_URI: 'mongodb+srv://u:p@cluster.example/overdue',
      TOKEN_ENCRYPTION_KEY: key, ADMIN_API_TOKEN: adminToken, PUBLIC_BASE_URL: 'https://overdue.example.com', AUDIT_CHAIN_KEY: auditKey,
      QBO_API_BASE_URL: 'http://127.0.0.1:4010', QBO_CLIENT_ID: 'id', QBO_CLIENT_SECRET: 'secret',
      SLACK_BOT_TOKEN: 'xoxb-1', SMTP_URL: 'smtp://127.0.0.1:2525', SEND_ENABLED: 'true',
    });
    expect(c.http.port).toBe(8080);
    expect(c.secrets.tokenEncryptionKey?.length).toBe(32);
    expect(c.secrets.auditChainKey).toEqual(Buffer.from(auditKey, 'base64'));
    expect(c.quickbooks.apiBaseUrl).toBe('http://127.0.0.1:4010');
    expect(c.http.publicBaseUrl).toBe('https://overdue.example.com');
    expect(c.email.sendEnabled).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', PORT: '' }).mongo.uri).toBeUndefined();
  });

  it('lists every problem at once: bad values, missing pairs and production requirements', () => {
    const problems = problemsOf({
      NODE_ENV: 'production', PORT: 'abc', TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=', SLACK_BOT_TOKEN: 'xoxp-user',
      QBO_API_BASE_URL: 'not a url', QBO_CLIENT_ID: 'only-the-id', MONGODB_URI: 'postgres://x',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(expect.arrayContaining([
      'PORT', 'TOKEN_ENCRYPTION_KEY', 'SLACK_BOT_TOKEN', 'QBO_API_BASE_URL', 'QBO_CLIENT_SECRET', 'MONGODB_URI', 'ADMIN_API_TOKEN', 'PUBLIC_BASE_URL', 'AUDIT_CHAIN_KEY',
    ]));
    expect(problems.find((p) => p.startsWith('TOKEN_ENCRYPTION_KEY'))).toMatch(/32 bytes/);
  });

  it('puts every problem in the error message, one per line', () => {
    expect(() => loadConfig({ PORT: '70000', LOG_LEVEL: 'loud' })).toThrow(/2 problems\):\n {2}- LOG_LEVEL: .*\n {2}- PORT: /);
  });

  it('refuses weak secrets and a non-https public address in production, each with its own message', () => {
    const weak = {
      NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/overdue',
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), ADMIN_API_TOKEN: 'a'.repeat(24), PUBLIC_BASE_URL: 'http://overdue.example.com',
      AUDIT_CHAIN_KEY: auditKey,
    };
    const problems = problemsOf(weak);
    expect(problems).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: too weak for production/),
      expect.stringMatching(/^ADMIN_API_TOKEN: too weak for production/),
      'PUBLIC_BASE_URL: must be an https:// address when NODE_ENV=production',
    ]);
    expect(() => loadConfig(weak)).toThrow(/^Invalid configuration \(3 problems\)/);
    // A key cycling through a few byte values and a long token repeating a short pattern are weak too.
    const patterned = problemsOf({ ...weak, TOKEN_ENCRYPTION_KEY: Buffer.from('0123456789'.repeat(4).slice(0, 32)).toString('base64'), ADMIN_API_TOKEN: 'abcd'.repeat(10), PUBLIC_BASE_URL: 'https://overdue.example.com' });
    expect(patterned.map((p) => p.split(':')[0])).toEqual(['TOKEN_ENCRYPTION_KEY', 'ADMIN_API_TOKEN']);
  });

  it('keys the audit chain: AUDIT_CHAIN_KEY is required in production and may not be the development key; elsewhere the development key is the default', () => {
    expect(loadConfig({}).secrets.auditChainKey).toEqual(Buffer.from(DEVELOPMENT_AUDIT_CHAIN_KEY_BASE64, 'base64'));
    expect(loadConfig({ AUDIT_CHAIN_KEY: auditKey }).secrets.auditChainKey).toEqual(Buffer.from(auditKey, 'base64'));
    const prod = { NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/overdue', TOKEN_ENCRYPTION_KEY: key, ADMIN_API_TOKEN: adminToken, PUBLIC_BASE_URL: 'https://overdue.example.com' };
    expect(problemsOf(prod)).toEqual(['AUDIT_CHAIN_KEY: required when NODE_ENV=production']);
    expect(problemsOf({ ...prod, AUDIT_CHAIN_KEY: DEVELOPMENT_AUDIT_CHAIN_KEY_BASE64 })).toEqual([expect.stringMatching(/^AUDIT_CHAIN_KEY: the public development key cannot be used in production/)]);
    expect(problemsOf({ ...prod, AUDIT_CHAIN_KEY: Buffer.alloc(32, 1).toString('base64') })).toEqual([expect.stringMatching(/^AUDIT_CHAIN_KEY: too weak for production/)]);
    expect(problemsOf({ AUDIT_CHAIN_KEY: 'c2hvcnQ=' })).toEqual([expect.stringMatching(/^AUDIT_CHAIN_KEY: must be 32 bytes/)]);
  });

  it('accepts the same weak values outside production, so development and test defaults keep working', () => {
    const c = loadConfig({ NODE_ENV: 'test', TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), ADMIN_API_TOKEN: 'a'.repeat(24), PUBLIC_BASE_URL: 'http://127.0.0.1:3000' });
    expect(c.http.publicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({}).http.publicBaseUrl).toBe('http://127.0.0.1:3000');
  });

  it('requires SMTP_URL when sending is enabled', () => {
    expect(problemsOf({ SEND_ENABLED: 'true' })).toEqual(['SMTP_URL: required when SEND_ENABLED=true']);
  });
});
