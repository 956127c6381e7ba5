// The key of the audit trail's HMAC chain (AUDIT_CHAIN_KEY). It lives outside the
// database, so write access to the database alone cannot recompute a chain after
// editing an entry. Development and tests use this fixed, public key (it spells
// "overdue-development-audit-chain!"); production must set its own, and
// src/config.ts refuses this one there.
export const DEVELOPMENT_AUDIT_CHAIN_KEY_BASE64 = 'b3ZlcmR1ZS1kZXZlbG9wbWVudC1hdWRpdC1jaGFpbiE=';

/** The development key as bytes (a fresh Buffer each call: nothing shared can be altered). */
export function developmentAuditChainKey(): Buffer {
  return Buffer.from(DEVELOPMENT_AUDIT_CHAIN_KEY_BASE64, 'base64');
}
