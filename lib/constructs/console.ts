import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HeraldFunction } from './herald-function';

/** Props of HeraldConsole. */
export interface HeraldConsoleProps {
  /** The REST API that serves the page at `GET /console` and its files under `/console/`. */
  readonly api: apigw.RestApi;
  /** Powertools service name of the console function. */
  readonly serviceName: string;
  /** Days CloudWatch Logs keeps the function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The operator console on the deployed API: a small function serving the page built by
 * console/build.ts (bundled into its asset at synth) at `GET /console` and `GET /console/{proxy+}`,
 * without a key. The page holds no data: it calls the API with the key the operator pastes.
 */
export class HeraldConsole extends Construct {
  /** The function serving the page, its script and its stylesheet. */
  readonly function: HeraldFunction;

  constructor(scope: Construct, id: string, props: HeraldConsoleProps) {
    super(scope, id);
    this.function = new HeraldFunction(this, 'Function', {
      handlerName: 'console',
      serviceName: props.serviceName,
      memorySize: 128,
      timeout: Duration.seconds(5),
      logRetention: props.logRetention,
      // No table, queue or secret: it only reads files from its own asset.
      environment: {},
      // It calls no AWS service; the API stage traces the request already.
      tracing: false,
      // The handler (ESM) reads /var/task/console/ next to its bundle (import.meta.url).
      afterBundling: (inputDir, outputDir) => [
        `cd "${inputDir}" && node_modules/.bin/tsx console/build.ts --out "${outputDir}/console" --quiet`,
      ],
    });

    const integration = new apigw.LambdaIntegration(this.function.fn, {
      proxy: true,
      allowTestInvoke: false,
    });
    // Keyless even when the API requires usage-plan keys: the page loads before a key is pasted.
    const keyless: apigw.MethodOptions = {
      authorizationType: apigw.AuthorizationType.NONE,
      apiKeyRequired: false,
    };
    const page = props.api.root.addResource('console');
    const methods = [
      page.addMethod('GET', integration, keyless),
      page.addResource('{proxy+}').addMethod('GET', integration, keyless),
    ];
    for (const method of methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The console page and its script and stylesheet are static files with no data; every API call the page makes carries the key the operator pastes and goes through the authorizer.',
      });
    }
  }
}
