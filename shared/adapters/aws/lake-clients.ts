import { AthenaClient, type AthenaClientConfig } from '@aws-sdk/client-athena';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { ATHENA_CALL, CONNECTION_TIMEOUT_MS, httpFor, S3_MAX_ATTEMPTS } from './clients.ts';

/*
 * The clients of the nightly job only (the lake in S3, Athena), apart from `clients.ts`: a
 * module that imports an SDK client package costs every function that bundles it its load at
 * cold start.
 */

/**
 * The Athena client for {@link AthenaKpiEngine}. Its calls (start, poll, stop, one page of
 * results) are small and answer quickly whatever the query's size — the query itself runs in
 * Athena, and the engine polls for it — so the small-call timeouts apply.
 */
export function createAthenaClient(overrides: AthenaClientConfig = {}): AthenaClient {
  return new AthenaClient({
    retryMode: 'standard',
    maxAttempts: ATHENA_CALL.maxAttempts,
    requestHandler: httpFor(ATHENA_CALL),
    ...overrides,
  });
}

/**
 * The S3 client for {@link S3ObjectStore}. No overall request timeout: a multipart part of
 * several MB may legitimately take a while on a slow link; only the connect phase is bounded.
 * Against s3rver pass `forcePathStyle: true`. (TOOLING.md also suggests `WHEN_REQUIRED`
 * checksums for streamed bodies; {@link S3ObjectStore} never hands a raw stream to PutObject, so
 * it works against s3rver with the defaults too.)
 */
export function createS3Client(overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({
    retryMode: 'standard',
    maxAttempts: S3_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS },
    ...overrides,
  });
}
