/**
 * `npm run keys -- create --tenant acme [--scopes send,read] [--rate 10 --burst 20 --quota
 * 100000/day] | list | revoke <keyId>`: manages Herald API keys. The key is printed once at
 * creation; only its SHA-256 is stored. Against a deployed stack (outputs of --stack, default
 * Herald-dev) `create` also puts the tenant's API Gateway key in the stack's usage plan (or in the
 * tenant's own plan when given limits) and `revoke` of a tenant's last key removes them. `--table`
 * alone manages the table only. `--local` uses the stack started by `npm start`.
 */
import { readFile } from 'node:fs/promises';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { ApiKeyStore } from '../functions/adapters/dynamodb/api-key-store';
import { DEFAULT_SCOPES, parseScopes, SCOPES, scopesOf } from '../functions/core/access/api-keys';
import { tenantNamespaceProblem } from '../functions/core/notifications/requests/mqtt-topic';
import { LOCAL_STATE_FILE, type LocalState } from '../local/state-file';
import { parseQuota, type TenantLimits, TenantUsagePlans } from './usage-plans';

interface TargetOptions {
  table?: string;
  stack: string;
  local?: boolean;
}

async function stackOutputs(stackName: string): Promise<Record<string, string>> {
  const answer = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  const outputs: Record<string, string> = {};
  for (const o of answer.Stacks?.[0]?.Outputs ?? []) {
    if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
  }
  if (!outputs.TableName) throw new Error(`Stack ${stackName} has no TableName output`);
  return outputs;
}

/** The key table, and the tenants' usage plans when the target is a deployed stack. */
interface Target {
  store: ApiKeyStore;
  plans?: TenantUsagePlans;
}

async function openTarget(options: TargetOptions): Promise<Target> {
  if (options.local || options.table || process.env.HERALD_TABLE_NAME) {
    return { store: await openStore(options) };
  }
  const outputs = await stackOutputs(options.stack);
  const store = new ApiKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    outputs.TableName as string,
  );
  const { RestApiId, ApiStage, UsagePlanId } = outputs;
  if (!RestApiId || !ApiStage || !UsagePlanId) return { store };
  const plans = new TenantUsagePlans(new APIGatewayClient({}), {
    restApiId: RestApiId,
    stage: ApiStage,
    defaultUsagePlanId: UsagePlanId,
    prefix: `herald-${ApiStage}`,
  });
  return { store, plans };
}

async function openStore(options: TargetOptions): Promise<ApiKeyStore> {
  if (options.local) {
    let state: LocalState;
    try {
      state = JSON.parse(await readFile(LOCAL_STATE_FILE, 'utf8')) as LocalState;
    } catch {
      throw new Error(`No local stack found (${LOCAL_STATE_FILE}); start it with npm start`);
    }
    const client = new DynamoDBClient({
      endpoint: state.dynamodbEndpoint,
      region: state.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return new ApiKeyStore(DynamoDBDocumentClient.from(client), state.tableName);
  }
  const table =
    options.table ??
    process.env.HERALD_TABLE_NAME ??
    ((await stackOutputs(options.stack)).TableName as string);
  return new ApiKeyStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), table);
}

function withTarget(command: Command): Command {
  return command
    .option('--table <name>', 'DynamoDB table name (default: the stack output TableName)')
    .option('--stack <name>', 'CloudFormation stack to read the table name from', 'Herald-dev')
    .option('--local', 'use the local stack started by npm start');
}

interface CreateOptions extends TargetOptions {
  tenant: string;
  scopes: string;
  rate?: number;
  burst?: number;
  quota?: string;
  usagePlanKey?: string;
}

function positive(value: number, flag: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number`);
  return value;
}

const program = new Command('keys').description('Manage Herald API keys');

withTarget(program.command('create'))
  .description('create a key for a tenant; prints the key once')
  .requiredOption('--tenant <id>', 'tenant the key belongs to')
  .option(
    '--scopes <list>',
    `what the key may do, comma-separated: ${SCOPES.join(', ')}`,
    DEFAULT_SCOPES.join(','),
  )
  .option('--rate <n>', "the tenant's own plan: requests per second", Number)
  .option('--burst <n>', "the tenant's own plan: burst", Number)
  .option('--quota <n/period>', "the tenant's own plan: e.g. 100000/day (or /week, /month)")
  .option(
    '--usage-plan-key <value>',
    'use this API Gateway API key value instead of the tenant one',
  )
  .action(async (options: CreateOptions) => {
    const scopes = parseScopes(options.scopes);
    if (scopes.length === 0) throw new Error('--scopes must name at least one scope');
    // The tenant id names the tenant's MQTT namespace (<mqttTopicPrefix><tenant>/): a `/` in it
    // would reach into another tenant's, and `+`/`#` are wildcards no topic may hold.
    const tenantProblem = tenantNamespaceProblem(options.tenant);
    if (tenantProblem) throw new Error(`--tenant ${tenantProblem}: a tenant id may not hold / + #`);
    const limits: TenantLimits = {
      ...(options.rate !== undefined ? { rateLimit: positive(options.rate, '--rate') } : {}),
      ...(options.burst !== undefined ? { burstLimit: positive(options.burst, '--burst') } : {}),
      ...(options.quota !== undefined ? { quota: parseQuota(options.quota) } : {}),
    };
    const { store, plans } = await openTarget(options);
    let usagePlanKey = options.usagePlanKey;
    if (!usagePlanKey && plans) usagePlanKey = await plans.attach(options.tenant, limits);
    else if (Object.keys(limits).length > 0) {
      console.error(
        options.local
          ? 'The local stack applies cdk.json herald.api.usagePlan to every tenant: --rate/--burst/--quota are for a deployed stack.'
          : 'No usage plan to attach to (--table, or a stack without a UsagePlanId output): limits ignored.',
      );
    }
    const { key, record } = await store.create(options.tenant, {
      scopes,
      ...(usagePlanKey ? { usagePlanKey } : {}),
    });
    console.log(
      `key id:  ${record.keyId}\ntenant:  ${record.tenantId}\nscopes:  ${scopesOf(record).join(',')}\napi key: ${key}`,
    );
    if (plans && usagePlanKey) {
      console.log(
        `usage:   ${Object.keys(limits).length > 0 ? 'the tenant’s own plan' : 'the stack’s default plan'}`,
      );
    }
    console.log('Store the key now: Herald keeps only its SHA-256 and cannot show it again.');
  });

withTarget(program.command('list'))
  .description('list keys (ids and tenants, never the keys)')
  .action(async (options: TargetOptions) => {
    const records = await (await openStore(options)).list();
    for (const r of records) {
      console.log(
        `${r.keyId}  ${r.tenantId.padEnd(20)}  ${scopesOf(r).join(',').padEnd(16)}  ${r.createdAt}  ${r.revokedAt ? `revoked ${r.revokedAt}` : 'active'}`,
      );
    }
    if (records.length === 0) console.log('no keys');
  });

withTarget(program.command('revoke'))
  .description(
    'revoke a key by id (a warm authorizer may accept it for up to AUTHORIZER_CACHE_SECONDS, 60 s)',
  )
  .argument('<keyId>')
  .action(async (keyId: string, options: TargetOptions) => {
    const { store, plans } = await openTarget(options);
    const revoked = await store.revoke(keyId);
    if (!revoked) {
      console.error(`no key with id ${keyId}`);
      process.exitCode = 1;
      return;
    }
    console.log(`revoked ${keyId}`);
    if (!plans) return;
    // The tenant's API Gateway key and own plan go with its last live Herald key.
    const keys = await store.list();
    const tenant = keys.find((k) => k.keyId === keyId)?.tenantId;
    if (tenant && !keys.some((k) => k.tenantId === tenant && !k.revokedAt)) {
      await plans.detach(tenant);
      console.log(`removed the API Gateway key and usage plan of tenant ${tenant}`);
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
