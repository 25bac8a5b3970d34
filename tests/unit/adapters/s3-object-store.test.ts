import 'aws-sdk-client-mock-vitest/extend';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store';

const s3Mock = mockClient(S3Client);

const BUCKET = 'winback-lake';
const MIB = 1024 * 1024;

/** A GetObject body as the SDK gives it, reduced to what the store reads. */
const bodyOf = (bytes: Uint8Array) => ({ transformToByteArray: async () => bytes }) as unknown as GetObjectCommandOutput['Body'];

describe('S3ObjectStore', () => {
  const store = new S3ObjectStore({ client: new S3Client({ region: 'eu-west-1' }), bucket: BUCKET });

  beforeEach(() => {
    s3Mock.reset();
  });

  describe('put', () => {
    it('puts a string in one PutObject with its content type', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      await store.put('kpis/dt=2026-11-23/summary.json', '{"winBackRate":0.12}', 'application/json');

      // Assess
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
      expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: 'kpis/dt=2026-11-23/summary.json',
        Body: '{"winBackRate":0.12}',
        ContentType: 'application/json',
      });
    });

    it('puts bytes in one PutObject', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});
      const bytes = new Uint8Array([0x50, 0x41, 0x52, 0x31]);

      // Act
      await store.put('journeys/dt=2026-11-23/part-0000.parquet', bytes, 'application/vnd.apache.parquet');

      // Assess
      expect(s3Mock).toHaveReceivedCommandExactlyOnceWith(PutObjectCommand, {
        Bucket: BUCKET,
        Key: 'journeys/dt=2026-11-23/part-0000.parquet',
        Body: bytes,
        ContentType: 'application/vnd.apache.parquet',
      });
    });

    it('uploads a stream longer than one part as a multipart upload, part by part', async () => {
      // Prepare
      s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
      s3Mock.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `"etag-${input.PartNumber}"` }));
      s3Mock.on(CompleteMultipartUploadCommand).resolves({});
      // 12 MiB in 1 MiB chunks: three parts of at most 5 MiB.
      const stream = Readable.from(Array.from({ length: 12 }, (_, i) => Buffer.alloc(MIB, i)));

      // Act
      await store.put('journeys/dt=2026-11-23/part-0000.parquet', stream, 'application/vnd.apache.parquet');

      // Assess
      expect(s3Mock).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
        Bucket: BUCKET,
        Key: 'journeys/dt=2026-11-23/part-0000.parquet',
        ContentType: 'application/vnd.apache.parquet',
      });
      const parts = s3Mock.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
      expect(parts.map((part) => part.PartNumber).sort()).toEqual([1, 2, 3]);
      expect(parts.map((part) => (part.Body as Uint8Array).byteLength).sort((a, b) => a - b)).toEqual([2 * MIB, 5 * MIB, 5 * MIB]);
      expect(s3Mock).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, { UploadId: 'upload-1' });
      expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('uploads a short stream in one PutObject', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      await store.put('exports/audience.csv', Readable.from([Buffer.from('customer\n'), Buffer.from('abc\n')]), 'text/csv');

      // Assess
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
      expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: 'exports/audience.csv', ContentType: 'text/csv' });
      expect(s3Mock).not.toHaveReceivedCommand(CreateMultipartUploadCommand);
    });

    it('refuses a part size below the S3 minimum', () => {
      // Act & Assess
      expect(() => new S3ObjectStore({ client: new S3Client({ region: 'eu-west-1' }), bucket: BUCKET, partSize: MIB })).toThrow(/partSize/);
    });
  });

  describe('get', () => {
    it('answers the object bytes', async () => {
      // Prepare
      const bytes = new Uint8Array([1, 2, 3]);
      s3Mock.on(GetObjectCommand, { Bucket: BUCKET, Key: 'a/b.bin' }).resolves({ Body: bodyOf(bytes) });

      // Act
      const result = await store.get('a/b.bin');

      // Assess
      expect(result).toEqual(bytes);
    });

    it('answers undefined for a missing key', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

      // Act
      const result = await store.get('missing/key.json');

      // Assess
      expect(result).toBeUndefined();
      expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: 'missing/key.json' });
    });

    it('propagates any other error (e.g. access denied)', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

      // Act
      const result = store.get('secret/key.json');

      // Assess
      await expect(result).rejects.toMatchObject({ name: 'AccessDenied' });
    });
  });

  describe('list', () => {
    it('follows continuation tokens across pages, keeping S3 key order', async () => {
      // Prepare
      s3Mock
        .on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'journeys/' })
        .resolvesOnce({
          Contents: [{ Key: 'journeys/dt=2026-11-21/part-0000.parquet' }, { Key: 'journeys/dt=2026-11-22/part-0000.parquet' }],
          IsTruncated: true,
          NextContinuationToken: 'page-2',
        })
        .resolvesOnce({ Contents: [{ Key: 'journeys/dt=2026-11-23/part-0000.parquet' }], IsTruncated: false });

      // Act
      const keys = await store.list('journeys/');

      // Assess
      expect(keys).toEqual([
        'journeys/dt=2026-11-21/part-0000.parquet',
        'journeys/dt=2026-11-22/part-0000.parquet',
        'journeys/dt=2026-11-23/part-0000.parquet',
      ]);
      expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 2);
      expect(s3Mock).toHaveReceivedNthCommandWith(ListObjectsV2Command, 1, { Bucket: BUCKET, Prefix: 'journeys/' });
      expect(s3Mock).toHaveReceivedNthCommandWith(ListObjectsV2Command, 2, {
        Bucket: BUCKET,
        Prefix: 'journeys/',
        ContinuationToken: 'page-2',
      });
    });

    it('answers an empty list for an empty prefix', async () => {
      // Prepare
      s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });

      // Act
      const keys = await store.list('nothing/');

      // Assess
      expect(keys).toEqual([]);
    });
  });
});
