import { beforeAll, describe, expect, inject, it } from 'vitest';
import { estimate, PRICES, type Estimate, type JourneyTrace } from '../../scripts/cost-estimate.ts';

/**
 * The cost estimate (`npm run cost`) counts what the engine's use cases call. These invariants
 * hold for the engine's call pattern today; if a change makes journeys call more (a second
 * read, an extra schedule, a message too many), they fail and the cost table in docs/deploy.md is stale.
 */

const CUSTOMERS = 50;
let result: Estimate;

/** Touches whose timer fires before the customer returns (a return cancels the rest). */
const touchesBeforeReturn = (j: JourneyTrace) =>
  j.plannedDueMs.filter((due) => j.returnedAtMs === undefined || due < j.returnedAtMs).length;
const sum = (journeys: JourneyTrace[], f: (j: JourneyTrace) => number) => journeys.reduce((total, j) => total + f(j), 0);

describe('cost estimate: calls per journey', () => {
  beforeAll(async () => {
    result = await estimate(CUSTOMERS, { endpoint: inject('dynamodbEndpoint'), seed: 7 });
  }, 30_000);

  it('runs a population with every kind of journey', () => {
    const { population } = result;
    expect(result.journeys).toHaveLength(CUSTOMERS);
    expect(population.treatment).toBeGreaterThan(0);
    expect(population.control).toBeGreaterThan(0);
    expect(population.ineligible).toBeGreaterThan(0);
    expect(population.returned).toBeGreaterThan(0);
  });

  it('creates exactly 2 schedules per eligible customer (treatment and control), none for the others', () => {
    for (const journey of result.journeys) {
      expect(journey.createSchedule, journey.customerId).toBe(journey.eligible ? 2 : 0);
      expect(journey.plannedDueMs, journey.customerId).toHaveLength(journey.eligible ? 2 : 0);
    }
    expect(result.counts.scheduler.createSchedule).toBe(2 * (result.population.treatment + result.population.control));
  });

  it('fires every schedule a return did not cancel, and deletes only pending ones', () => {
    const { scheduler } = result.counts;
    expect(scheduler.deleteNotFound).toBe(0);
    expect(scheduler.invocations + scheduler.deleteSchedule).toBe(scheduler.createSchedule);
    for (const journey of result.journeys) expect(journey.timersFired, journey.customerId).toBe(touchesBeforeReturn(journey));
  });

  it('sends 2 SMS per treatment customer who never returned, and only the touches due before a return to the others', () => {
    const treatment = result.journeys.filter((j) => j.eligible && j.arm === 'treatment');
    const returned = treatment.filter((j) => j.returnedAtMs !== undefined);
    expect(result.counts.sms).toBe(2 * result.population.neverReturnedTreatment + sum(returned, touchesBeforeReturn));
    for (const journey of result.journeys)
      expect(journey.sms, journey.customerId).toBe(journey.eligible && journey.arm === 'treatment' ? touchesBeforeReturn(journey) : 0);
    expect(result.sendOutcomes.withheld ?? 0).toBe(
      sum(
        result.journeys.filter((j) => j.eligible && j.arm === 'control'),
        touchesBeforeReturn,
      ),
    );
    expect(result.counts.emails).toBe(0);
    expect(result.counts.smsParts).toBe(result.smsTexts.reduce((total, t) => total + t.parts * t.sent, 0));
  });

  it('makes one API request and one api invocation per event posted, one send-touch invocation per timer fired', () => {
    const { counts } = result;
    expect(counts.apiRequests).toBe(CUSTOMERS + result.population.returned);
    expect(counts.lambda.api.invocations).toBe(counts.apiRequests);
    expect(counts.lambda.sendTouch.invocations).toBe(counts.scheduler.invocations);
  });

  it('reads DynamoDB consumed capacity from every call (DynamoDB Local reports it)', () => {
    const { dynamodb } = result.counts;
    expect(dynamodb.callsWithoutCapacity).toBe(0);
    expect(Object.keys(dynamodb.byOperation).sort()).toEqual(['GetItem', 'PutItem', 'TransactWriteItems']);
    expect(dynamodb.writeUnits).toBeGreaterThan(0);
    expect(dynamodb.readUnits).toBeGreaterThan(0);
  });

  it('keeps request units per journey within the stated band', () => {
    // Customer items stay under 3 KB, so a strongly consistent read is 1 RRU, a put 1–3 WRU and
    // the ingest transaction (receipt + record) 2 x (1 + 1–3) WRU.
    expect(result.storage.maxCustomerItemBytes).toBeLessThan(3 * 1024);
    for (const journey of result.journeys) {
      // Ingest reads the receipt and the record; send-touch reads the record once.
      expect(journey.readUnits, journey.customerId).toBe(2 * journey.apiRequests + journey.timersFired);
      if (!journey.eligible) continue;
      // Churn 4–8, each send or withhold 2–6 (claim + outcome, or outcome only), a return 4–8.
      expect(journey.writeUnits, journey.customerId).toBeGreaterThanOrEqual(8);
      expect(journey.writeUnits, journey.customerId).toBeLessThanOrEqual(28);
    }
  });

  it('prices every line, and SMS dominates', () => {
    const smsLine = result.lines.find((line) => line.price === PRICES.smsPart)!;
    expect(smsLine.quantity).toBe(result.counts.smsParts);
    expect(smsLine.usd / result.total).toBeGreaterThan(0.95);
    for (const line of result.lines) expect(Number.isFinite(line.usd), line.what).toBe(true);
  });
});
