/**
 * Markdown for untrusted text (LLM outputs, tool results, user messages): marked renders
 * it, DOMPurify removes everything that could run (script, event handlers, javascript:
 * URLs, forms, styles), and links open in a new tab without a referrer. Raw HTML in the
 * text survives only as the sanitized markup DOMPurify allows. DOMPurify keeps data: URLs
 * on images (and has no option to stop that), so a hook drops every URL that is not
 * http(s), mailto or relative (lib/safe-url.ts): an SVG in a data: URL carries script.
 */
import { Marked } from 'marked';
import DOMPurify from 'dompurify';
import { isSafeUrl } from './safe-url.ts';

/** Attributes holding a URL the browser may fetch or navigate to. */
const URL_ATTRS = ['href', 'src', 'xlink:href', 'action', 'formaction', 'poster', 'background', 'cite', 'longdesc'];

const marked = new Marked({ gfm: true, breaks: true, async: false });

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    for (const name of URL_ATTRS) {
      const value = node.getAttribute(name);
      if (value !== null && !isSafeUrl(value)) node.removeAttribute(name);
    }
    node.removeAttribute('srcset');
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    if (node.tagName === 'IMG') {
      node.setAttribute('loading', 'lazy');
      node.setAttribute('referrerpolicy', 'no-referrer');
    }
  });
}

/** Sanitized HTML for a markdown string. */
export function renderMarkdown(text: string): string {
  installHooks();
  const html = marked.parse(text) as string;
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'object', 'embed', 'svg', 'math'],
    FORBID_ATTR: ['style', 'class', 'id'],
  });
}

/** Whether text looks like markdown worth rendering (else it is shown as plain pre-wrapped text). */
export function looksLikeMarkdown(text: string): boolean {
  return /(^|\n)\s{0,3}(#{1,6}\s|[-*+]\s|\d+\.\s|>\s|```)|\*\*[^*]+\*\*|`[^`]+`|\[[^\]]+\]\([^)]+\)|<[a-z][^>]*>/i.test(text);
}
