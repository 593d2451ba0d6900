import { GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesTenantClients } from '../../../../functions/adapters/providers/email/ses-tenant-client';
import { FailureInjector, Outbox } from '../../../../local/fakes/outbox';
import { type RunningSesFake, startSes } from '../../../../local/fakes/ses-fake';

// The tenant's role is assumed once and its credentials kept (the SDK memoizes the identity
// provider until shortly before expiry), not once per send; the fake tells the accounts apart.
let ses: RunningSesFake;
const saved = { ...process.env };

beforeAll(async () => {
  ses = await startSes({ outbox: new Outbox(), failures: new FailureInjector() });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SESV2: ses.url,
    AWS_ENDPOINT_URL_STS: ses.url,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});
afterAll(async () => {
  process.env = saved;
  await ses.close();
});

describe('SesTenantClients', () => {
  it('assumes a tenant role once for many calls, and keeps one client per role', async () => {
    const clients = new SesTenantClients({ maxAttempts: 1 });
    const access = {
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::111122223333:role/herald-ses-a',
      externalId: 'ext-a',
    };
    const client = clients.get(access);
    expect(clients.get({ ...access })).toBe(client);
    for (let i = 0; i < 3; i++) {
      const answer = await client.send(new GetEmailIdentityCommand({ EmailIdentity: 'a.example' }));
      expect(answer.VerifiedForSendingStatus).toBe(true);
    }
    expect(ses.accounts.assumed.get(access.roleArn)).toBe(1);
    // Another external id is another client (and another AssumeRole).
    expect(clients.get({ ...access, externalId: 'ext-b' })).not.toBe(client);
  });

  it('reports a role the account refuses as AccessDenied', async () => {
    const client = new SesTenantClients({ maxAttempts: 1 }).get({
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::111122223333:role/herald-ses-invalid',
      externalId: 'ext',
    });
    await expect(
      client.send(new GetEmailIdentityCommand({ EmailIdentity: 'a.example' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
