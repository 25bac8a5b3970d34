import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '#shared/adapters/aws/lake-clients';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store';

/** The part of s3rver's API these tests use (the package ships no type declarations). */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string; configs: string[] }>;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const BUCKET = 'winback-lake';
const MIB = 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A stream of `total` bytes in `chunk`-sized pieces, produced lazily (never held whole). */
function lazyStream(seed: Buffer, total: number, chunk: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(chunk, total - sent);
      const piece = Buffer.alloc(size);
      for (let i = 0; i < size; i += seed.length) seed.copy(piece, i, 0, Math.min(seed.length, size - i));
      piece.writeUInt32BE(sent >>> 0, 0);
      sent += size;
      this.push(piece);
    },
  });
}

/** The same bytes as {@link lazyStream}, in memory, to compare against. */
async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('S3ObjectStore on s3rver', () => {
  let directory: string;
  let server: S3rverInstance;
  let client: S3Client;
  let store: S3ObjectStore;
  let clientConfig: S3ClientConfig;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'winback-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = await server.run();
    clientConfig = {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      // s3rver's default keys; it checks signatures.
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // s3rver serves buckets by path, not by host name.
      forcePathStyle: true,
      // Checksum settings left at the SDK's defaults, as in AWS. TOOLING.md warns that s3rver
      // stores aws-chunked framing for a stream handed to PutObject; the store never does that
      // (lib-storage sends each part as a buffer of known length), and the byte-for-byte
      // comparisons below would catch it if it did.
    };
    client = createS3Client(clientConfig);
    store = new S3ObjectStore({ client, bucket: BUCKET });
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('puts a string and gets the same UTF-8 bytes back', async () => {
    // Prepare
    const text = '{"cohort":"2026-11","winBackRate":0.12,"note":"ünïcødé ✓"}';

    // Act
    await store.put('kpis/dt=2026-11-23/summary.json', text, 'application/json');
    const bytes = await store.get('kpis/dt=2026-11-23/summary.json');

    // Assess
    expect(Buffer.from(bytes!).toString('utf8')).toBe(text);
  });

  it('puts bytes and gets them back identical', async () => {
    // Prepare
    const bytes = new Uint8Array(randomBytes(64 * 1024));

    // Act
    await store.put('journeys/dt=2026-11-23/part-0000.parquet', bytes, 'application/vnd.apache.parquet');
    const back = await store.get('journeys/dt=2026-11-23/part-0000.parquet');

    // Assess
    expect(back).toEqual(bytes);
  });

  it('replaces an object put again under the same key', async () => {
    // Act
    await store.put('kpis/dt=2026-11-24/summary.json', 'first', 'application/json');
    await store.put('kpis/dt=2026-11-24/summary.json', 'second', 'application/json');

    // Assess
    expect(Buffer.from((await store.get('kpis/dt=2026-11-24/summary.json'))!).toString()).toBe('second');
  });

  it('streams a 12 MiB body up in parts and gets back identical bytes', async () => {
    // Prepare: 12 MiB in 256 KiB chunks, so the upload takes three parts of at most 5 MiB.
    const seed = randomBytes(4096);
    const expected = await collect(lazyStream(seed, 12 * MIB, 256 * 1024));

    // Act
    await store.put('journeys/dt=2026-11-23/part-0001.parquet', lazyStream(seed, 12 * MIB, 256 * 1024), 'application/vnd.apache.parquet');
    const back = await store.get('journeys/dt=2026-11-23/part-0001.parquet');

    // Assess
    expect(back?.byteLength).toBe(expected.byteLength);
    expect(sha256(back!)).toBe(sha256(expected));
  });

  it('streams a short body up (a single PutObject) and gets back identical bytes', async () => {
    // Prepare
    const seed = randomBytes(1000);
    const expected = await collect(lazyStream(seed, 3 * MIB + 17, 64 * 1024));

    // Act
    await store.put('exports/audience.csv', lazyStream(seed, 3 * MIB + 17, 64 * 1024), 'text/csv');
    const back = await store.get('exports/audience.csv');

    // Assess
    expect(sha256(back!)).toBe(sha256(expected));
  });

  it('answers undefined for a missing key', async () => {
    // Act
    const result = await store.get('no/such/key.json');

    // Assess
    expect(result).toBeUndefined();
  });

  it('lists the keys under a prefix in key order, and nothing else', async () => {
    // Prepare
    const keys = ['lake/dt=2026-11-22/b.parquet', 'lake/dt=2026-11-21/a.parquet', 'lake/dt=2026-11-22/a.parquet', 'lakeside/other.json'];
    for (const key of keys) await store.put(key, key, 'text/plain');

    // Act
    const listed = await store.list('lake/');
    const none = await store.list('nothing-here/');

    // Assess
    expect(listed).toEqual(['lake/dt=2026-11-21/a.parquet', 'lake/dt=2026-11-22/a.parquet', 'lake/dt=2026-11-22/b.parquet']);
    expect(none).toEqual([]);
  });
});
