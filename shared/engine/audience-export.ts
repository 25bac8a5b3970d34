import * as z from 'zod';
import { audienceRows, CUSTOMER_MATCH_PREFIX, type AudienceRow } from '#shared/domain/audience';
import type { CustomerRecord } from '#shared/domain/journey/record';
import { ValidationError } from '#shared/domain/errors';
import type { PolicyRegistry } from '#shared/domain/policy-registry';
import type { Clock } from '#shared/ports/clock';
import type { CustomerStore } from '#shared/ports/customer-store';
import type { EngineLogger } from '#shared/ports/logger';
import type { ObjectStore } from '#shared/ports/object-store';

/** What the audience export needs: the store to scan and the lake to write. */
export interface AudienceExportDeps {
  store: Pick<CustomerStore, 'scan'>;
  lake: ObjectStore;
  policies: PolicyRegistry;
  clock: Clock;
  logger: EngineLogger;
  /** Parallel scan segments read side by side. */
  scanSegments: number;
  /** Customers per CSV part file: bounds memory. @default 100_000 */
  rowsPerPart?: number;
}

export interface AudienceSummary {
  date: string;
  /** Customers written (one line each). */
  customers: number;
  /** The partition's part files, in key order. */
  files: string[];
}

/**
 * The header of a Google Ads Customer Match file: a CSV in UTF-8 whose columns carry the
 * English names the upload matches on, "Email" and "Phone" (Google Ads Help, "Formatting
 * guidelines for uploading hashed data", support.google.com/google-ads/answer/7476159), each
 * cell the SHA-256 of the normalized value, hex-encoded (Data Manager API, "Format user data":
 * hex or Base64; lowercase hex is what the published examples show). A customer with only one
 * of the two leaves the other cell empty, as Google's own template does.
 */
export const CUSTOMER_MATCH_HEADER = 'Email,Phone';

const PartitionDate = z.iso.date('must be a date, YYYY-MM-DD');

export const audiencePartition = (date: string) => `${CUSTOMER_MATCH_PREFIX}dt=${date}/`;

const csvLine = (row: AudienceRow) => `${row.hashed_email ?? ''},${row.hashed_phone ?? ''}\n`;

/** Writes the audience rows of one scan segment as they come, in part files of at most `rowsPerPart`. */
export interface AudienceSegmentWriter {
  add(record: CustomerRecord): Promise<void>;
  /** Writes what is left; call once, after the segment's last record. */
  close(): Promise<void>;
}

/** One night's Customer Match partition being written, fed by any number of scan segments. */
export interface AudienceWriter {
  segment(segment: number): AudienceSegmentWriter;
  /** Once every segment is closed. */
  summary(): AudienceSummary;
}

/**
 * Clears the night's partition (a re-run replaces it) and returns a writer that the caller
 * feeds with the records it scans — its own scan ({@link exportAudience}) or the nightly job's,
 * so one pass over the table serves both.
 */
export async function startAudienceExport(
  deps: Pick<AudienceExportDeps, 'lake' | 'policies' | 'rowsPerPart'>,
  date: string,
  nowMs: number,
): Promise<AudienceWriter> {
  const prefix = audiencePartition(date);
  await deps.lake.delete(await deps.lake.list(prefix));
  const rowsPerPart = deps.rowsPerPart ?? 100_000;
  const files: string[] = [];
  let customers = 0;
  return {
    segment(segment) {
      let lines: string[] = [];
      let part = 0;
      const flush = async () => {
        if (lines.length === 0) return;
        const key = `${prefix}part-${String(segment).padStart(3, '0')}-${String(part++).padStart(5, '0')}.csv`;
        const body = `${CUSTOMER_MATCH_HEADER}\n${lines.join('')}`;
        lines = [];
        await deps.lake.put(key, body, 'text/csv; charset=utf-8');
        files.push(key);
      };
      return {
        async add(record) {
          for (const row of audienceRows(record, nowMs, deps.policies)) {
            lines.push(csvLine(row));
            customers += 1;
          }
          if (lines.length >= rowsPerPart) await flush();
        },
        close: flush,
      };
    },
    summary: () => ({ date, customers, files: [...files].sort() }),
  };
}

/**
 * The nightly hashed audience export on its own scan (the nightly job feeds the same writer from
 * its own scan instead).
 *
 * Primary course:
 *  1. Clear the date's `audiences/customer-match/dt=…/` partition, so a re-run replaces it.
 *  2. Scan the store in `scanSegments` parallel segments, page by page; keep each customer no
 *     consented channel reaches while their journey runs (`audienceRows`), as SHA-256 hex of the
 *     normalized e-mail and phone — never a plain contact.
 *  3. Write them as CSV parts (`Email,Phone` header) of at most `rowsPerPart` lines per segment,
 *     so memory stays bounded whatever the number of customers.
 */
export async function exportAudience(deps: AudienceExportDeps, date: string): Promise<AudienceSummary> {
  if (!PartitionDate.safeParse(date).success)
    throw new ValidationError('invalid audience export date', [
      { path: 'date', code: 'invalid_format', message: 'must be a date, YYYY-MM-DD' },
    ]);
  const started = Date.now();
  const writer = await startAudienceExport(deps, date, deps.clock.now());
  const scanSegment = async (segment: number) => {
    const out = writer.segment(segment);
    for await (const item of deps.store.scan(segment, deps.scanSegments)) {
      if (item.kind === 'customer') await out.add(item.record);
    }
    await out.close();
  };
  await Promise.all(Array.from({ length: deps.scanSegments }, (_, segment) => scanSegment(segment)));
  const summary = writer.summary();
  deps.logger.info('audience export done', {
    date,
    customers: summary.customers,
    files: summary.files.length,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  return summary;
}
