/**
 * `npm run keys -- create --tenant acme | list | revoke <keyId>`: manages Herald API keys.
 * The key is printed once at creation; only its SHA-256 is stored. Works against a deployed
 * stack (table from --table, or from the TableName output of --stack, default Herald-dev) and against the local
 * stack started by `npm start` (--local, which reads the endpoints `npm start` wrote).
 */
import { readFile } from 'node:fs/promises';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { ApiKeyStore } from '../functions/adapters/dynamodb/api-key-store';
import { DEFAULT_SCOPES, parseScopes, SCOPES, scopesOf } from '../functions/core/api-keys';
import { LOCAL_STATE_FILE, type LocalState } from '../local/state-file';

interface TargetOptions {
  table?: string;
  stack: string;
  local?: boolean;
}

async function tableFromStack(stackName: string): Promise<string> {
  const answer = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  const output = answer.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'TableName');
  if (!output?.OutputValue) throw new Error(`Stack ${stackName} has no TableName output`);
  return output.OutputValue;
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
    options.table ?? process.env.HERALD_TABLE_NAME ?? (await tableFromStack(options.stack));
  return new ApiKeyStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), table);
}

function withTarget(command: Command): Command {
  return command
    .option('--table <name>', 'DynamoDB table name (default: the stack output TableName)')
    .option('--stack <name>', 'CloudFormation stack to read the table name from', 'Herald-dev')
    .option('--local', 'use the local stack started by npm start');
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
  .option('--usage-plan-key <value>', 'API Gateway API key value of the tenant usage plan')
  .action(
    async (options: TargetOptions & { tenant: string; scopes: string; usagePlanKey?: string }) => {
      const scopes = parseScopes(options.scopes);
      if (scopes.length === 0) throw new Error('--scopes must name at least one scope');
      const store = await openStore(options);
      const { key, record } = await store.create(options.tenant, {
        scopes,
        ...(options.usagePlanKey ? { usagePlanKey: options.usagePlanKey } : {}),
      });
      console.log(
        `key id:  ${record.keyId}\ntenant:  ${record.tenantId}\nscopes:  ${scopesOf(record).join(',')}\napi key: ${key}`,
      );
      console.log('Store the key now: Herald keeps only its SHA-256 and cannot show it again.');
    },
  );

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
    const revoked = await (await openStore(options)).revoke(keyId);
    if (!revoked) {
      console.error(`no key with id ${keyId}`);
      process.exitCode = 1;
      return;
    }
    console.log(`revoked ${keyId}`);
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
