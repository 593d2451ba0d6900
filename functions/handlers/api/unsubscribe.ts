import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  oneClickUnsubscribe,
  type PageChoice,
  savePageChoice,
} from '../../core/recipients/unsubscribe';
import type { UnsubscribeClaims } from '../../core/recipients/unsubscribe-token';
import { CHANNELS, type Channel } from '../../core/shared/vocabulary';
import { UNSUBSCRIBE_PATH, unsubscribeLinks } from '../../runtime/unsubscribe-links';
import { type ApiRoute, logger } from './context';
import { donePage, PAGE_HEADERS, preferencePage, problemPage } from './preference-page';
import { categories, recipients } from './stores';

/*
 * The link in every email of a non-critical category: GET shows the recipient's preference page,
 * POST with RFC 8058's `List-Unsubscribe=One-Click` turns that category off for email, POST from
 * the page saves its form. No API key: the signed token in the link is the only credential, and
 * a forged, altered or expired one changes nothing (4xx).
 */

const links = unsubscribeLinks();

const tokenQuery = z.object({
  token: z.string().check(z.minLength(1), z.describe('the signed token from the email')),
});

const PROBLEMS = {
  malformed: { status: 400, message: 'The link is incomplete. Open it from the email again.' },
  bad_signature: { status: 403, message: 'The link was changed or is not one Herald sent.' },
  expired: { status: 410, message: 'The link has expired. A newer email has a fresh one.' },
} as const;

const html = (statusCode: number, body: string): APIGatewayProxyResult => ({
  statusCode,
  headers: PAGE_HEADERS,
  body,
});

type Checked = { claims: UnsubscribeClaims } | { answer: APIGatewayProxyResult };

async function checked(event: APIGatewayProxyEvent): Promise<Checked> {
  if (!links) return { answer: html(404, problemPage('This deployment sends no such links.')) };
  const token = event.queryStringParameters?.token ?? '';
  const verified = await links.verify(token);
  if (!verified.ok) {
    const problem = PROBLEMS[verified.problem];
    logger.warn('unsubscribe link refused', { problem: verified.problem });
    return { answer: html(problem.status, problemPage(problem.message)) };
  }
  logger.appendKeys({ tenantId: verified.claims.tenantId });
  return { claims: verified.claims };
}

function formOf(event: APIGatewayProxyEvent): URLSearchParams {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return new URLSearchParams(text.slice(0, 20_000));
}

async function show(claims: UnsubscribeClaims, status?: string, statusCode = 200) {
  const [profile, all] = await Promise.all([
    recipients.get(claims.tenantId, claims.recipientId),
    categories.list(claims.tenantId),
  ]);
  if (!profile) return html(200, donePage('There is nothing left to unsubscribe from.'));
  return html(statusCode, preferencePage(profile, all, claims.maskedAddress, status));
}

const doc = {
  tag: 'recipients',
  query: tokenQuery,
};

export const unsubscribeRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: UNSUBSCRIBE_PATH,
    access: 'public',
    doc: {
      ...doc,
      summary: 'The preference page of an unsubscribe link (HTML)',
      responses: {
        200: { description: 'The recipient’s preference page (text/html)', schema: null },
        403: { description: 'A forged or altered link (text/html)', schema: null },
        410: { description: 'An expired link (text/html)', schema: null },
      },
    },
    handler: async (event) => {
      const result = await checked(event);
      return 'answer' in result ? result.answer : show(result.claims);
    },
  },
  {
    method: 'POST',
    path: UNSUBSCRIBE_PATH,
    access: 'public',
    doc: {
      ...doc,
      summary: 'One-click unsubscribe (RFC 8058), or save the preference page',
      description:
        'Body `List-Unsubscribe=One-Click` (form-encoded): the link’s category is turned off for email, from the next send on, and `recipient.unsubscribed` is emitted. From the page: `action=save|all_off`, `channel=<channel>`, `category=<key>:<channel>` for each box left on.',
      responses: {
        200: { description: 'Done (text/html)', schema: null },
        403: { description: 'A forged or altered link: nothing changed', schema: null },
        410: { description: 'An expired link: nothing changed', schema: null },
      },
    },
    handler: async (event) => {
      const result = await checked(event);
      if ('answer' in result) return result.answer;
      const { claims } = result;
      const form = formOf(event);
      const now = new Date().toISOString();
      if (form.get('List-Unsubscribe') === 'One-Click') {
        await oneClickUnsubscribe(recipients, claims, now);
        return html(200, donePage('You are unsubscribed. It applies from the next message.'));
      }
      const action = form.get('action');
      if (action !== 'save' && action !== 'all_off') {
        return html(400, problemPage('Nothing to do: use the buttons on the page.'));
      }
      const choice: PageChoice = {
        allOff: action === 'all_off',
        channels: new Set(
          form
            .getAll('channel')
            .filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c)),
        ),
        categories: new Set(form.getAll('category')),
      };
      await savePageChoice(recipients, claims, await categories.list(claims.tenantId), choice, now);
      return show(
        claims,
        choice.allOff ? 'You will get nothing more but critical messages.' : 'Saved.',
      );
    },
  },
];
