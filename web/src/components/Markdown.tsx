/** Untrusted text as sanitized markdown (see lib/markdown.ts), or plain text when it has no markup. */
import { useMemo } from 'react';
import { looksLikeMarkdown, renderMarkdown } from '../lib/markdown.ts';

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => (looksLikeMarkdown(text) ? renderMarkdown(text) : null), [text]);
  if (html === null) return <div className="plain-text">{text}</div>;
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
