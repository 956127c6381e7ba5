import { MongoServerError } from 'mongodb';

/** E11000: a unique index refused the write. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}
