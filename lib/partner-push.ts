import { CfnOutput, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { bindEnvironment } from './environment.ts';
import type { Settings } from './settings.ts';
import type { WinbackFunction } from './winback-function.ts';

export interface PartnerPushProps {
  /** The operator's `partnerPush` settings: the partner's endpoint, and the secret to sign with if they bring one. */
  readonly settings: NonNullable<Settings['partnerPush']>;
  /** The function that sends push messages: it signs them. */
  readonly sendFunction: WinbackFunction;
  /** The API's function: it checks the signature of the partner's receipts. */
  readonly apiFunction: WinbackFunction;
}

/**
 * Partner push (`settings.partnerPush`): the secret push messages are signed with and partner
 * receipts are checked with, shared with the partner. The stack creates it (64 random letters and
 * digits), or takes the operator's by its complete ARN. The send function and the API may read it
 * and nothing more; the partner's endpoint is in the send function's environment
 * (`PARTNER_PUSH_URL`, set by `TouchDelivery`).
 */
export class PartnerPush extends Construct {
  readonly signingSecret: ISecret;

  constructor(scope: Construct, id: string, props: PartnerPushProps) {
    super(scope, id);
    const given = props.settings.signingSecretArn;
    if (given) this.signingSecret = Secret.fromSecretCompleteArn(this, 'SigningSecret', given);
    else {
      const created = new Secret(this, 'SigningSecret', {
        description: 'Winback partner push: signs the messages POSTed to the partner and checks its receipts. Share it with the partner.',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Shared with the partner, who signs its receipts with it: a rotation needs the partner to switch at the same time, so it is rotated by hand (docs/deploy.md, "Partner push").',
      });
      this.signingSecret = created;
    }
    for (const fn of [props.sendFunction, props.apiFunction]) {
      this.signingSecret.grantRead(fn);
      bindEnvironment(fn, 'partnerPush', { PARTNER_PUSH_SECRET_ARN: this.signingSecret.secretArn });
    }
    new CfnOutput(this, 'SigningSecretArn', {
      value: this.signingSecret.secretArn,
      description: 'The partner push signing secret: give its value to the partner (aws secretsmanager get-secret-value).',
    });
  }
}
