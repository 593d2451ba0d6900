/** Google's OAuth answer when it refuses the service account itself (not a network problem). */
export const FCM_CREDENTIAL_REFUSED = 'fcm/credential-refused';

/**
 * FCM answers that mean a tenant's own project refused its credentials: the OAuth grant refused
 * (a deleted or disabled key or service account), 401 (the access token), 403 (the service account
 * may not send for the project, or FCM is not enabled there). For a tenant they fail the send
 * permanently (runtime/tenant-providers.ts, ownedProvider); the stack's own stay transient.
 * No import here: the tenant router, in every sender's bundle, reads this without firebase-admin.
 */
export const FCM_CREDENTIAL_CODES: readonly string[] = [
  FCM_CREDENTIAL_REFUSED,
  'messaging/http-401',
  'messaging/http-403',
];
