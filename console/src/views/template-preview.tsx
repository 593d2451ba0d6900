import { useEffect, useRef, useState } from 'preact/hooks';
import type { Channel } from '../api';
import type { Rendered } from '../template-api';

/*
 * The rendered content of each channel. The email's HTML goes into a sandboxed frame: no scripts
 * (no allow-scripts), no navigation of the console, no forms. A srcdoc frame lives under the
 * console's own CSP, which refuses inline styles and remote images: the email's style attributes
 * and <style> blocks are taken out before it is shown and applied through the CSSOM afterwards
 * (style values, not markup), and remote images stay unloaded, which a preview should do anyway.
 * The console reads the frame (allow-same-origin) to apply them; nothing in the frame can run.
 */

interface Prepared {
  html: string;
  inline: string[];
  sheets: string[];
}

const STYLE_ATTRIBUTE = /\sstyle\s*=\s*("[^"]*"|'[^']*')/gi;
const STYLE_BLOCK = /<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi;
const LINK_TAG = /<link\b[^>]*>/gi;

/** Undoes the HTML escaping of an attribute value (`&quot;` in a font list, `&amp;`). */
function attributeValue(quoted: string): string {
  const area = document.createElement('textarea');
  area.innerHTML = quoted.slice(1, -1);
  return area.value;
}

/**
 * The email without its styles (each style attribute becomes a numbered marker, each <style>
 * block and <link> goes), and the styles to apply once it is in the frame. Done on the text, not
 * by parsing it here: a parse in the console's document would meet its CSP.
 */
function prepare(html: string): Prepared {
  const sheets: string[] = [];
  const inline: string[] = [];
  const stripped = html
    .replace(STYLE_BLOCK, (_block, css: string) => {
      sheets.push(css);
      return '';
    })
    .replace(LINK_TAG, '')
    .replace(STYLE_ATTRIBUTE, (_attribute, quoted: string) => {
      inline.push(attributeValue(quoted));
      return ` data-herald-style="${inline.length - 1}"`;
    });
  return { html: stripped, inline, sheets };
}

function applyStyles(frame: HTMLIFrameElement, prepared: Prepared): void {
  const doc = frame.contentDocument;
  const view = frame.contentWindow as (Window & typeof globalThis) | null;
  if (!doc || !view) return;
  for (const el of doc.querySelectorAll<HTMLElement>('[data-herald-style]')) {
    el.style.cssText = prepared.inline[Number(el.dataset.heraldStyle)] ?? '';
  }
  const sheets: CSSStyleSheet[] = [];
  for (const text of prepared.sheets) {
    const sheet = new view.CSSStyleSheet();
    try {
      // @import (web fonts) is not followed by a constructed sheet: the rest applies.
      sheet.replaceSync(text.replace(/@import[^;]+;/g, ''));
      sheets.push(sheet);
    } catch {
      // A sheet the browser cannot parse is left out, as a mail client would.
    }
  }
  doc.adoptedStyleSheets = sheets;
}

export function EmailFrame({ html, title }: { html: string; title: string }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [prepared, setPrepared] = useState<Prepared>(() => prepare(html));
  useEffect(() => setPrepared(prepare(html)), [html]);
  return (
    <iframe
      ref={frame}
      class="email-frame"
      title={title}
      // Same origin only so the console can apply the styles; nothing in it can run.
      sandbox="allow-same-origin"
      srcdoc={prepared.html}
      onLoad={() => frame.current && applyStyles(frame.current, prepared)}
    />
  );
}

const FIELD_LABELS: Record<string, string> = {
  subject: 'Subject',
  text: 'Text',
  title: 'Title',
  body: 'Body',
  payload: 'Payload',
  contentSid: 'Content SID',
};

function Value({ value }: { value: unknown }) {
  if (typeof value === 'string') return <pre class="preview-text">{value}</pre>;
  return <pre class="preview-text">{JSON.stringify(value, null, 2)}</pre>;
}

/** Every rendered channel, one tab each. */
export function RenderedChannels({ rendered }: { rendered: Rendered }) {
  const channels = Object.keys(rendered.content) as Channel[];
  const [picked, setPicked] = useState<Channel | undefined>(undefined);
  const channel = picked && channels.includes(picked) ? picked : channels[0];
  if (!channel) return <p class="hint">The template renders no channel.</p>;
  const content = rendered.content[channel] ?? {};
  return (
    <div class="preview">
      <div role="tablist" aria-label="Channels" class="tabs">
        {channels.map((c) => (
          <button
            key={c}
            type="button"
            role="tab"
            aria-selected={c === channel}
            onClick={() => setPicked(c)}
          >
            {c}
            <span class="muted"> · {rendered.locales[c]}</span>
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={`${channel} preview`} class="preview-panel">
        {Object.entries(content).map(([field, value]) =>
          field === 'html' && typeof value === 'string' ? (
            <div key={field}>
              <h4>HTML</h4>
              <EmailFrame html={value} title={`Email preview (${rendered.locales[channel]})`} />
            </div>
          ) : (
            <div key={field}>
              <h4>{FIELD_LABELS[field] ?? field}</h4>
              <Value value={value} />
            </div>
          ),
        )}
      </div>
    </div>
  );
}
