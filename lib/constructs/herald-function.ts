import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { externalModulesFor, HERALD_BUNDLING } from './bundling';

/** Repository root: entry paths, package-lock.json and tsconfig are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Props of HeraldFunction: one Lambda entry point of functions/handlers/. */
export interface HeraldFunctionProps {
  /** File name under functions/handlers/ without extension, e.g. `send-email`. */
  readonly handlerName: string;
  /** Powertools service name (also the `service` metric dimension). */
  readonly serviceName: string;
  /** Environment beyond the Powertools variables. Names and ARNs only, never secret values. */
  readonly environment: Record<string, string>;
  /** Days CloudWatch Logs keeps this function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Function timeout. */
  readonly timeout: Duration;
  /** Memory in MiB. @default 256 */
  readonly memorySize?: number;
  /** Powertools log level. @default INFO */
  readonly logLevel?: string;
  /**
   * X-Ray active tracing, and the Powertools Tracer on (POWERTOOLS_TRACE_ENABLED).
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Asynchronous invocations only: where an event goes after the function failed it
   * `retryAttempts + 1` times (body = the original event). @default none
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Asynchronous invocations only: retries after a function error (0-2). @default 2 */
  readonly retryAttempts?: number;
  /**
   * Shell commands run after esbuild, from the repository root (`inputDir`), to add files next
   * to the bundle in `outputDir` (the asset). They must print nothing on success: synth output
   * is problems only. @default none
   */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * A NodejsFunction with Herald's defaults: Node 24 on arm64, minified ESM bundle with source
 * maps (the AWS SDK clients a handler imports are bundled, not taken from the runtime), its own
 * log group with retention, a role that can write only to that log group, and X-Ray active
 * tracing unless turned off.
 */
export class HeraldFunction extends Construct {
  /** The Lambda function. */
  readonly fn: NodejsFunction;
  /** Its execution role: grants go here. */
  readonly role: iam.Role;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HeraldFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to every
    // log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Herald ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);
    const tracing = props.tracing ?? true;

    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}functions/handlers/${props.handlerName}.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords to the role.
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'Herald',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_TRACE_ENABLED: String(tracing),
        // Responses carry recipients (GET /v1/notifications/{id}); traces must not.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Synth prints problems only: no per-bundle size table.
        logLevel: LogLevel.WARNING,
        mainFields: HERALD_BUNDLING.mainFields,
        externalModules: externalModulesFor(props.handlerName),
        banner: HERALD_BUNDLING.banner,
        esbuildArgs: Object.fromEntries(
          Object.entries(HERALD_BUNDLING.alias).map(([from, to]) => [`--alias:${from}`, to]),
        ),
        ...(props.afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: props.afterBundling,
              },
            }
          : {}),
      },
    });
    if (tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (Resource must be "*"); they only write trace data.',
      });
    }
  }
}
