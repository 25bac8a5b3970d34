import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLake } from '#shared/adapters/local/duckdb-lake';
import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { LATEST_REPORT_KEY, reportKey } from '#shared/report/keys';
import { createReportPublisher } from '#shared/report/publish';
import { readReportSql } from '#shared/report/sql-files';
import { handWorkedFacts, writeNight } from '../support/report-facts.ts';

/** The nightly job's report step, on the local lake: where the pages go, and which one is "latest". */
describe('createReportPublisher', () => {
  let root: string;
  let lake: FileObjectStore;
  const publisher = () =>
    createReportPublisher({ openReader: () => openLake(root), sql: readReportSql(), lake, now: () => Date.parse('2026-10-02T02:30:00Z') });
  const page = async (key: string) => new TextDecoder().decode(await lake.get(key));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'winback-report-publish-'));
    lake = new FileObjectStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("writes the night's page and the latest copy, from the tables as they are when it runs", async () => {
    // Prepare: the night's tables are written just before, as the nightly job does.
    await writeNight(root, '2026-10-01', handWorkedFacts());

    // Act
    const { keys } = await publisher().publish('2026-10-01');

    // Assess
    expect(keys).toEqual([reportKey('2026-10-01'), LATEST_REPORT_KEY]);
    expect(await page(LATEST_REPORT_KEY)).toBe(await page(reportKey('2026-10-01')));
    expect(await page(LATEST_REPORT_KEY)).toContain('night 2026-10-01');
    expect(await page(LATEST_REPORT_KEY)).toContain('generated 2026-10-02 02:30 UTC');
  });

  it('never replaces the latest report with an older night re-run later', async () => {
    // Prepare
    await writeNight(root, '2026-10-01', handWorkedFacts());
    await publisher().publish('2026-10-01');
    await writeNight(root, '2026-09-30', handWorkedFacts().slice(0, 40));

    // Act
    const { keys } = await publisher().publish('2026-09-30');

    // Assess
    expect(keys).toEqual([reportKey('2026-09-30')]);
    expect(await page(LATEST_REPORT_KEY)).toContain('night 2026-10-01');
    expect(await page(reportKey('2026-09-30'))).toContain('night 2026-09-30');
  });
});
