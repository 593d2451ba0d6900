import { createHash } from 'node:crypto';
import type { RecipientProfile } from '../../core/recipients/model';
import type { Category } from '../../core/recipients/preferences';
import { pageOptions } from '../../core/recipients/unsubscribe';
import type { Channel } from '../../core/shared/vocabulary';

/*
 * The preference page a one-click link opens: server-rendered HTML, a plain form (no script),
 * labelled controls in fieldsets, one inline style sheet allowed by its hash and nothing else
 * (strict CSP). It shows that recipient's preferences and masked address, nothing more.
 */

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:36rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;border:1px solid #d0d4da}
h1{font-size:1.4rem;margin-top:0}fieldset{border:1px solid #d0d4da;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}label{display:block;margin:.35rem 0}input{margin-right:.5rem;width:1.1rem;height:1.1rem;vertical-align:-.2rem}
p.note{color:#4a525c;font-size:.9rem;margin:.25rem 0}.status{background:#e7f5ea;border:1px solid #7fbf8e;padding:.5rem 1rem;border-radius:6px}
.error{background:#fdecec;border-color:#d98c8c}button{font:inherit;padding:.5rem 1rem;margin:.5rem .5rem 0 0;border-radius:6px;border:1px solid #1b1f24;background:#1b1f24;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1b1f24}button:focus,input:focus{outline:3px solid #2f6fd6;outline-offset:2px}`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** As strict as the console's: no script at all, the one style sheet by hash, forms to itself. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const LABELS: Record<Channel, string> = {
  email: 'Email',
  sms: 'Text messages (SMS)',
  whatsapp: 'WhatsApp',
  push: 'Push notifications',
  slack: 'Slack',
  mqtt: 'Devices (MQTT)',
};

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

const box = (name: string, value: string, checked: boolean, label: string) =>
  `<label><input type="checkbox" name="${name}" value="${escapeHtml(value)}"${checked ? ' checked' : ''}>${escapeHtml(label)}</label>`;

/** The page for one recipient: their channels, the tenant's categories, a save and an all-off. */
export function preferencePage(
  profile: RecipientProfile,
  categories: readonly Category[],
  maskedAddress: string,
  status?: string,
): string {
  const { channels, categories: optional } = pageOptions(profile, categories);
  const prefs = profile.preferences;
  const channelBoxes = channels
    .map((c) => box('channel', c, prefs.channels?.[c] !== false, LABELS[c]))
    .join('');
  const categorySets = optional
    .map((category) => {
      const own = prefs.categories?.[category.key] ?? {};
      const boxes = channels
        .map((c) => {
          const on =
            own.all !== false &&
            own[c] !== false &&
            (category.defaults[c] !== false || own[c] === true);
          return box('category', `${category.key}:${c}`, on, LABELS[c]);
        })
        .join('');
      const description = category.description
        ? `<p class="note">${escapeHtml(category.description)}</p>`
        : '';
      return `<fieldset><legend>${escapeHtml(category.name)}</legend>${description}${boxes}</fieldset>`;
    })
    .join('');
  const critical = categories.filter((c) => c.critical);
  const always =
    critical.length > 0
      ? `<p class="note">Always sent, whatever you choose here: ${critical.map((c) => escapeHtml(c.name)).join(', ')}.</p>`
      : '';
  const notice = status ? `<p class="status" role="status">${escapeHtml(status)}</p>` : '';
  return page(
    'Notification preferences',
    `<h1>Notification preferences</h1><p>For <strong>${escapeHtml(maskedAddress)}</strong>.</p>${notice}
<form method="post"><fieldset><legend>Channels</legend>${channelBoxes}</fieldset>${categorySets}${always}
<button type="submit" name="action" value="save">Save preferences</button><button type="submit" name="action" value="all_off" class="secondary">Unsubscribe from everything</button></form>`,
  );
}

/** A link that cannot be used: says why in words, changes nothing. */
export function problemPage(message: string): string {
  return page(
    'Link not valid',
    `<h1>This link cannot be used</h1><p class="status error" role="alert">${escapeHtml(message)}</p>`,
  );
}

/** After a one-click POST, or for an erased recipient. */
export function donePage(message: string): string {
  return page(
    'Preferences',
    `<h1>Notification preferences</h1><p class="status" role="status">${escapeHtml(message)}</p>`,
  );
}
