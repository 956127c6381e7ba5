import { randomBytes } from 'node:crypto';
import { decryptTokens, encryptTokens, TokenDecryptError, type TokenSet } from './tokens.js';

const key = randomBytes(32);
const tokens: TokenSet = {
  accessToken: 'at-1',
  refreshToken: 'rt-1',
  accessTokenExpiresAt: '2026-03-02T11:00:00.000Z',
  refreshTokenExpiresAt: '2026-06-10T10:00:00.000Z',
};

describe('token encryption', () => {
  it('round-trips a token set and never stores it in the clear', () => {
    const blob = encryptTokens(tokens, key, 'quickbooks:123');
    expect(JSON.stringify(blob)).not.toContain('rt-1');
    expect(decryptTokens(blob, key, 'quickbooks:123')).toEqual(tokens);
  });

  it('uses a fresh IV each time', () => {
    const a = encryptTokens(tokens, key, 'c');
    const b = encryptTokens(tokens, key, 'c');
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
  });

  it('detects a tampered ciphertext or tag', () => {
    const blob = encryptTokens(tokens, key, 'c');
    const data = Buffer.from(blob.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => decryptTokens({ ...blob, data: data.toString('base64') }, key, 'c')).toThrow(TokenDecryptError);
    const tag = Buffer.from(blob.tag, 'base64');
    tag[3] = (tag[3] ?? 0) ^ 0x80;
    expect(() => decryptTokens({ ...blob, tag: tag.toString('base64') }, key, 'c')).toThrow(TokenDecryptError);
  });

  it('refuses the wrong key', () => {
    const blob = encryptTokens(tokens, key, 'c');
    expect(() => decryptTokens(blob, randomBytes(32), 'c')).toThrow(TokenDecryptError);
  });

  it('refuses a blob moved to another connection', () => {
    const blob = encryptTokens(tokens, key, 'quickbooks:1');
    expect(() => decryptTokens(blob, key, 'quickbooks:2')).toThrow(TokenDecryptError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => encryptTokens(tokens, randomBytes(16), 'c')).toThrow(RangeError);
  });
});
