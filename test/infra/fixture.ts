import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseHeraldConfig } from '../../lib/config';
import { HeraldStack } from '../../lib/herald-stack';

/** A complete, valid `herald` context block: every channel on, an SES configuration set. */
export const FULL_CONFIG = {
  stage: 'test',
  senderAddress: 'notifications@example.com',
  sesConfigurationSet: 'herald-events',
  alarmEmail: 'oncall@example.com',
  enabledChannels: ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'],
  channels: { push: { maxConcurrency: 100, highMaxConcurrency: 5 } },
  mqttTopicPrefix: 'herald/',
  logRetentionDays: 30,
  dataRetentionDays: 90,
};

/** The feature flags cdk.json sets, so tests synthesize what `cdk deploy` deploys. */
export const FEATURE_FLAGS: Record<string, unknown> = Object.fromEntries(
  Object.entries(
    (
      JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
        context: Record<string, unknown>;
      }
    ).context,
  ).filter(([key]) => key.startsWith('@aws-cdk')),
);

/** A synthesized Herald stack; bundling is skipped so no handler is compiled. */
export interface BuiltStack {
  app: App;
  stack: HeraldStack;
  template: Template;
}

/**
 * Builds the stack from a raw `herald` block (validated like bin/herald.ts does). With `nag`,
 * the AwsSolutions pack and CDK's built-in CloudFormation schema check run at synth (reported,
 * not thrown, so the test can list every finding); without it both are off to keep tests fast.
 */
export function buildStack(
  raw: unknown = FULL_CONFIG,
  options: { nag?: boolean } = {},
): BuiltStack {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'herald-cdk-')),
    builtinCloudFormationValidation: options.nag === true,
    context: {
      ...FEATURE_FLAGS,
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:failSynthOnValidationErrors': false,
    },
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new HeraldStack(app, 'HeraldTest', { config: parseHeraldConfig(raw) });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every IAM policy statement of the template, with the logical ids of the roles it is attached to. */
export function policyStatements(template: Template): {
  roles: string[];
  actions: string[];
  resources: unknown[];
  condition?: unknown;
}[] {
  const out: { roles: string[]; actions: string[]; resources: unknown[]; condition?: unknown }[] =
    [];
  // A role whose inline policy outgrows IAM's size limit gets CDK's overflow managed policies too.
  const policies = [
    ...Object.values(template.findResources('AWS::IAM::Policy')),
    ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
  ];
  for (const policy of policies) {
    const roles = ((policy.Properties.Roles ?? []) as { Ref: string }[]).map((r) => r.Ref);
    for (const st of policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]) {
      out.push({
        roles,
        actions: ([] as string[]).concat(st.Action as string | string[]),
        resources: ([] as unknown[]).concat(st.Resource),
        ...(st.Condition === undefined ? {} : { condition: st.Condition }),
      });
    }
  }
  return out;
}

/** Properties of a resource in a synthesized template. */
type CfnProperties = ReturnType<Template['findResources']>[string]['Properties'];

/** Logical id and properties of the function whose POWERTOOLS_SERVICE_NAME ends with `name`. */
export function findFunction(
  template: Template,
  name: string,
): { id: string; props: CfnProperties } {
  for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const service = fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
    if (typeof service === 'string' && service.endsWith(`-${name}`))
      return { id, props: fn.Properties };
  }
  throw new Error(`no function ${name}`);
}

/** The IAM statements attached to the role of the function named `name`. */
export function statementsOf(template: Template, name: string) {
  const roleId = findFunction(template, name).props.Role['Fn::GetAtt'][0] as string;
  return policyStatements(template).filter((s) => s.roles.includes(roleId));
}

/** Logical id of the only resource of `type` whose logical id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`${ids.length} ${type} match ${prefix}: ${ids.join(', ')}`);
  return ids[0] as string;
}

/** One allowed (action, resource) pair; `resource` and `condition` as JSON text. */
export interface Grant {
  action: string;
  resource: string;
  condition?: string;
}

/**
 * Every (action, resource) pair the role of function `name` is allowed. Independent of how CDK
 * groups statements (`@aws-cdk/aws-iam:minimizePolicies` merges them), so tests state
 * permissions, not policy layout.
 */
export function grantsOf(template: Template, name: string): Grant[] {
  return statementsOf(template, name).flatMap((s) =>
    s.actions.flatMap((action) =>
      s.resources.map((resource) => ({
        action,
        resource: JSON.stringify(resource),
        ...(s.condition === undefined ? {} : { condition: JSON.stringify(s.condition) }),
      })),
    ),
  );
}

/** Every API Gateway method of the template, keyed `METHOD /path`. */
export function methodsByRoute(template: Template): Map<string, Record<string, unknown>> {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (id: string): string => {
    const r = resources[id];
    if (!r) return '';
    const parent = r.Properties.ParentId;
    const parentPath = parent.Ref ? pathOf(parent.Ref) : '';
    return `${parentPath}/${r.Properties.PathPart}`;
  };
  const routes = new Map<string, Record<string, unknown>>();
  for (const method of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
    const resourceId = method.Properties.ResourceId;
    const path = resourceId.Ref ? pathOf(resourceId.Ref) : '/';
    routes.set(`${method.Properties.HttpMethod} ${path}`, method.Properties);
  }
  return routes;
}
