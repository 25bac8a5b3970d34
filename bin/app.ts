import './sdk-warning.ts';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildWinback } from '#lib/winback-app';
import { SettingsError } from '#lib/settings';

/** `npx cdk synth` / `npx cdk deploy`: Winback's two stacks, checked by cdk-nag (AwsSolutions). */
const app = new App();
try {
  buildWinback(app);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
