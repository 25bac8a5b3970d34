import type { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectStore } from '#shared/ports/object-store';

/** Options of {@link S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** Created once per process with `createS3Client()` (`lake-clients.ts`). */
  readonly client: S3Client;
  /** The lake bucket (created by the CDK stack). */
  readonly bucket: string;
  /**
   * Part size for streamed uploads, in bytes; S3's minimum is 5 MiB. A streamed upload holds at
   * most `partSize × 4` bytes in memory (four parts in flight), whatever the stream's length.
   * @default 5 MiB
   */
  readonly partSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Parts uploaded side by side: enough to keep the link busy, few enough to bound memory. */
const PARTS_IN_FLIGHT = 4;

/**
 * {@link ObjectStore} on one S3 bucket.
 *
 * - Strings and byte arrays (their length is known) go in one PutObject.
 * - A stream has no known length, which a single PutObject needs; it goes through
 *   `@aws-sdk/lib-storage`'s `Upload`, which cuts it into parts and uploads them as they fill
 *   (multipart upload; one PutObject if the stream ends within the first part), so a Parquet
 *   file of any size is never held whole in memory. On failure it aborts the multipart upload;
 *   the bucket's lifecycle rule for incomplete uploads catches what an abort could not.
 * - A get of a missing key answers undefined. S3 says `NoSuchKey` only to callers allowed to
 *   list the bucket (otherwise `AccessDenied`), so the role needs `s3:ListBucket` too.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;

  constructor(options: S3ObjectStoreOptions) {
    const partSize = options.partSize ?? MIN_PART_SIZE;
    if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE)
      throw new Error(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes, got ${partSize}`);
    this.client = options.client;
    this.bucket = options.bucket;
    this.partSize = partSize;
  }

  async put(key: string, body: Uint8Array | string | Readable, contentType: string): Promise<void> {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
      return;
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: this.partSize,
      queueSize: PARTS_IN_FLIGHT,
      // Abort the multipart upload on failure, so no orphaned parts keep costing storage.
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Body ? await Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    // ListObjectsV2 answers at most 1,000 keys a page, in UTF-8 binary key order; the paginator
    // follows the continuation tokens, and the order carries over from page to page.
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    return keys;
  }

  /** DeleteObjects takes at most 1,000 keys a call; a key that is not there counts as deleted. */
  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const chunk = keys.slice(start, start + 1000);
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
      );
      if (Errors && Errors.length > 0)
        throw new Error(`could not delete ${Errors.length} object(s), first: ${Errors[0]?.Key} (${Errors[0]?.Code})`);
    }
  }
}
