import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HeraldConfigError, parseHeraldConfig } from '../lib/config';
import { HeraldStack } from '../lib/herald-stack';

/**
 * Runs `build` without the "Bundling asset <path>..." line aws-cdk-lib writes to stderr for each
 * function (it has no switch), so `cdk synth -q` prints only warnings and errors. esbuild's own
 * output is limited by the bundling `logLevel` in lib/constructs/herald-function.ts.
 */
function withoutBundlingProgress<T>(build: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && /^Bundling asset \S+\.\.\.\n$/.test(chunk)) return true;
    return (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return build();
  } finally {
    process.stderr.write = write;
  }
}

const app = new App();
try {
  const config = parseHeraldConfig(app.node.tryGetContext('herald'));
  // Every synth runs the AwsSolutions pack; findings fail the synth unless acknowledged in lib/.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  withoutBundlingProgress(
    () =>
      new HeraldStack(app, `Herald-${config.stage}`, {
        config,
        description: `Herald multichannel notifications (${config.stage})`,
      }),
  );
} catch (error) {
  if (!(error instanceof HeraldConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
