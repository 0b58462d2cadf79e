/**
 * A secret shown once (a new API key, an invite link): what it is, then the value in a
 * read-only field with a copy button. The API never shows it again.
 */
import { useState, type ReactNode } from 'react';

/** The sentence `children` says about the secret, and the secret to copy. */
export function SecretOnce({ value, label, children }: { value: string; label: string; children: ReactNode }) {
  return (
    <div className="secret-once" role="status">
      <p>{children}</p>
      <CopyField value={value} label={label} />
    </div>
  );
}

/** The value, selected on focus, and a Copy button that says when it copied. */
function CopyField({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-field">
      <input readOnly value={value} aria-label={label} onFocus={(e) => e.currentTarget.select()} className="mono" />
      <button
        type="button"
        className="button"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true));
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
