import type { Readable } from 'node:stream';

/**
 * Where the engine writes files for analysts and ad platforms (the S3 lake bucket in AWS, a
 * folder locally). Keys are S3-style paths, e.g. `journeys/dt=2026-11-23/part-0000.parquet`.
 * A put of the same key replaces the object, so re-running a nightly job is harmless.
 */
export interface ObjectStore {
  put(key: string, body: Uint8Array | string | Readable, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys under a prefix, in key order. */
  list(prefix: string): Promise<string[]>;
  /** Deletes the objects; a missing key is not an error. */
  delete(keys: readonly string[]): Promise<void>;
}
