/**
 * Where the report's pages go in the lake, named once for the nightly job that writes them, the
 * CDK grant that lets it (lib/nightly-job.ts), the local runner that serves the latest, and
 * `npm run report -- --aws --open-url`. Constants only, so the CDK app imports no renderer.
 */

/** The only prefix the nightly job writes besides its tables and the audiences. */
export const REPORTS_PREFIX = 'reports/';
/** The copy of the latest night's report. */
export const LATEST_REPORT_KEY = `${REPORTS_PREFIX}latest/index.html`;
/** One night's report. */
export const reportKey = (date: string): string => `${REPORTS_PREFIX}dt=${date}/index.html`;

/** The engine stack's outputs `npm run report -- --aws` reads (lib/stateless-stack.ts writes them). */
export const REPORT_OUTPUT_KEYS = { bucket: 'LakeBucketName', workgroup: 'AthenaWorkGroupName', database: 'AthenaDatabaseName' } as const;
