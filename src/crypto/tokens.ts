// Token sets encrypted at rest with AES-256-GCM. Each blob has a fresh 96-bit IV
// and is bound to the connection it belongs to (the connection id is the
// additional authenticated data), so a blob copied onto another connection, a
// flipped bit or a wrong key all fail to decrypt instead of yielding tokens.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { EncryptedBlob } from '../store/types.js';

/** The provider-neutral token set a connection holds. Instants are ISO strings. */
export const tokenSetSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** When the access token stops working. */
  accessTokenExpiresAt: z.iso.datetime(),
  /** When the refresh token stops working (rolling expiry), when the provider says. */
  refreshTokenExpiresAt: z.iso.datetime().optional(),
  tokenType: z.string().optional(),
  scope: z.string().optional(),
});
export type TokenSet = z.infer<typeof tokenSetSchema>;

export class TokenDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenDecryptError';
  }
}

const ALGORITHM = 'aes-256-gcm';

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new RangeError(`token encryption key must be 32 bytes, got ${key.length}`);
}

/** Encrypt a token set for one connection. */
export function encryptTokens(tokens: TokenSet, key: Buffer, connectionId: string): EncryptedBlob {
  checkKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(connectionId, 'utf8'));
  const data = Buffer.concat([cipher.update(JSON.stringify(tokenSetSchema.parse(tokens)), 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Decrypt a connection's token set; throws TokenDecryptError when the blob was altered, moved or the key is wrong. */
export function decryptTokens(blob: EncryptedBlob, key: Buffer, connectionId: string): TokenSet {
  checkKey(key);
  let plain: string;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(blob.iv, 'base64'));
    decipher.setAAD(Buffer.from(connectionId, 'utf8'));
    decipher.setAuthTag(Buffer.from(blob.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(blob.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new TokenDecryptError(`tokens of ${connectionId} cannot be decrypted (altered, moved or wrong key)`);
  }
  const parsed = tokenSetSchema.safeParse(JSON.parse(plain));
  if (!parsed.success) throw new TokenDecryptError(`tokens of ${connectionId} decrypted to an unexpected shape`);
  return parsed.data;
}
