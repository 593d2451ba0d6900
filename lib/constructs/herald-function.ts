import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Repository root: entry paths, package-lock.json and tsconfig are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The asset build (esbuild with Herald's plugin and code splitting): build-function.ts. */
const BUILD_SCRIPT = fileURLToPath(new URL('./build-function.ts', import.meta.url));

/**
 * Runs `command` (argv) to completion; throws with its output when it fails. Synth prints
 * problems only, so a successful build's output is not shown.
 */
function run(command: string[], options: { shell?: boolean } = {}): void {
  const [file, ...args] = command;
  const result = spawnSync(file ?? '', args, {
    cwd: PROJECT_ROOT,
    shell: options.shell ?? false,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0)
    throw new Error(
      `${command.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`,
    );
  if (result.stderr.trim() !== '') process.stderr.write(result.stderr);
}

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
 * A Lambda function with Herald's defaults: Node 24 on arm64, minified ESM bundle with source
 * maps (the AWS SDK clients a handler imports are bundled, not taken from the runtime) whose
 * `await import()`s are split into chunks loaded on demand (build-function.ts), its own log group
 * with retention, a role that can write only to that log group, and X-Ray active tracing unless
 * turned off.
 */
export class HeraldFunction extends Construct {
  /** The Lambda function. */
  readonly fn: LambdaFunction;
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

    const { handlerName, afterBundling } = props;
    this.fn = new LambdaFunction(this, 'Function', {
      // Built on this machine with the project's own esbuild (build-function.ts); the hash is the
      // output's, so an unchanged build is not uploaded again. There is no container fallback:
      // `npm ci` installs everything the build needs.
      code: Code.fromAsset(PROJECT_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('herald-builds-locally'),
          // Part of CDK's bundling cache key: without it, every function (same source folder,
          // same options) would get the first function's bundle.
          environment: { HERALD_HANDLER: handlerName },
          local: {
            tryBundle(outputDir) {
              run([process.execPath, '--import', 'tsx', BUILD_SCRIPT, handlerName, outputDir]);
              for (const command of afterBundling?.(PROJECT_ROOT, outputDir) ?? [])
                run([command], { shell: true });
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
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
