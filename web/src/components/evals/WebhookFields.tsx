/** The form of a webhook evaluator: where Loupe POSTs the trace, and how it signs it. */
import type { WebhookDraft } from '../../lib/webhook-draft.ts';
import { FieldError } from './common.tsx';

interface Props {
  draft: WebhookDraft;
  secret: string;
  /** The evaluator already has a secret (editing): an empty field keeps it. */
  hasSecret: boolean;
  errors: Record<string, string>;
  onChange(draft: WebhookDraft): void;
  onSecret(secret: string): void;
}

export function WebhookFields({ draft, secret, hasSecret, errors, onChange, onSecret }: Props) {
  return (
    <fieldset className="form-section">
      <legend>Webhook</legend>
      <div className="form-grid">
        <label className="field wide">
          <span className="field-label">
            URL<span className="required"> *</span>
          </span>
          <input className="mono" type="url" value={draft.url} onChange={(e) => onChange({ ...draft, url: e.target.value })} placeholder="https://evals.example.com/loupe" aria-label="Webhook URL" />
          <span className="field-help">HTTPS (plain http only to localhost, for local development).</span>
          <FieldError text={errors.url} />
        </label>
        <label className="field">
          <span className="field-label">Timeout (ms)</span>
          <input value={draft.timeout_ms} onChange={(e) => onChange({ ...draft, timeout_ms: e.target.value })} inputMode="numeric" aria-label="Webhook timeout" />
          <FieldError text={errors.timeout_ms} />
        </label>
        <label className="field">
          <span className="field-label">Signing secret</span>
          <input type="password" autoComplete="off" value={secret} onChange={(e) => onSecret(e.target.value)} placeholder={hasSecret ? 'set — leave empty to keep it' : 'empty: Loupe makes one'} aria-label="Signing secret" />
          <span className="field-help">At least 16 characters. Stored encrypted; a generated one is shown once, after saving. Trying an unsaved webhook signs with the secret typed here (unsigned without one).</span>
          <FieldError text={errors.secret} />
        </label>
        <label className="field wide">
          <span className="field-label">Extra headers</span>
          <textarea className="mono" rows={2} value={draft.headers} onChange={(e) => onChange({ ...draft, headers: e.target.value })} placeholder="x-team: support" aria-label="Extra headers" spellCheck={false} />
          <span className="field-help">One "Name: value" per line; not secret (they are shown here).</span>
          <FieldError text={errors.headers} />
        </label>
      </div>
      <p className="field-help">
        Loupe POSTs <code>{'{evaluator, project_id, trace, spans, feedback, span_id}'}</code> with <code>x-loupe-signature: t=…,v1=…</code> (HMAC-SHA256 of <code>{'"<t>.<body>"'}</code>) and <code>x-loupe-delivery</code> (the
        same on retries), and stores the answer <code>{'{"score": number|boolean, "value": …, "comment": "…"}'}</code>. 429 and 5xx are retried.
      </p>
    </fieldset>
  );
}
