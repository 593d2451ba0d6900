import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, FULL_CONFIG } from './fixture';

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      severity: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

/** Every finding (errors and warnings) of the synth's validation report, one line each. */
function findings(directory: string): string[] {
  const report: ValidationReport = JSON.parse(
    readFileSync(join(directory, 'validation-report.json'), 'utf8'),
  );
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((v) =>
      v.violatingConstructs.map(
        (c) => `${plugin.pluginName} ${v.severity} ${v.ruleName} ${c.constructPath}`,
      ),
    ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  let directory: string;
  let app: App;
  beforeAll(() => {
    app = buildStack(undefined, { nag: true }).app;
    directory = app.synth().directory;
  });

  it('leaves no unacknowledged finding, error or warning, in the Herald stack', () => {
    expect(findings(directory)).toEqual([]);
  });

  it('acknowledges only named findings, each with a specific reason', () => {
    const acknowledged = new Map<string, string>();
    for (const construct of app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          // aws-cdk-lib stores an unqualified id as `Annotation::<id>`; cdk-nag 3 strips it.
          acknowledged.set(id.replace(/^annotation::/i, ''), reason);
        }
      }
    }
    expect([...acknowledged.keys()].sort()).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-APIG3',
      'AwsSolutions-APIG4',
      'AwsSolutions-APIG6',
      'AwsSolutions-COG4',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<SchedulingReleaseFunctionA63AAF4A.Arn>:*]',
      // The workflow function's versions and aliases (durable executions, lib/constructs/workflows.ts).
      'AwsSolutions-IAM5[Resource::<WorkflowsWorkflowFunction838AE437.Arn>:*]',
      // Tenants' SES identities (lib/constructs/tenant-email.ts): their roles, identity checks.
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/herald-ses-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/herald/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<SchedulingGroupF9AE2582>/*]',
      // Tenants' own provider secrets, one per tenant and provider (lib/constructs/tenant-providers.ts).
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:herald/test/tenants/*/email/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:herald/test/tenants/*/push/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:herald/test/tenants/*/slack/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:herald/test/tenants/*/sms/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:herald/test/tenants/*/whatsapp/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:herald/test/tenants/*]',
      // Tenants' SES identities: verify reads any identity of the account (tenant-email.ts).
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      'AwsSolutions-SMG4',
      // The SES event topic (lib/constructs/ses-feedback.ts): SES cannot use the aws/sns key.
      'AwsSolutions-SNS2',
      // The events stream's on-failure queue is itself a dead-letter destination (DeliveryEvents).
      'AwsSolutions-SQS3',
    ]);
    for (const reason of acknowledged.values()) expect(reason.length).toBeGreaterThan(60);
  });

  it('leaves no finding with the other switches: SES sandbox, tracing off, an existing alarm topic, no CloudWatch role', () => {
    const { alarmEmail: _, ...withoutEmail } = FULL_CONFIG;
    const variant = buildStack(
      {
        ...withoutEmail,
        sesSandbox: true,
        tracing: false,
        alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-pager',
        api: { cloudWatchRole: false },
      },
      { nag: true },
    ).app;
    expect(findings(variant.synth().directory)).toEqual([]);
  });

  it('reports what it finds (control: an unacknowledged queue is caught)', () => {
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new sqs.Queue(new Stack(app, 'Control'), 'Plain');
    expect(findings(app.synth().directory)).toEqual(
      expect.arrayContaining([
        'AwsSolutions error AwsSolutions-SQS3 Control/Plain/Resource',
        'AwsSolutions error AwsSolutions-SQS4 Control/Plain/Resource',
      ]),
    );
  });
});
