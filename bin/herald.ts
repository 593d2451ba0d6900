import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HeraldConfigError, parseHeraldConfig } from '../lib/config';
import { HeraldStack } from '../lib/herald-stack';

const app = new App();
try {
  const config = parseHeraldConfig(app.node.tryGetContext('herald'));
  // Every synth runs the AwsSolutions pack; findings fail the synth unless acknowledged in lib/.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  new HeraldStack(app, `Herald-${config.stage}`, {
    config,
    description: `Herald multichannel notifications (${config.stage})`,
  });
} catch (error) {
  if (!(error instanceof HeraldConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
