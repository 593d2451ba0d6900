// Preloaded on the Lambda threads (LambdaThreadData.preload) before the channel handlers: sends
// Google OAuth token requests to the local FCM fake. See google-oauth-redirect.ts.
import { redirectGoogleApis } from './google-oauth-redirect';

const fake = process.env.FCM_API_BASE_URL;
if (fake) redirectGoogleApis(fake);
