/**
 * The browser side of the hostile-content test: an init script (run in every frame before
 * any of the page's scripts) that defines the `__xss` hook the corpus payloads call, and a
 * MutationObserver that reports every element attached to the live document that could run
 * script: an on* attribute, a javascript:/data:/vbscript: URL in a URL attribute, a srcdoc,
 * a <script> that is not the app's bundle, a frame/object/embed/base/meta-refresh element,
 * or a style with expression() or a javascript:/data: url(). Reports go to Node through
 * `exposeBinding`, so a payload that runs during a navigation is still counted.
 */
import type { BrowserContext } from 'playwright-core';

/** Something that must never happen in a view. */
export interface XssHit {
  kind: 'ran' | 'dialog' | 'script' | 'element' | 'handler' | 'url' | 'srcdoc' | 'style';
  detail: string;
  at: string;
}

/**
 * Runs in the page. Kept as a function (stringified by playwright) with no closure.
 * Elements the parser adds while the served index.html is still loading (the bundle's
 * <script>, the data: favicon) are the app's own; anything after that came from rendering.
 */
function watch() {
  const w = window as any;
  const report = (kind: string, detail: string) => {
    try {
      w.__xssReport({ kind, detail: String(detail).slice(0, 400), at: location.pathname + location.search });
    } catch {
      // the binding is gone while the page unloads: nothing to report to
    }
  };
  Object.defineProperty(w, '__xss', { value: (n: unknown) => report('ran', `payload ${n}`), configurable: false, writable: false });
  const URL_ATTRS = new Set(['href', 'src', 'xlink:href', 'action', 'formaction', 'data', 'poster', 'background', 'ping', 'cite', 'lowsrc', 'dynsrc', 'codebase', 'longdesc', 'usemap', 'manifest']);
  const FRAMES = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'portal']);
  // Browsers drop ASCII whitespace and control characters inside a scheme ("jav\tascript:").
  const scheme = (v: string) => v.replace(/[\u0000-\u0020]+/g, '').toLowerCase();
  const badUrl = (v: string) => /^(javascript|data|vbscript):/.test(scheme(v));
  const check = (el: Element) => {
    if (el.hasAttribute('data-xss-probe')) return;
    const parsing = document.readyState === 'loading';
    const tag = el.localName;
    const html = () => el.outerHTML.slice(0, 400);
    if (tag === 'script' && !parsing && !((el as HTMLScriptElement).src || '').startsWith(`${location.origin}/assets/`)) report('script', html());
    if (FRAMES.has(tag)) report('element', html());
    if (tag === 'meta' && el.hasAttribute('http-equiv') && !parsing) report('element', html());
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) report('handler', html());
      else if (name === 'srcdoc') report('srcdoc', html());
      else if (URL_ATTRS.has(name) && badUrl(a.value) && !(parsing && tag === 'link')) report('url', html());
      else if (name === 'srcset' && /(javascript|data|vbscript):/.test(scheme(a.value))) report('url', html());
      else if (name === 'style' && /expression\(|javascript:|url\(\s*['"]?\s*(data|javascript|vbscript):/.test(scheme(a.value))) report('style', html());
    }
  };
  const walk = (node: Node) => {
    if (node.nodeType !== 1) return;
    const el = node as Element;
    check(el);
    for (const child of Array.from(el.querySelectorAll('*'))) check(child);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') walk(r.target);
      else r.addedNodes.forEach(walk);
    }
  }).observe(document, { subtree: true, childList: true, attributes: true });
  // A full pass, for a test to call at the end of a view (catches nothing the observer
  // missed unless the observer itself is broken: a cheap second opinion).
  w.__xssScan = () => walk(document.documentElement);
}

/** Installs the watch in every page and frame of the context; hits land in the array returned. */
export async function watchForXss(context: BrowserContext): Promise<XssHit[]> {
  const hits: XssHit[] = [];
  await context.exposeBinding('__xssReport', (_source, hit: XssHit) => {
    hits.push(hit);
  });
  await context.addInitScript(watch);
  context.on('page', (page) => page.on('dialog', (d) => {
    hits.push({ kind: 'dialog', detail: d.message(), at: page.url() });
    void d.dismiss();
  }));
  return hits;
}

/** Strips the Content-Security-Policy from every document the context loads, so only the sanitizer stands. */
export async function withoutCsp(context: BrowserContext): Promise<void> {
  await context.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    const headers = { ...response.headers() };
    for (const name of Object.keys(headers)) if (name.toLowerCase().startsWith('content-security-policy')) delete headers[name];
    return route.fulfill({ response, headers });
  });
}
