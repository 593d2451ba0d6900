import { categoryRoutes } from './categories';
import type { ApiRoute } from './context';
import { dlqRoutes } from './dlq';
import { preferenceRoutes } from './preferences';
import { providerRoutes } from './providers';
import { recipientRoutes } from './recipients';
import { slackAllowListRoutes } from './slack-allow-list';
import { suppressionRoutes } from './suppressions';
import { topicRoutes } from './topics';
import { twilioStatusRoutes } from './twilio-status';
import { unsubscribeRoutes } from './unsubscribe';
import { webhookRoutes } from './webhooks';
import { workflowRoutes } from './workflows';

/**
 * The routes of the manage function (handlers/manage.ts; which paths: management-paths.ts):
 * webhooks, suppressions, recipients and their preferences, categories, the public unsubscribe
 * link and preference page, topics, providers (with the Slack allow-list and Twilio's status
 * callbacks), dead letters, workflows with their runs and triggers.
 */
export const managementRoutes: ApiRoute[] = [
  ...webhookRoutes,
  ...suppressionRoutes,
  ...recipientRoutes,
  ...topicRoutes,
  ...categoryRoutes,
  ...preferenceRoutes,
  ...unsubscribeRoutes,
  ...twilioStatusRoutes,
  ...slackAllowListRoutes,
  ...providerRoutes,
  ...dlqRoutes,
  ...workflowRoutes,
];
