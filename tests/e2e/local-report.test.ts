import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_REPORT_KEY, reportKey } from '#shared/report/keys';
import { churnInput } from '../fixtures/events.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';

const START = '2026-01-05T08:00:00.000Z';
const NIGHT = '2026-05-15';

/** The local runner's nightly job writes the report as in AWS, and `GET /local/report` serves the latest. */
describe('local runner: GET /local/report', () => {
  let dataDir: string;
  let runner: RunnerProcess;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-e2e-report-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START });
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says in its start-up banner where the report is', () => {
    expect(runner.output()).toContain(
      `report:   GET /local/report   (the latest night's KPI report, written by the nightly job: ${join(dataDir, 'lake', LATEST_REPORT_KEY)})`,
    );
  });

  it('answers 404, naming what to do, before any nightly run', async () => {
    const response = await runner.call('GET', '/local/report');
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('POST /local/jobs/nightly') });
  });

  it("serves the latest night's report, the page the nightly job wrote to the lake, behind the API key", async () => {
    // Prepare: a few port-outs, the clock past their touches, then the nightly job.
    const events = Array.from({ length: 12 }, (_, i) =>
      churnInput({
        eventId: `report-churn-${i}`,
        occurredAt: START,
        customerId: `report-customer-${i}`,
        contacts: { phone: `+3460000${2000 + i}` },
      }),
    );
    expect((await runner.call('POST', '/v1/events', { events })).body.accepted).toBe(12);
    await runner.call('POST', '/local/clock', { advanceDays: 130 });
    const nightly = await runner.call('POST', '/local/jobs/nightly', { date: NIGHT });
    expect(nightly.body.report).toEqual({ keys: [reportKey(NIGHT), LATEST_REPORT_KEY] });

    // Act
    const response = await fetch(`${runner.url}/local/report`, { headers: { 'x-api-key': runner.apiKey } });
    const withoutKey = await runner.call('GET', '/local/report', undefined, { apiKey: null });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).toBe(readFileSync(join(dataDir, 'lake', LATEST_REPORT_KEY), 'utf8'));
    expect(page).toContain(`Winback KPI report · night ${NIGHT}`);
    expect(withoutKey.status).toBe(401);
  });
});
