import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/** E11000: a unique index refused the write. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/**
 * The database cannot be reached right now (no server selected in time, the connection
 * dropped, the client closed): nothing is wrong with the request, it may succeed later.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  return err instanceof MongoServerSelectionError
    || err instanceof MongoNetworkError
    || err instanceof MongoTopologyClosedError
    || err instanceof MongoNotConnectedError;
}
