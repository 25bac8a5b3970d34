import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileObjectStore } from '#shared/adapters/local/file-object-store';
import { encodeParquet } from '#shared/adapters/parquet';
import { CUSTOMER_MATCH_PREFIX, normalizeEmail, sha256Hex } from '#shared/domain/audience';
import { eraseCustomer } from '#shared/engine/customer-admin';
import { audiencePartition, CUSTOMER_MATCH_HEADER, exportAudience, type AudienceExportDeps } from '#shared/engine/audience-export';
import { ingestEvent } from '#shared/engine/ingest-event';
import { runNightlyJob } from '#shared/engine/nightly-job';
import { churnEvent, consentEvent, returnedEvent } from '../fixtures/events.ts';
import { customerIdIn, makeDeps, type TestDeps } from '../support/fakes.ts';
import { startRunnerProcess, type RunnerProcess } from '../support/local-runner-process.ts';
import { day, iso } from '../unit/engine/helpers.ts';

const DATE = '2026-01-25';
const phone = (i: number) => `+4477009003${String(i).padStart(2, '0')}`;
const email = (i: number) => `Person.${i}+Winback@GMail.com`;
const treated = (name: string) => customerIdIn('treatment', undefined, `aud-${name}`);

/** Every data line of every file under the partition, and the files' raw text. */
function readPartition(lakeRoot: string, files: string[]): { lines: string[]; texts: string[] } {
  const texts = files.map((key) => readFileSync(join(lakeRoot, key), 'utf8'));
  return { texts, lines: texts.flatMap((text) => text.trimEnd().split('\n').slice(1)) };
}

describe('hashed audience export, from events to CSV in the lake', () => {
  let lakeRoot: string;
  let deps: TestDeps;
  let audience: AudienceExportDeps;
  /** Customers who revoked SMS and hold no other consented channel: the audience. */
  const revoked = Array.from({ length: 7 }, (_, i) => treated(`revoked-${i}`));
  const withEmail = treated('with-email');
  const textable = treated('textable');
  const fallsBackToEmail = treated('falls-back');
  const returned = treated('returned');
  const ineligible = treated('ineligible');
  const control = customerIdIn('control', undefined, 'aud-control');
  const erased = treated('erased');
  const contacts = new Map<string, { phone: string; email?: string }>();

  const churn = async (customerId: string, consents: { sms: boolean; email: boolean }, withEmailContact = false) => {
    const i = contacts.size;
    const held = { phone: phone(i), ...(withEmailContact ? { email: email(i) } : {}) };
    contacts.set(customerId, held);
    await ingestEvent(
      deps,
      churnEvent({ customerId, eventId: `aud-churn-${customerId}`, contacts: held, consents: { ...consents, push: false } }),
    );
  };
  const setSms = (customerId: string, granted: boolean, atDay: number) =>
    ingestEvent(
      deps,
      consentEvent({
        customerId,
        eventId: `aud-sms-${granted}-${atDay}-${customerId}`,
        channel: 'sms',
        granted,
        occurredAt: iso(day(atDay)),
      }),
    );

  beforeAll(async () => {
    lakeRoot = mkdtempSync(join(tmpdir(), 'winback-audience-'));
    deps = makeDeps();
    audience = {
      store: deps.store,
      lake: new FileObjectStore(lakeRoot),
      policies: deps.policies,
      clock: deps.clock,
      logger: deps.logger,
      scanSegments: 3,
      rowsPerPart: 2,
    };
    // Prepare: port-outs with various consents; a STOP-style revocation on day 10 for most.
    for (const id of revoked) await churn(id, { sms: true, email: false });
    await churn(withEmail, { sms: true, email: false }, true);
    await churn(textable, { sms: true, email: false });
    await churn(fallsBackToEmail, { sms: true, email: true }, true);
    await churn(returned, { sms: true, email: false });
    await churn(ineligible, { sms: false, email: false }, true);
    await churn(control, { sms: true, email: false });
    await churn(erased, { sms: true, email: false });
    deps.clock.set(day(10));
    for (const id of [...revoked, withEmail, fallsBackToEmail, returned, ineligible, control, erased]) await setSms(id, false, 10);
    deps.clock.set(day(15));
    await ingestEvent(deps, returnedEvent({ customerId: returned, eventId: 'aud-return', occurredAt: iso(day(15)) }));
    await eraseCustomer(deps, erased);
    deps.clock.set(day(20));
  });
  afterAll(() => rmSync(lakeRoot, { recursive: true, force: true }));

  it('writes one line of SHA-256 hex per unreachable customer, Email,Phone, in parts of at most rowsPerPart', async () => {
    // Act
    const summary = await exportAudience(audience, DATE);

    // Assess: the 7 revoked phone-only customers and the one with an e-mail held without consent.
    expect(summary).toMatchObject({ date: DATE, customers: 8 });
    expect(summary.files.every((key) => key.startsWith(`${CUSTOMER_MATCH_PREFIX}dt=${DATE}/part-`) && key.endsWith('.csv'))).toBe(true);
    const { lines, texts } = readPartition(lakeRoot, summary.files);
    for (const text of texts) {
      expect(text.split('\n')[0]).toBe(CUSTOMER_MATCH_HEADER);
      expect(text.trimEnd().split('\n').length - 1).toBeLessThanOrEqual(2);
    }
    const expected = [
      ...revoked.map((id) => `,${sha256Hex(contacts.get(id)!.phone)}`),
      `${sha256Hex(normalizeEmail(contacts.get(withEmail)!.email!))},${sha256Hex(contacts.get(withEmail)!.phone)}`,
    ];
    expect(lines.sort()).toEqual(expected.sort());
    // The gmail address went in normalized: no dots, no +suffix, lowercase.
    expect(normalizeEmail(contacts.get(withEmail)!.email!)).toMatch(/^person\d+@gmail\.com$/);
  });

  it('never writes a plain phone number or e-mail address', async () => {
    // Act
    const summary = await exportAudience(audience, DATE);

    // Assess
    const { lines, texts } = readPartition(lakeRoot, summary.files);
    for (const line of lines) expect(line).toMatch(/^([0-9a-f]{64})?,([0-9a-f]{64})?$/);
    const everything = texts.join('\n');
    for (const held of contacts.values()) expect(everything).not.toContain(held.phone.slice(1));
    expect(everything.toLowerCase()).not.toMatch(/person|gmail|@/);
  });

  it('replaces the partition when re-run, and follows consent given back', async () => {
    // Prepare: an earlier run in many small parts, then a customer re-consents to SMS.
    const first = await exportAudience(audience, DATE);
    expect(first.files.length).toBeGreaterThanOrEqual(4);
    await setSms(revoked[0]!, true, 20);

    // Act
    const again = await exportAudience({ ...audience, rowsPerPart: 100_000 }, DATE);

    // Assess
    expect(again.customers).toBe(7);
    expect(again.files.length).toBeLessThanOrEqual(3);
    expect(await audience.lake.list(audiencePartition(DATE))).toEqual(again.files);
    expect(readPartition(lakeRoot, again.files).lines).toHaveLength(7);
    await setSms(revoked[0]!, false, 21);
  });

  it('runs inside the nightly job from the same scan, and reports it in the summary', async () => {
    // Prepare
    const nightly = { ...audience, encode: encodeParquet, idHashKey: deps.idHashKey, costPerAcquisition: 150, rowsPerPart: 50 };

    // Act
    const summary = await runNightlyJob(nightly, DATE);
    const without = await runNightlyJob({ ...nightly, exportAudience: false }, '2026-01-26');

    // Assess
    expect(summary.audience).toEqual({ customers: 8, files: await audience.lake.list(audiencePartition(DATE)) });
    expect(readPartition(lakeRoot, summary.audience!.files).lines).toHaveLength(8);
    expect(without.audience).toBeUndefined();
    expect(await audience.lake.list(audiencePartition('2026-01-26'))).toEqual([]);
  });

  it('refuses a malformed date', async () => {
    await expect(exportAudience(audience, '2026-1-25')).rejects.toThrow('invalid audience export date');
  });
});

describe('local runner: POST /local/jobs/nightly reports the audience', () => {
  const START = '2026-01-05T09:00:00.000Z';
  let dataDir: string;
  let runner: RunnerProcess;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'winback-audience-runner-'));
    runner = await startRunnerProcess({ WINBACK_DATA_DIR: dataDir, WINBACK_START_TIME: START });
  });
  afterAll(async () => {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports a customer who replied STOP-style (consent.changed) and has no other channel', async () => {
    // Prepare
    const customerId = treated('runner');
    const churned = await runner.call('POST', '/v1/events', {
      ...churnEvent({
        customerId,
        eventId: 'aud-runner-churn',
        occurredAt: START,
        contacts: { phone: phone(99) },
        consents: { sms: true, email: false, push: false },
      }),
    });
    expect(churned.status).toBe(202);
    const now = (await runner.call('POST', '/local/clock', { advanceDays: 10 })).body.now as string;
    expect(
      (
        await runner.call('POST', '/v1/events', {
          eventId: 'aud-runner-stop',
          type: 'consent.changed',
          occurredAt: now,
          customerId,
          channel: 'sms',
          granted: false,
        })
      ).status,
    ).toBe(202);

    // Act
    const nightly = await runner.call('POST', '/local/jobs/nightly', { date: '2026-01-15' });

    // Assess
    expect(nightly.status).toBe(200);
    // (Which of the runner's scan segments holds the customer depends on a hash of the key.)
    expect(nightly.body.audience).toEqual({
      customers: 1,
      files: [expect.stringMatching(/^audiences\/customer-match\/dt=2026-01-15\/part-\d{3}-00000\.csv$/)],
    });
    const [file] = nightly.body.audience.files as string[];
    expect(readFileSync(join(dataDir, 'lake', file!), 'utf8')).toBe(`${CUSTOMER_MATCH_HEADER}\n,${sha256Hex(phone(99))}\n`);
  });
});
