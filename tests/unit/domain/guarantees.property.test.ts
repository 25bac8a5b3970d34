import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { CustomerRecord, TouchChannel } from '#shared/domain/journey/record';
import type { OutboundMessage } from '#shared/domain/journey/send-decision';
import type { MessagePrice } from '#shared/domain/pricing';
import type { TimerSpec } from '#shared/domain/journey/timers';
import { localIso } from '#shared/domain/local-time';
import { CustomerChurned, type WinbackEvent } from '#shared/domain/events';
import { parsePolicy, type Policy } from '#shared/domain/policy';
import { PolicyRegistry } from '#shared/domain/policy-registry';
import { isInsideSendWindow, type SendWindow } from '#shared/domain/send-window';
import { assign } from '#shared/domain/targeting';
import { CHANNELS, type Channel } from '#shared/domain/channels';
import { DAY_MS } from '#shared/domain/vocabulary';
import { ingestEvent } from '#shared/engine/ingest-event';
import { FakeChannel, FakeClock, FakeScheduler, makeDeps, runUntil, type TestDeps } from '../../support/fakes.ts';
import { ANGLES, policyFromShape } from '../../support/random-policy.ts';

/** Random policies never escalate, so every touch is a message to the customer on one of their channels. */
function customerChannel(channel: TouchChannel): Channel {
  if (channel === 'task') throw new Error('a random policy produced a retention task');
  return channel;
}

/**
 * The compliance guarantees, proven end to end through the real use cases
 * (`ingestEvent`, and `sendTouch` fired by `runUntil`) over random valid policies, zones (DST
 * biased, with churns aimed so a clock change falls in a touch window), churn instants, event
 * sequences (consent changes, some delivered late or out of order; opt-out replies; bounces,
 * complaints, clicks that may earn a follow-up; returns), at random times or just before a touch
 * is due, and timers the scheduler delivers hours late.
 *
 * The oracle never asks the engine: it re-derives, from the generated events alone, what each
 * channel's consent, expiry and suppression were when each message went out, and checks every
 * message the channels received, at the clock time it was sent:
 *  (a) consent held (not revoked, not expired under the policy's rule, contact not suppressed);
 *  (b) inside the customer's window in their zone: the policy's and their market's legal one;
 *  (c) at most `maxMessages` in any `perHours` span, at most `maxPerJourney` per journey;
 *  (d) nothing on a channel after an opt-out on it (revocation or STOP reply) still in force;
 *  (e) nothing after the customer returned.
 */

const ZONES = Intl.supportedValuesOf('timeZone');
/** Zones with clock changes, some at odd hours (Havana and Santiago at midnight, Lord Howe by 30 min). */
const DST_ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Sydney',
  'America/Santiago',
  'Australia/Lord_Howe',
  'America/Havana',
  'Pacific/Chatham',
  'America/Asuncion',
  'Europe/Chisinau',
  'Asia/Tehran',
].filter((zone) => ZONES.includes(zone));
const CHURN_FROM = Date.parse('2020-01-01T00:00:00Z');
const CHURN_TO = Date.parse('2030-12-31T23:59:59Z');
/** Every run goes on to this day after the churn; generated policies end before it. */
const RUN_DAYS = 130;
const HOUR_MS = 3_600_000;
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];

const CONTACTS = { sms: '+447700900123', email: 'someone@example.com', push: 'push-token-123', whatsapp: '+447700900123' } as const;

// ---- generators -------------------------------------------------------------------------

/** A uniform share in [0, 1]. */
const fraction = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((n) => n / 1_000_000);
const zone = fc.oneof({ arbitrary: fc.constantFrom(...DST_ZONES), weight: 3 }, { arbitrary: fc.constantFrom(...ZONES), weight: 2 });
const churnInstant = fc.noBias(fc.integer({ min: CHURN_FROM, max: CHURN_TO }));
/** Days on which each DST zone's clocks change, 2020–2031 (a day's precision is enough to aim at). */
const CLOCK_CHANGES = new Map(
  DST_ZONES.map((name) => {
    const days: number[] = [];
    for (let t = CHURN_FROM; t < CHURN_TO + 200 * DAY_MS; t += DAY_MS) {
      if (DateTime.fromMillis(t, { zone: name }).offset !== DateTime.fromMillis(t + DAY_MS, { zone: name }).offset) days.push(t);
    }
    return [name, days] as const;
  }),
);
/** A churn instant: uniform, or (in a DST zone) one that puts a clock change inside a touch's window. */
const churnAt = fc.record({
  uniform: churnInstant,
  nearClockChange: fc.boolean(),
  pick: fc.nat(),
  touch: fc.nat(2),
  dayIn: fraction,
  withinDay: fc.integer({ min: 0, max: DAY_MS - 1 }),
});
/** Mostly true: customers who can be reached make the properties bite. */
const likely = fc.integer({ min: 0, max: 3 }).map((n) => n > 0);

/** "HH:mm" on a quarter-hour grid, with extra weight on the small hours clocks skip or repeat. */
const clockMinutes = fc.oneof(
  fc.noBias(fc.integer({ min: 0, max: 96 })).map((quarter) => quarter * 15),
  fc.noBias(fc.integer({ min: 0, max: 4 * 60 })),
  fc.constantFrom(0, 1440),
);
const hhmm = (minutes: number) =>
  minutes === 1440 ? '24:00' : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
/** A window as a policy document spells it. */
type WindowInput = { start: string; end: string; weekdays: number[] };
const dailyWindow: fc.Arbitrary<WindowInput> = fc
  .tuple(clockMinutes, clockMinutes, fc.subarray(ALL_DAYS, { minLength: 1 }))
  .filter(([a, b]) => a !== b)
  .map(([a, b, weekdays]) => ({ start: hhmm(Math.min(a, b)), end: hhmm(Math.max(a, b)), weekdays }));
/** Mostly wide windows (the usual case), some random ones. */
const policyWindow = fc.oneof(
  fc.constant<WindowInput>({ start: '10:00', end: '19:00', weekdays: [1, 2, 3, 4, 5, 6] }),
  fc.constant<WindowInput>({ start: '00:00', end: '24:00', weekdays: ALL_DAYS }),
  dailyWindow,
  dailyWindow,
);

/** TCPA (federal US) 08:00–21:00 and Florida's FTSA 08:00–20:00: the deployment's legal windows, as the oracle knows them. */
const LEGAL: Record<'US' | 'US-FL', WindowInput> = {
  US: { start: '08:00', end: '21:00', weekdays: ALL_DAYS },
  'US-FL': { start: '08:00', end: '20:00', weekdays: ALL_DAYS },
};
/** A random policy rule for a market with a law: it must share an hour with the law (a valid policy does). */
const ruleWithin = (law: WindowInput) => dailyWindow.filter((window) => window.start < law.end && window.end > law.start);
/** The policy's own rules: the law itself, or a random rule for the market. */
const markets = fc
  .record({
    US: fc.option(fc.oneof(fc.constant(LEGAL.US), ruleWithin(LEGAL.US)), { nil: undefined }),
    'US-FL': fc.option(fc.oneof(fc.constant(LEGAL['US-FL']), ruleWithin(LEGAL['US-FL'])), { nil: undefined }),
    FR: fc.option(dailyWindow, { nil: undefined }),
  })
  .map((byMarket) => Object.entries(byMarket).flatMap(([market, window]) => (window ? [{ market, ...window }] : [])));
/** The customer's `market` on the churn: with a rule of its own, only its country's, or none. */
const market = fc.constantFrom(undefined, 'US', 'US-FL', 'US-TX', 'FR', 'GB');

const consentRule = fc.option(
  fc.record({
    basis: fc.constantFrom('consent' as const, 'soft_opt_in' as const, 'legitimate_interest' as const),
    expiresAfterDays: fc.option(fc.integer({ min: 1, max: 150 }), { nil: undefined, freq: 2 }),
  }),
  { nil: undefined, freq: 2 },
);

/** Days between a touch's window and the previous one, and the window's length in days: often back to back and short. */
const touchSpacing = fc.record({
  gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10 })),
  length: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 20 })),
});

const frequencyCap = fc.record({
  maxMessages: fc.integer({ min: 1, max: 3 }),
  perHours: fc.oneof(fc.constant(24), fc.constant(168), fc.integer({ min: 1, max: 72 }), fc.integer({ min: 1, max: 24 * 60 })),
  maxPerJourney: fc.integer({ min: 1, max: 4 }),
});

/** What a generated policy varies; everything else (offers, tiers, variants, texts) is the default's. */
const policyFields = {
  quietDays: fc.integer({ min: 0, max: 25 }),
  // Mostly several touches, often close, so the caps have something to stop.
  touches: fc.oneof(
    { arbitrary: fc.array(touchSpacing, { minLength: 2, maxLength: 3 }), weight: 3 },
    { arbitrary: fc.array(touchSpacing, { minLength: 1, maxLength: 1 }), weight: 1 },
  ),
  extraHorizon: fc.integer({ min: 0, max: 5 }),
  sendWindow: policyWindow,
  markets,
  frequencyCap,
  consent: fc.record({ sms: consentRule, email: consentRule, push: consentRule }),
  channels: fc.oneof(fc.constant<Channel[]>(['sms', 'email', 'push']), fc.shuffledSubarray([...CHANNELS], { minLength: 1 })),
  holdoutPercent: fc.constantFrom(0, 0, 0, 10),
  /** Sometimes a follow-up touch after a click: one more message the guarantees must cover. */
  clickFollowUp: fc.option(fc.record({ afterDays: fc.integer({ min: 1, max: 20 }), angle: fc.constantFrom(...ANGLES) }), {
    nil: undefined,
  }),
};
type PolicyFields = { [K in keyof typeof policyFields]: (typeof policyFields)[K] extends fc.Arbitrary<infer T> ? T : never };

/**
 * A valid policy: the default port-out one with generated touches (in order, within quietDays
 * and horizonDays, angles alternating so the default offers cover every exit reason, tier and
 * variant), send window, markets, frequency cap, consent rules, channels and holdout.
 */
function buildPolicy({
  quietDays,
  touches,
  extraHorizon,
  sendWindow,
  markets: marketRules,
  frequencyCap: cap,
  consent,
  channels,
  holdoutPercent,
  clickFollowUp,
}: PolicyFields): Policy {
  const input = policyFromShape(
    { quietDays, touches, extraHorizon },
    {
      sendWindow,
      markets: marketRules,
      frequencyCap: cap,
      consent: Object.fromEntries(Object.entries(consent).filter(([, rule]) => rule !== undefined)),
      channels,
      holdout: { percent: holdoutPercent, salt: 'guarantees' },
    },
  );
  if (clickFollowUp) input.clickFollowUp = { ...clickFollowUp, afterDays: Math.min(clickFollowUp.afterDays, input.horizonDays) };
  return parsePolicy(input);
}

const randomPolicy: fc.Arbitrary<Policy> = fc.record(policyFields).map(buildPolicy);

/** Touches back to back, a day or two each, in an open window: the frequency cap must hold them apart. */
const crowdedPolicy: fc.Arbitrary<Policy> = fc
  .record({
    ...policyFields,
    touches: fc.array(fc.record({ gap: fc.constant(0), length: fc.integer({ min: 0, max: 1 }) }), { minLength: 3, maxLength: 3 }),
    sendWindow: fc.oneof(
      fc.constant<WindowInput>({ start: '00:00', end: '24:00', weekdays: ALL_DAYS }),
      fc.constant<WindowInput>({ start: '08:00', end: '21:00', weekdays: ALL_DAYS }),
      dailyWindow,
    ),
    frequencyCap: fc.record({
      maxMessages: fc.integer({ min: 1, max: 2 }),
      perHours: fc.oneof(fc.constant(24), fc.integer({ min: 12, max: 96 })),
      maxPerJourney: fc.integer({ min: 2, max: 4 }),
    }),
    markets: fc.constant<PolicyFields['markets']>([]),
    consent: fc.constant({ sms: undefined, email: undefined, push: undefined }),
    channels: fc.constant<Channel[]>(['sms', 'email', 'push']),
    holdoutPercent: fc.constant(0),
  })
  .map(buildPolicy);

const customer = fc.record({
  id: fc.nat(1_000_000).map((n) => `cust-${n}`),
  contacts: fc.record({ sms: likely, email: likely, push: fc.boolean(), whatsapp: fc.constant(false) }),
  consents: fc.record({ sms: likely, email: likely, push: fc.boolean(), whatsapp: fc.constant(false) }),
  market,
  zone,
  churnAt,
  /** Mostly ingested on time, sometimes weeks late (part of a touch window already gone). */
  ingestDelayMs: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 2 * DAY_MS }), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 60 * DAY_MS }), weight: 1 },
  ),
});

/** When an action happens: a share of the run, or some minutes before a touch's current due time. */
const when = fc.record({
  fraction,
  touch: fc.option(fc.nat(2), { nil: undefined, freq: 2 }),
  minutesBefore: fc.integer({ min: 0, max: 240 }),
});

const REPLIES = [
  { text: 'STOP', optOut: true },
  { text: 'stop texting me', optOut: true },
  { text: 'Stop.', optOut: true },
  { text: 'Thanks, maybe later', optOut: false },
] as const;

type Action =
  | { kind: 'consent'; channel: Channel; granted: boolean; lateMs: number; when: When }
  /** Two systems out of order: a change, then an older opposite one that must change nothing. */
  | { kind: 'reordered'; channel: Channel; granted: boolean; olderByMs: number; when: When }
  | { kind: 'reply'; reply: (typeof REPLIES)[number]; touch: number; when: When }
  | { kind: 'feedback'; feedback: 'bounced' | 'complained' | 'delivered' | 'opened' | 'clicked'; touch: number; when: When }
  | { kind: 'return'; when: When };
type When = { fraction: number; touch: number | undefined; minutesBefore: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('consent' as const),
      channel: fc.constantFrom(...CHANNELS),
      granted: fc.boolean(),
      // Sometimes delivered late: an older choice must not overwrite a newer one.
      lateMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * DAY_MS })),
      when,
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('reordered' as const),
      channel: fc.constantFrom(...CHANNELS),
      granted: fc.boolean(),
      olderByMs: fc.integer({ min: 1, max: 3 * DAY_MS }),
      when,
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('reply' as const), reply: fc.constantFrom(...REPLIES), touch: fc.nat(2), when }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('feedback' as const),
      feedback: fc.constantFrom(
        'bounced' as const,
        'complained' as const,
        'delivered' as const,
        'opened' as const,
        'clicked' as const,
        'clicked' as const,
      ),
      touch: fc.nat(2),
      when,
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('return' as const), when }), weight: 1 },
);

/**
 * How late the scheduler delivers each timer, in creation order: mostly on time, sometimes hours
 * late (EventBridge Scheduler retrying after throttling or an outage), so the send-time checks
 * of the window and the touch's days are exercised, not only the planner's choices.
 */
const lateness = fc.array(
  fc.oneof(
    { arbitrary: fc.constant(0), weight: 2 },
    { arbitrary: fc.integer({ min: 1, max: 30 * 60 }).map((minutes) => minutes * 60_000), weight: 1 },
  ),
  { maxLength: 8 },
);

/** A policy, a customer, what happens to them and how late the timers fire. */
const scenarioOf = (policies: fc.Arbitrary<Policy>, actions: fc.Arbitrary<Action[]>) =>
  fc
    .record({ policy: policies, customer, actions, lateness })
    .map(({ policy, customer: { churnAt: at, ...rest }, actions: happenings, lateness: delays }) => {
      const changes = CLOCK_CHANGES.get(rest.zone);
      const rule = policy.touches[at.touch % policy.touches.length]!;
      const day = rule.dayFrom + Math.floor(at.dayIn * (rule.dayTo - rule.dayFrom + 1));
      const churnedAtMs =
        at.nearClockChange && changes?.length ? changes[at.pick % changes.length]! - day * DAY_MS - at.withinDay : at.uniform;
      const generated = { policy, customer: { ...rest, churnedAtMs }, actions: happenings, lateness: delays };
      // A counterexample names what was generated, not the default offers every policy shares.
      return Object.assign(generated, { [fc.toStringMethod]: () => describeScenario(generated) });
    });

function describeScenario({
  policy,
  customer: c,
  actions,
  lateness: delays,
}: {
  policy: Policy;
  customer: { churnedAtMs: number } & Record<string, unknown>;
  actions: Action[];
  lateness: number[];
}): string {
  const {
    quietDays,
    horizonDays,
    touches,
    sendWindow,
    markets: marketRules,
    frequencyCap,
    consent,
    channels,
    holdout,
    clickFollowUp,
  } = policy;
  return JSON.stringify({
    policy: {
      quietDays,
      horizonDays,
      touches,
      sendWindow,
      markets: marketRules,
      frequencyCap,
      consent,
      channels,
      holdout: holdout.percent,
      clickFollowUp,
    },
    customer: { ...c, churnedAt: new Date(c.churnedAtMs).toISOString() },
    actions,
    lateness: delays,
  });
}
type Scenario = ReturnType<typeof scenarioOf> extends fc.Arbitrary<infer T> ? T : never;

// ---- the oracle -------------------------------------------------------------------------

/** What the generated events say, re-derived without the engine. */
class Truth {
  readonly consent: Record<Channel, { granted: boolean; setAtMs: number }>;
  readonly suppressed: Partial<Record<Channel, string>> = {};
  /** Opt-outs still in force (a later accepted grant lifts one), by when they arrived. */
  readonly optedOutAt: Partial<Record<Channel, number>> = {};
  returnedAtMs: number | undefined;

  constructor(
    private readonly policy: Policy,
    private readonly churnedAtMs: number,
    consents: Record<Channel, boolean>,
  ) {
    this.consent = {
      sms: { granted: consents.sms, setAtMs: churnedAtMs },
      email: { granted: consents.email, setAtMs: churnedAtMs },
      push: { granted: consents.push, setAtMs: churnedAtMs },
      whatsapp: { granted: consents.whatsapp, setAtMs: churnedAtMs },
    };
  }

  /** A consent change: the newest choice wins, so one older than the current choice changes nothing. */
  consentChanged(channel: Channel, granted: boolean, occurredAtMs: number, arrivedAtMs: number): void {
    if (occurredAtMs < this.consent[channel].setAtMs) return;
    this.consent[channel] = { granted, setAtMs: occurredAtMs };
    if (granted) delete this.optedOutAt[channel];
    else this.optedOutAt[channel] = arrivedAtMs;
  }

  /** "STOP" to a message on `channel`: a withdrawal of that channel's consent, now. */
  optOutReply(channel: Channel, atMs: number): void {
    this.consentChanged(channel, false, atMs, atMs);
  }

  /** Why this channel could not be used at `atMs`, or undefined. */
  consentProblem(channel: Channel, atMs: number): string | undefined {
    const { granted, setAtMs } = this.consent[channel];
    if (!granted) return this.optedOutAt[channel] !== undefined ? `(d) opted out at ${iso(this.optedOutAt[channel]!)}` : '(a) no consent';
    const days = this.policy.consent[channel]?.expiresAfterDays;
    // Expiry counts from the later of the contract's end (the churn) and the last renewal.
    if (days !== undefined && atMs >= Math.max(this.churnedAtMs, setAtMs) + days * DAY_MS)
      return `(a) consent expired at ${iso(Math.max(this.churnedAtMs, setAtMs) + days * DAY_MS)}`;
    if (this.suppressed[channel]) return `(a) contact suppressed (${this.suppressed[channel]})`;
    return undefined;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const wallClocks = new Map<string, Intl.DateTimeFormat>();

/**
 * The local weekday and "HH:mm" at an instant, read with the platform's Intl rather than luxon,
 * so a DST mistake in the engine's window maths cannot hide behind the same mistake here.
 */
function wallClock(instantMs: number, timeZone: string): { weekday: number; time: string } {
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    wallClocks.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instantMs).map((part) => [part.type, part.value]));
  return { weekday: WEEKDAYS.indexOf(parts.weekday!) + 1, time: `${parts.hour}:${parts.minute}` };
}

/** Inside a daily window [start, end) on its weekdays, by the wall clock ("24:00" = until midnight). */
function insideWindow(instantMs: number, timeZone: string, window: SendWindow): boolean {
  const { weekday, time } = wallClock(instantMs, timeZone);
  return window.weekdays.includes(weekday) && time >= window.start && time < window.end;
}

/** The policy's own rule for the market: its subdivision's rule (`US-FL`), else its country's (`US`). */
function legalWindow(policy: Policy, customerMarket: string | undefined): SendWindow | undefined {
  if (!customerMarket) return undefined;
  return policy.markets.find((m) => m.market === customerMarket) ?? policy.markets.find((m) => m.market === customerMarket.split('-')[0]);
}

interface Sent {
  message: OutboundMessage;
  atMs: number;
}

/** A fake channel that also notes the clock time each message went out at. */
class TimedChannel extends FakeChannel {
  constructor(
    private readonly clock: FakeClock,
    private readonly log: Sent[],
  ) {
    super();
  }

  override async send(message: OutboundMessage, price: MessagePrice) {
    const receipt = await super.send(message, price);
    this.log.push({ message: structuredClone(message), atMs: this.clock.now() });
    return receipt;
  }
}

/** A scheduler that delivers the n-th timer it is given `lateness[n]` late: same name, same payload. */
class LateScheduler extends FakeScheduler {
  private created = 0;

  constructor(private readonly lateness: readonly number[]) {
    super();
  }

  override async schedule(timer: TimerSpec): Promise<void> {
    const delay = this.lateness[this.created++] ?? 0;
    await super.schedule({ ...timer, dueAt: iso(Date.parse(timer.dueAt) + delay) });
  }
}

/** Counts across runs, so the properties are shown not to hold vacuously. */
const counts = () => ({
  messages: 0,
  runsWithMessages: 0,
  optOutsOverPendingTouches: 0,
  messagesAfterAnOptOut: 0,
  capHits: 0,
  journeyCapHits: 0,
  windowDeferrals: 0,
  expiredSkips: 0,
  followUps: 0,
  switched: 0,
  marketWindows: 0,
  dstDayMessages: 0,
});
let seen = counts();

function churnEvent(s: Scenario): WinbackEvent {
  const { customer: c } = s;
  return CustomerChurned.parse({
    eventId: `churn-${c.id}`,
    type: 'customer.churned',
    occurredAt: localIso(c.churnedAtMs, c.zone),
    customerId: c.id,
    churnKind: 'port_out',
    exitReason: 'coverage',
    contacts: {
      ...(c.contacts.sms ? { phone: CONTACTS.sms } : {}),
      ...(c.contacts.email ? { email: CONTACTS.email } : {}),
      ...(c.contacts.push ? { pushToken: CONTACTS.push } : {}),
    },
    consents: c.consents,
    timezone: c.zone,
    monthlyRevenue: 30,
    tenureMonths: 12,
    ...(c.market ? { market: c.market } : {}),
  });
}

async function stored(deps: TestDeps, id: string): Promise<CustomerRecord | undefined> {
  return deps.store.get(id);
}

/** Runs one scenario through the engine and returns every violation the oracle finds. */
async function run(s: Scenario): Promise<string[]> {
  const { policy, customer: c } = s;
  const log: Sent[] = [];
  const clock = new FakeClock(c.churnedAtMs + c.ingestDelayMs);
  const deps = makeDeps({
    clock,
    scheduler: new LateScheduler(s.lateness),
    policies: new PolicyRegistry([policy]),
    channels: {
      sms: new TimedChannel(clock, log),
      email: new TimedChannel(clock, log),
      push: new TimedChannel(clock, log),
      whatsapp: new TimedChannel(clock, log),
      task: new TimedChannel(clock, log),
    },
  });
  const truth = new Truth(policy, c.churnedAtMs, c.consents);
  const contact = (channel: Channel) => (c.contacts[channel] ? CONTACTS[channel] : undefined);
  const arm = assign(c.id, policy).arm;
  const window = deps.policies.sendWindowFor(policy, c.market);
  const legal = legalWindow(policy, c.market);
  // The law binds a Florida customer twice (federal and state); a Texan only federally.
  const laws = (Object.keys(LEGAL) as Array<keyof typeof LEGAL>).filter((m) => m === c.market || m === c.market?.split('-')[0]);
  const endMs = c.churnedAtMs + RUN_DAYS * DAY_MS;
  const violations: string[] = [];
  let checked = 0;

  /** Checks the messages sent since the last look against what the events said until now. */
  const checkNewMessages = () => {
    for (const { message, atMs } of log.slice(checked)) {
      const channel = customerChannel(message.channel);
      const at = `${message.touchId} on ${channel} at ${localIso(atMs, c.zone)}`;
      const fail = (why: string) => violations.push(`${at}: ${why}`);
      if (arm === 'control') fail('a control-group customer was messaged');
      if (message.to !== contact(channel)) fail(`(a) sent to ${message.to}, not the contact on file (${contact(channel)})`);
      const problem = truth.consentProblem(channel, atMs);
      if (problem) fail(problem);
      if (truth.returnedAtMs !== undefined) fail(`(e) customer returned at ${iso(truth.returnedAtMs)}`);
      if (!window || !isInsideSendWindow(atMs, c.zone, window)) fail(`(b) outside the effective window ${JSON.stringify(window)}`);
      if (!insideWindow(atMs, c.zone, policy.sendWindow)) fail(`(b) outside the policy window ${JSON.stringify(policy.sendWindow)}`);
      if (legal && !insideWindow(atMs, c.zone, legal)) fail(`(b) outside the ${c.market} legal window ${JSON.stringify(legal)}`);
      for (const law of laws)
        if (!insideWindow(atMs, c.zone, LEGAL[law])) fail(`(b) outside the deployment's ${law} legal window ${JSON.stringify(LEGAL[law])}`);
      if (atMs < c.churnedAtMs + policy.quietDays * DAY_MS) fail('in the quiet days');
      if (atMs >= c.churnedAtMs + (policy.horizonDays + 1) * DAY_MS) fail('past the horizon');
      if (Object.values(truth.optedOutAt).some((t) => t !== undefined)) seen.messagesAfterAnOptOut += 1;
      if (legal) seen.marketWindows += 1;
      const local = DateTime.fromMillis(atMs, { zone: c.zone });
      if (local.startOf('day').offset !== local.endOf('day').offset) seen.dstDayMessages += 1;
    }
    checked = log.length;
  };

  await ingestEvent(deps, churnEvent(s));
  const actions = [...s.actions].sort((a, b) => a.when.fraction - b.when.fraction);
  for (const [i, act] of actions.entries()) {
    // Resolve when it happens: just before a touch's current due time, or a share of the run.
    let atMs = c.churnedAtMs + Math.round(act.when.fraction * RUN_DAYS * DAY_MS);
    const before = await stored(deps, c.id);
    const touches = before?.journeys.at(-1)?.touches ?? [];
    const target = act.when.touch === undefined ? undefined : touches[act.when.touch % Math.max(1, touches.length)];
    if (target?.status === 'planned') atMs = Date.parse(target.dueAt) - act.when.minutesBefore * 60_000;
    atMs = Math.max(atMs, clock.now());

    await runUntil(deps, deps.scheduler, atMs);
    checkNewMessages();

    const record = await stored(deps, c.id);
    const journey = record?.journeys.at(-1);
    const envelope = { eventId: `evt-${i}`, customerId: c.id, occurredAt: iso(atMs) };
    const touchFor = (n: number) => journey?.touches[n % Math.max(1, journey.touches.length)];
    const pendingOn = (channel: Channel) =>
      journey?.status === 'active' && journey.touches.some((t) => t.status === 'planned' && t.channel === channel);
    switch (act.kind) {
      case 'consent': {
        const occurredAtMs = atMs - act.lateMs;
        if (!act.granted && pendingOn(act.channel)) seen.optOutsOverPendingTouches += 1;
        await ingestEvent(deps, {
          ...envelope,
          occurredAt: iso(occurredAtMs),
          type: 'consent.changed',
          channel: act.channel,
          granted: act.granted,
        });
        truth.consentChanged(act.channel, act.granted, occurredAtMs, atMs);
        break;
      }
      case 'reordered': {
        if (!act.granted && pendingOn(act.channel)) seen.optOutsOverPendingTouches += 1;
        await ingestEvent(deps, { ...envelope, type: 'consent.changed', channel: act.channel, granted: act.granted });
        truth.consentChanged(act.channel, act.granted, atMs, atMs);
        const olderMs = atMs - act.olderByMs;
        await ingestEvent(deps, {
          ...envelope,
          eventId: `evt-${i}-older`,
          occurredAt: iso(olderMs),
          type: 'consent.changed',
          channel: act.channel,
          granted: !act.granted,
        });
        truth.consentChanged(act.channel, !act.granted, olderMs, atMs);
        break;
      }
      case 'reply': {
        const touch = touchFor(act.touch);
        await ingestEvent(deps, {
          ...envelope,
          type: 'message.engaged',
          touchId: touch?.touchId ?? 'no-such-touch',
          kind: 'replied',
          text: act.reply.text,
        });
        if (touch && act.reply.optOut) {
          if (pendingOn(customerChannel(touch.channel))) seen.optOutsOverPendingTouches += 1;
          truth.optOutReply(customerChannel(touch.channel), atMs);
        }
        break;
      }
      case 'feedback': {
        const touch = touchFor(act.touch);
        await ingestEvent(deps, { ...envelope, type: 'message.engaged', touchId: touch?.touchId ?? 'no-such-touch', kind: act.feedback });
        // A hard bounce or a complaint ends that contact on that channel.
        if (touch && (act.feedback === 'bounced' || act.feedback === 'complained'))
          truth.suppressed[customerChannel(touch.channel)] ??= act.feedback;
        break;
      }
      case 'return':
        await ingestEvent(deps, { ...envelope, type: 'customer.returned' });
        truth.returnedAtMs ??= atMs;
        break;
    }
  }
  await runUntil(deps, deps.scheduler, Math.max(endMs, clock.now()));
  checkNewMessages();

  // (c) the frequency cap over every message, and the journey cap.
  const { maxMessages, perHours, maxPerJourney } = policy.frequencyCap;
  const times = log.map((sent) => sent.atMs).sort((a, b) => a - b);
  times.forEach((t, i) => {
    const inSpan = times.slice(0, i + 1).filter((earlier) => earlier > t - perHours * HOUR_MS).length;
    if (inSpan > maxMessages) violations.push(`(c) ${inSpan} messages in the ${perHours} h up to ${iso(t)} (cap ${maxMessages})`);
  });
  if (log.length > maxPerJourney) violations.push(`(c) ${log.length} messages in one journey (cap ${maxPerJourney})`);

  const history = (await stored(deps, c.id))?.history ?? [];
  seen.windowDeferrals += history.filter((e) => e.decision === 'deferred' && e.reason.startsWith('outside_send_window')).length;
  seen.capHits += history.filter((e) => e.reason.startsWith('frequency_cap')).length;
  seen.journeyCapHits += history.filter((e) => e.reason === 'journey_cap_reached').length;
  seen.expiredSkips += history.filter((e) => e.reason.includes('consent_expired')).length;
  seen.followUps += log.filter((sent) => sent.message.touchId.endsWith('-f1')).length;
  seen.switched += history.filter((e) => e.decision === 'switched').length;
  seen.messages += log.length;
  if (log.length > 0) seen.runsWithMessages += 1;
  return violations;
}

describe('compliance guarantees (property, through the use cases)', () => {
  it('never messages without consent, outside the window, over the cap, after an opt-out or after a return', async () => {
    seen = counts();
    await fc.assert(
      fc.asyncProperty(scenarioOf(randomPolicy, fc.array(action, { maxLength: 6 })), async (s) => {
        // Act
        const violations = await run(s);

        // Assess
        expect(violations).toEqual([]);
      }),
      { numRuns: 200, seed: 20261123 },
    );

    // The generators reach the cases the guarantees are about (bounds far below the usual counts).
    expect(seen.runsWithMessages).toBeGreaterThan(40);
    expect(seen.optOutsOverPendingTouches).toBeGreaterThan(8);
    expect(seen.messagesAfterAnOptOut).toBeGreaterThan(3);
    expect(seen.journeyCapHits).toBeGreaterThan(3);
    expect(seen.windowDeferrals).toBeGreaterThan(0);
    expect(seen.marketWindows).toBeGreaterThan(10);
  });

  it('holds the frequency cap when touches crowd together, whatever else happens', async () => {
    seen = counts();
    await fc.assert(
      fc.asyncProperty(scenarioOf(crowdedPolicy, fc.array(action, { maxLength: 2 })), async (s) => {
        // Act
        const violations = await run(s);

        // Assess
        expect(violations).toEqual([]);
      }),
      { numRuns: 100, seed: 20261123 },
    );

    expect(seen.capHits).toBeGreaterThan(5);
  });
});
