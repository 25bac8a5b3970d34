import { describe, expect, it } from 'vitest';
import { AWS_CHANNELS } from '#shared/adapters/aws/deployed-channels';
import { CHANNEL_TABLE, CHANNELS } from '#shared/domain/channels';
import { CustomerChurned } from '#shared/domain/events';
import { deploymentPolicies } from '#shared/domain/policy-registry';
import { ingestEvent } from '#shared/engine/ingest-event';
import { churnEvent } from '../../fixtures/events.ts';
import { customerIdIn, makeDeps, runUntil } from '../../support/fakes.ts';
import { day, recordOf } from './helpers.ts';
import { deployedChannelsOf } from '../../../lib/sender.ts';

/** The AWS deployment's registry: the embedded policies list push, but AWS has no push adapter. */
const awsPolicies = () => deploymentPolicies([], { channels: AWS_CHANNELS });

describe('deployed channels', () => {
  it('does not plan a customer only an undeployed channel reaches, and says why', async () => {
    // Prepare: a push token and push consent, nothing else.
    const deps = makeDeps({ policies: awsPolicies() });
    const customerId = customerIdIn('treatment');
    const churn = churnEvent({ customerId, contacts: { pushToken: 'token-1' }, consents: { sms: false, email: false, push: true } });

    // Act
    await ingestEvent(deps, churn);
    await runUntil(deps, deps.scheduler, day(130));

    // Assess
    const [journey] = (await recordOf(deps, customerId)).journeys;
    expect(journey).toMatchObject({ status: 'ineligible', ineligibleReasons: ['channel_not_deployed:push'], touches: [] });
    expect(deps.channels.push.sent).toEqual([]);
    const log = (await recordOf(deps, customerId)).history.map((entry) => `${entry.decision}:${entry.reason}`);
    expect(log).toContain('ineligible:channel_not_deployed:push');
  });

  it('plans on a deployed channel when the customer has one as well', async () => {
    const deps = makeDeps({ policies: awsPolicies() });
    const customerId = customerIdIn('treatment');
    const contacts = { pushToken: 'token-1', phone: '+447700900123' };
    await ingestEvent(deps, churnEvent({ customerId, contacts, consents: { sms: true, email: false, push: true } }));
    await runUntil(deps, deps.scheduler, day(130));

    const [journey] = (await recordOf(deps, customerId)).journeys;
    expect(journey!.touches.map((t) => t.channel)).toEqual(['sms', 'sms']);
    expect(deps.channels.sms.sent).toHaveLength(2);
  });

  it('plans push where the runtime deploys it (the local runner)', async () => {
    const deps = makeDeps({ policies: deploymentPolicies([]) });
    const customerId = customerIdIn('treatment');
    await ingestEvent(
      deps,
      churnEvent({ customerId, contacts: { pushToken: 'token-1' }, consents: { sms: false, email: false, push: true } }),
    );
    expect((await recordOf(deps, customerId)).journeys[0]!.touches.map((t) => t.channel)).toEqual(['push', 'push']);
  });
});

describe('the channel table', () => {
  it('derives the event schema: one consent and one contact field per channel', () => {
    const churn = CustomerChurned.parse({ ...churnEvent(), consents: {} });
    expect(Object.keys(churn.consents).sort()).toEqual([...CHANNELS].sort());
    for (const channel of CHANNELS) {
      const field = CHANNEL_TABLE[channel].contact;
      const bad = CustomerChurned.safeParse({ ...churnEvent(), contacts: { [field]: '' } });
      expect(bad.success, `${channel}: an empty ${field} is refused`).toBe(false);
    }
  });
});

describe('WhatsApp in AWS', () => {
  it('is planned only where the operator linked a number: otherwise a customer only WhatsApp reaches is channel_not_deployed:whatsapp', async () => {
    const churnOf = (customerId: string) => churnEvent({ customerId, contacts: { phone: '+34612345678' }, consents: { whatsapp: true } });
    const without = makeDeps({
      policies: deploymentPolicies([], { channels: deployedChannelsOf({ sesFromAddress: 'winback@mail.operator.net' }) }),
    });
    const withIt = makeDeps({
      policies: deploymentPolicies([], {
        channels: deployedChannelsOf({ sesFromAddress: 'winback@mail.operator.net', whatsapp: { phoneNumberId: 'phone-number-id-1' } }),
      }),
    });
    withIt.links = { baseUrl: 'https://go.example.com', key: 'link-key' };
    const customerId = customerIdIn('treatment');

    await ingestEvent(without, churnOf(customerId));
    await ingestEvent(withIt, churnOf(customerId));
    await runUntil(withIt, withIt.scheduler, day(46));

    expect((await recordOf(without, customerId)).journeys[0]).toMatchObject({
      status: 'ineligible',
      ineligibleReasons: ['channel_not_deployed:whatsapp'],
    });
    expect(deployedChannelsOf({ sesFromAddress: 'winback@mail.operator.net', whatsapp: { phoneNumberId: 'phone-number-id-1' } })).toEqual([
      'sms',
      'email',
      'whatsapp',
    ]);
    // The offer goes out as its approved template, in the customer's language (the fixture's en-GB).
    expect(withIt.channels.whatsapp.sent[0]).toMatchObject({
      channel: 'whatsapp',
      to: '+34612345678',
      template: {
        name: 'winback_fix_coverage',
        language: 'en',
        parameters: ['Winback Mobile', expect.stringMatching(/^https:\/\/go\.example\.com\/r\/[\w-]{30,}$/)],
      },
    });
  });
});

describe('partner push in AWS', () => {
  it('is deployed where the settings give a partner endpoint, and then plans a customer only push reaches', async () => {
    const settings = { sesFromAddress: 'winback@mail.operator.net' };
    const withIt = deployedChannelsOf({ ...settings, partnerPush: { endpoint: 'https://push.partner.net/winback' } });
    expect(deployedChannelsOf(settings)).toEqual(['sms', 'email']);
    expect(withIt).toEqual(['sms', 'email', 'push']);
    const deps = makeDeps({ policies: deploymentPolicies([], { channels: withIt }) });
    const customerId = customerIdIn('treatment');
    await ingestEvent(
      deps,
      churnEvent({ customerId, contacts: { pushToken: 'bank-user-1' }, consents: { sms: false, email: false, push: true } }),
    );
    expect((await recordOf(deps, customerId)).journeys[0]).toMatchObject({ status: 'active', ineligibleReasons: [] });
  });
});
