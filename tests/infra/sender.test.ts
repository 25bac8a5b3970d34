import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWinback } from '#lib/winback-app';
import { reservedExampleDomain } from '#lib/sender';
import { readSettings, SettingsError } from '#lib/settings';
import { actionsOf, synthWinback, TEST_SENDER, type Statement } from '../support/cdk-app.ts';

/** Settings as `context.winback` in cdk.json. */
const read = (winback: Record<string, unknown>) => readSettings({ tryGetContext: (key) => (key === 'winback' ? winback : undefined) });

const sendFunctionVariables = (engine: ReturnType<typeof synthWinback>['engine']) =>
  Object.values(engine.findResources('AWS::Lambda::Function')).find(
    (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'winback-send-touch',
  )!.Properties.Environment.Variables as Record<string, unknown>;

const sesActions = (engine: ReturnType<typeof synthWinback>['engine']) =>
  Object.values(engine.findResources('AWS::IAM::Policy'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .flatMap(actionsOf)
    .filter((action) => action.startsWith('ses:'));

type Synth = ReturnType<typeof synthWinback>;

describe('the e-mail sender of a deployment', () => {
  // Templates only (the functions' code is not what differs); one synth per hook, each can take a while.
  let noSender: Synth;
  let withSender: Synth;
  beforeAll(() => {
    noSender = synthWinback({ sesFromAddress: '' }, { bundle: false });
  });
  beforeAll(() => {
    withSender = synthWinback({ sesFromAddress: TEST_SENDER }, { bundle: false });
  });

  it('ships empty in cdk.json: the stacks synthesize (cdk-nag clean) without the e-mail channel, and synth says so', () => {
    // Act: the settings as cdk.json ships them.
    const shipped = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: { winback: Record<string, unknown> } };
    const { engine, stacks } = noSender;

    // Assess: nothing sends e-mail, no function plans it, and a warning tells the operator.
    expect(shipped.context.winback.sesFromAddress).toBe('');
    expect(Object.keys(sendFunctionVariables(engine)).filter((name) => name.startsWith('SES_'))).toEqual([]);
    expect(sesActions(engine)).toEqual([]);
    expect(stacks.stateless.bundleConstants.WINBACK_BUNDLED_CHANNELS).toBe(JSON.stringify('["sms"]'));
    Annotations.fromStack(stacks.stateless).hasWarning(
      '*',
      Match.stringLikeRegexp(
        '^No sesFromAddress: the stack is built without the e-mail channel, so no touch is planned or sent by e-mail\\.',
      ),
    );
  });

  it('with a sender: e-mail is deployed (SES variables, SendEmail on its identity), and no such warning', () => {
    const { engine, stacks } = withSender;

    expect(sendFunctionVariables(engine)).toMatchObject({ SES_FROM_ADDRESS: TEST_SENDER, SES_CONFIGURATION_SET: expect.anything() });
    expect(sesActions(engine)).toEqual(['ses:SendEmail']);
    expect(stacks.stateless.bundleConstants.WINBACK_BUNDLED_CHANNELS).toBe(JSON.stringify('["sms","email"]'));
    Annotations.fromStack(stacks.stateless).hasNoWarning('*', Match.stringLikeRegexp('^No sesFromAddress'));
  });

  it('on a domain reserved for examples (RFC 2606, RFC 6761) is refused at synth with one line naming the key', () => {
    for (const address of [
      'winback@example.com',
      'news@mail.example.org',
      'a@example.net',
      'a@shop.test',
      'a@x.invalid',
      'a@host.localhost',
      'a@b.example',
    ]) {
      let message = '';
      try {
        buildWinback(new App({ context: { winback: { sesFromAddress: address } } }));
      } catch (error) {
        expect(error).toBeInstanceOf(SettingsError);
        message = (error as Error).message;
      }
      const lines = message.split('\n');
      expect(lines, address).toHaveLength(2);
      expect(lines[0]).toBe('Invalid Winback settings (cdk.json context "winback"):');
      expect(lines[1]).toBe(
        `  sesFromAddress: ${address} is on ${reservedExampleDomain(address)}, a domain reserved for examples (RFC 2606): nothing can be sent from it. Set the address of your verified SES identity, or "" to deploy without e-mail`,
      );
    }
    // Lookalikes are real domains.
    for (const address of ['a@example.co', 'a@myexample.com', 'a@example.com.au', 'a@testing.io'])
      expect(read({ sesFromAddress: address }).sesFromAddress).toBe(address);
  });

  it('an SES identity without a sender is refused, naming it', () => {
    expect(() => read({ sesIdentity: 'mail.operator-test.eu' })).toThrow(
      /^Invalid Winback settings \(cdk\.json context "winback"\):\n {2}sesIdentity: is set without sesFromAddress: set the sender address too, or neither$/,
    );
  });

  it('warns of the embedded policies’ sample texts, when no policy file is set', () => {
    Annotations.fromStack(withSender.stacks.stateless).hasWarning(
      '*',
      Match.stringLikeRegexp(
        '^No policyFile: the embedded policies will send their sample texts \\("Winback Mobile: …", "Winback Club: …"\\)',
      ),
    );
  });
});

describe('a settings file that cannot be used', () => {
  it('is named with why, as a SettingsError (one line, no stack trace at synth)', () => {
    const withFile = (file: string) => () => readSettings({ tryGetContext: (key) => (key === 'winbackConfig' ? file : undefined) });
    const broken = join(mkdtempSync(join(tmpdir(), 'winback-settings-file-')), 'broken.json');
    writeFileSync(broken, '{"sesFromAddress": ');

    expect(withFile('no-such-settings.json')).toThrow(
      new SettingsError('Cannot read the Winback settings file no-such-settings.json: no such file'),
    );
    expect(withFile(broken)).toThrow(SettingsError);
    expect(withFile(broken)).toThrow(new RegExp(`^The Winback settings file ${broken} is not valid JSON: `));
  });
});
