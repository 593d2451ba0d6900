import { describe, expect, it } from 'vitest';
import { fcmAccessTokens } from '../../../../functions/adapters/providers/push/fcm-credentials';
import { ProviderError } from '../../../../functions/core/shared/errors';

describe('a tenant’s FCM credential', () => {
  it('refuses a key that cannot sign as the tenant’s credential problem, naming the account only', async () => {
    const key = '-----BEGIN PRIVATE KEY-----\ninvalidkey\n-----END PRIVATE KEY-----\n';
    const tokens = fcmAccessTokens({
      project_id: 'acme-push',
      client_email: 'sender@acme-push.iam.gserviceaccount.com',
      private_key: key,
    });
    const error = await tokens().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'fcm/credential-refused' });
    expect((error as Error).message).toContain('sender@acme-push.iam.gserviceaccount.com');
    expect((error as Error).message).not.toContain('invalidkey');
  });
});
