/**
 * A span's input or output rendered for people: a conversation as chat messages (with
 * tool calls and results), text as safe markdown, anything else as a JSON tree. "Raw"
 * shows the exact JSON.
 */
import { useEffect, useMemo, useState } from 'react';
import { toConversation, type ChatMessage, type MessagePart } from '../../../../schema/payload/messages.ts';
import { JsonView } from '../JsonView.tsx';
import { Markdown } from '../Markdown.tsx';
import { FoldText } from '../FoldText.tsx';
import { inlineImage, isSafeUrl } from '../../lib/safe-url.ts';

/** Text (markdown, folded when long), a conversation, or JSON. */
export function Payload({ value, title, kind }: { value: unknown; title: string; kind?: string }) {
  const [raw, setRaw] = useState(false);
  const conversation = useMemo(() => (kind === 'tool' ? null : toConversation(value)), [value, kind]);
  if (value === undefined || value === null) return null;
  const isText = typeof value === 'string';
  return (
    <section className="payload" aria-label={title}>
      <header className="payload-head">
        <h3>{title}</h3>
        {!isText && (
          <button type="button" className="link" onClick={() => setRaw(!raw)} aria-pressed={raw}>
            {raw ? 'Formatted' : 'Raw'}
          </button>
        )}
      </header>
      {raw ? (
        <pre className="raw-json">{JSON.stringify(value, null, 2)}</pre>
      ) : isText ? (
        <TextBlock text={value} />
      ) : conversation ? (
        <Messages messages={conversation} />
      ) : (
        <JsonView value={value} />
      )}
    </section>
  );
}

/** Markdown text, folded when long (`short` folds sooner, for system prompts). */
export function TextBlock({ text, short }: { text: string; short?: boolean }) {
  return <FoldText text={text} render={(t) => <Markdown text={t} />} {...(short ? { chars: 400, lines: 6 } : {})} />;
}

/** A conversation, one bubble per message, labelled by role. */
export function Messages({ messages }: { messages: ChatMessage[] }) {
  return (
    <ol className="messages">
      {messages.map((m, i) => (
        <li key={i} className={`message role-${m.role}`}>
          <div className="message-role">
            {m.role}
            {m.name && m.role !== 'tool' ? <span className="message-name"> · {m.name}</span> : null}
          </div>
          {m.parts.length === 0 ? <div className="muted">(empty)</div> : m.parts.map((p, j) => <Part key={j} part={p} short={m.role === 'system' || m.role === 'developer'} />)}
        </li>
      ))}
    </ol>
  );
}

/** One part of a message. System prompts fold early: they are long and the same in every turn. */
function Part({ part, short }: { part: MessagePart; short?: boolean }) {
  switch (part.type) {
    case 'text':
      return <TextBlock text={part.text} short={short} />;
    case 'tool_call':
      return (
        <div className="tool-call">
          <div className="tool-head">
            <span className="badge kind-tool">tool call</span> <code className="tool-name">{part.name}</code>
            {part.id && <span className="muted small"> {part.id}</span>}
          </div>
          <ToolValue value={part.arguments} />
        </div>
      );
    case 'tool_result':
      return (
        <div className="tool-result">
          <div className="tool-head">
            <span className="badge">result</span> {part.name && <code className="tool-name">{part.name}</code>}
            {part.id && <span className="muted small"> {part.id}</span>}
          </div>
          <ToolValue value={part.content} />
        </div>
      );
    case 'image':
      return <MessageImage url={part.url} />;
    default:
      return <JsonView value={part.value} openDepth={1} />;
  }
}

/**
 * An image a message carried. A web URL loads as an image; a base64 raster data: URL is
 * decoded into a blob: URL (lib/safe-url.ts: no data: URL reaches the document); anything
 * else (javascript:, an SVG data: URL, a typo) is shown as its text.
 */
function MessageImage({ url }: { url: string }) {
  const inline = useMemo(() => inlineImage(url), [url]);
  const [blobUrl, setBlobUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!inline) return;
    const made = URL.createObjectURL(new Blob([inline.bytes as BlobPart], { type: inline.type }));
    setBlobUrl(made);
    return () => {
      URL.revokeObjectURL(made);
      setBlobUrl(null);
    };
  }, [inline]);
  const src = blobUrl ?? (/^https?:/i.test(url.trim()) && isSafeUrl(url) ? url.trim() : null);
  if (src) return <img className="message-image" src={src} alt="" loading="lazy" referrerPolicy="no-referrer" />;
  if (inline) return null;
  return (
    <div className="message-image-url muted small">
      image: <code>{url.length > 200 ? `${url.slice(0, 200)}…` : url}</code>
    </div>
  );
}

/** Tool arguments and results: JSON text is shown as a tree, other text as text. */
export function ToolValue({ value }: { value: unknown }) {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
      try {
        return <JsonView value={JSON.parse(trimmed)} />;
      } catch {
        // not JSON after all: show as text
      }
    }
    return <TextBlock text={value} />;
  }
  if (value === undefined || value === null) return <div className="muted small">(none)</div>;
  return <JsonView value={value} />;
}
