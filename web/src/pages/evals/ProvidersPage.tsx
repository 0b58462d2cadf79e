/**
 * /providers: the LLM provider connections judges call (OpenAI-compatible, Anthropic,
 * Workers AI) and the project's daily judge budget. Keys are write-only: the list shows
 * whether a key is set, never the key. Owners and admins change these; other roles read
 * the budget and get a clear 403 for providers.
 */
import { useState, type FormEvent } from 'react';
import type { ProviderOut } from '../../../../schema/wire/providers.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { Problem } from '../../components/Problem.tsx';
import { DeleteButton } from '../../components/DeleteButton.tsx';
import { FieldError, ReadOnlyNote, useCanManage } from '../../components/evals/common.tsx';
import { BudgetSection } from '../../components/evals/BudgetSection.tsx';
import { formatAgo } from '../../lib/format.ts';

type ProviderType = ProviderOut['type'];

const TYPES: { type: ProviderType; label: string; model: string; baseUrl: string; help: string }[] = [
  {
    type: 'openai',
    label: 'OpenAI-compatible',
    model: 'gpt-4o-mini',
    baseUrl: 'https://api.openai.com/v1',
    help: 'Any chat completions server: OpenAI, vLLM, Ollama (http://localhost:11434/v1), OpenRouter, LiteLLM. Base URL up to /v1.',
  },
  { type: 'anthropic', label: 'Anthropic', model: 'claude-sonnet-4-5', baseUrl: 'https://api.anthropic.com', help: 'The Messages API (or a gateway that speaks it).' },
  {
    type: 'workers_ai',
    label: 'Workers AI',
    model: '@cf/meta/llama-3.3-70b-instruct-fp8-fast',
    baseUrl: '',
    help: "The Worker's AI binding: no key or URL. It works once deployed; a local wrangler dev has no AI binding, so judges using it report that.",
  },
];
const typeInfo = (t: ProviderType) => TYPES.find((x) => x.type === t)!;

export function ProvidersPage() {
  const canEdit = useCanManage();
  return (
    <div className="page narrow-page providers-page">
      <h1>Providers and judge budget</h1>
      <p className="muted">
        LLM judges call these connections. A key is stored encrypted (AES-GCM) and never shown again: the list only says whether one is set.
      </p>
      {!canEdit && <ReadOnlyNote what="the judge budget" />}
      <ProvidersSection canEdit={canEdit} />
      <BudgetSection canEdit={canEdit} />
    </div>
  );
}

function ProvidersSection({ canEdit }: { canEdit: boolean }) {
  const list = useApi<{ providers: ProviderOut[] }>('/v1/providers');
  const [editing, setEditing] = useState<string | null>(null);
  const action = useAction();
  const forbidden = list.error instanceof ApiError && list.error.status === 403;
  return (
    <section className="card" aria-labelledby="providers-h">
      <div className="card-head">
        <h2 id="providers-h">LLM providers</h2>
        {canEdit && editing !== 'new' && (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            Add provider
          </button>
        )}
      </div>
      {forbidden ? (
        <p className="notice forbidden" role="alert">
          Not allowed (403): provider connections hold secrets, so only owners and admins see them. {list.error!.message}
        </p>
      ) : (
        <Problem error={list.error} />
      )}
      {editing === 'new' && (
        <ProviderForm
          onDone={(saved) => {
            setEditing(null);
            if (saved) list.reload();
          }}
        />
      )}
      {list.data && list.data.providers.length === 0 && editing !== 'new' && <p className="muted">No providers yet. Add one to use LLM judges; code checks and webhooks need none.</p>}
      {list.data && list.data.providers.length > 0 && (
        <div className="table-wrap">
          <table className="plain">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th className="hide-narrow">Base URL</th>
                <th>Default model</th>
                <th>Key</th>
                <th className="hide-narrow">Updated</th>
                {canEdit && <th />}
              </tr>
            </thead>
            <tbody>
              {list.data.providers.map((p) =>
                editing === p.id ? (
                  <tr key={p.id}>
                    <td colSpan={canEdit ? 7 : 6}>
                      <ProviderForm
                        provider={p}
                        onDone={(saved) => {
                          setEditing(null);
                          if (saved) list.reload();
                        }}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={p.id} data-provider={p.name}>
                    <td>
                      <strong>{p.name}</strong>
                      <div className="muted small mono">{p.id}</div>
                    </td>
                    <td>{typeInfo(p.type).label}</td>
                    <td className="hide-narrow mono small">{p.base_url ?? (p.type === 'workers_ai' ? '—' : <span className="muted">{typeInfo(p.type).baseUrl}</span>)}</td>
                    <td className="mono small">{p.default_model ?? <span className="muted">none</span>}</td>
                    <td>{p.type === 'workers_ai' ? <span className="muted">binding</span> : p.has_api_key ? <span className="key-set">set</span> : <span className="muted">none</span>}</td>
                    <td className="hide-narrow">{formatAgo(p.updated_at)}</td>
                    {canEdit && (
                      <td className="row-actions">
                        <button type="button" className="button subtle" onClick={() => setEditing(p.id)}>
                          Edit
                        </button>
                        <DeleteButton action={action} path={`/v1/providers/${p.id}`} question={`Delete the provider "${p.name}"? Its key is erased; judges using it fail until they get another provider.`} then={list.reload} />
                      </td>
                    )}
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
      <Problem error={action.error} />
    </section>
  );
}

interface PriceRow {
  model: string;
  input: string;
  output: string;
}

/** Create or edit one provider. The key field is write-only: empty keeps the stored key. */
function ProviderForm({ provider, onDone }: { provider?: ProviderOut; onDone(saved: boolean): void }) {
  const [type, setType] = useState<ProviderType>(provider?.type ?? 'openai');
  const [name, setName] = useState(provider?.name ?? '');
  const [baseUrl, setBaseUrl] = useState(provider?.base_url ?? '');
  const [model, setModel] = useState(provider?.default_model ?? '');
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [concurrency, setConcurrency] = useState(String(provider?.options.max_concurrency ?? 4));
  const [structured, setStructured] = useState(provider?.options.structured_output ?? 'json_schema');
  const [prices, setPrices] = useState<PriceRow[]>(
    Object.entries(provider?.options.prices ?? {}).map(([m, p]) => ({ model: m, input: String(p.input_usd_per_mtok), output: String(p.output_usd_per_mtok) })),
  );
  const action = useAction();
  const info = typeInfo(type);
  const err = action.error instanceof ApiError ? action.error : null;
  const fieldError = (field: string) => (err?.path === field || err?.path?.startsWith(`${field}.`) ? err.message : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const priceMap = Object.fromEntries(prices.filter((p) => p.model.trim()).map((p) => [p.model.trim(), { input_usd_per_mtok: Number(p.input || 0), output_usd_per_mtok: Number(p.output || 0) }]));
    const options = { max_concurrency: Number(concurrency), prices: priceMap, ...(type === 'openai' ? { structured_output: structured } : {}) };
    const body: Record<string, unknown> = { name: name.trim(), options };
    // An edit sends only what changed, so renaming never re-checks an untouched URL or key.
    const changed = (now: string, before: string | null | undefined) => (provider ? (now.trim() || null) !== (before ?? null) : now.trim() !== '');
    if (type !== 'workers_ai' && changed(baseUrl, provider?.base_url)) body.base_url = baseUrl.trim() || null;
    if (changed(model, provider?.default_model)) body.default_model = model.trim() || null;
    if (apiKey) body.api_key = apiKey;
    else if (provider && removeKey) body.api_key = null;
    const saved = await action.run(() => (provider ? api(`/v1/providers/${provider.id}`, { method: 'PATCH', body }) : api('/v1/providers', { body: { ...body, type } })));
    if (saved) onDone(true);
  };

  return (
    <form className="stack-form provider-form" onSubmit={submit} aria-label={provider ? `Edit provider ${provider.name}` : 'Add provider'}>
      <div className="form-grid">
        <label>
          Type
          <select value={type} disabled={!!provider} onChange={(e) => setType(e.target.value as ProviderType)} aria-label="Provider type">
            {TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} maxLength={128} placeholder={info.label} aria-label="Provider name" />
          <FieldError text={fieldError('name')} />
        </label>
        {type !== 'workers_ai' && (
          <label>
            Base URL
            <input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder={info.baseUrl} aria-label="Base URL" />
            <FieldError text={fieldError('base_url')} />
          </label>
        )}
        <label>
          Default model
          <input value={model} onChange={(e) => setModel(e.target.value)} placeholder={info.model} aria-label="Default model" />
          <FieldError text={fieldError('default_model')} />
        </label>
        {type !== 'workers_ai' && (
          <label>
            API key
            <input
              type="password"
              autoComplete="off"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              placeholder={provider?.has_api_key ? 'set — leave empty to keep it' : 'sk-…'}
              aria-label="API key"
            />
            <FieldError text={fieldError('api_key')} />
            {provider?.has_api_key && (
              <span className="check small">
                <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} disabled={!!apiKey} aria-label="Remove the stored key" /> remove the stored key
              </span>
            )}
          </label>
        )}
      </div>
      <p className="muted small">{info.help}</p>
      <details>
        <summary>Concurrency and prices</summary>
        <div className="form-grid">
          <label>
            Judge calls in flight (1–6)
            <input type="number" min={1} max={6} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} aria-label="Max concurrency" />
          </label>
          {type === 'openai' && (
            <label>
              Structured output
              <select value={structured} onChange={(e) => setStructured(e.target.value as 'json_schema' | 'json_object')} aria-label="Structured output">
                <option value="json_schema">json_schema (OpenAI, vLLM, most servers)</option>
                <option value="json_object">json_object (servers without json_schema)</option>
              </select>
            </label>
          )}
        </div>
        <p className="muted small">Prices (USD per million tokens) let the daily spend cap count this provider's cost; without them only calls are counted.</p>
        {prices.map((p, i) => (
          <div className="inline-form" key={i}>
            <input value={p.model} placeholder="model" aria-label={`Price ${i + 1} model`} onChange={(e) => setPrices(prices.map((x, j) => (j === i ? { ...x, model: e.target.value } : x)))} />
            <input value={p.input} placeholder="input $/M" inputMode="decimal" size={8} aria-label={`Price ${i + 1} input`} onChange={(e) => setPrices(prices.map((x, j) => (j === i ? { ...x, input: e.target.value } : x)))} />
            <input value={p.output} placeholder="output $/M" inputMode="decimal" size={8} aria-label={`Price ${i + 1} output`} onChange={(e) => setPrices(prices.map((x, j) => (j === i ? { ...x, output: e.target.value } : x)))} />
            <button type="button" className="button subtle" onClick={() => setPrices(prices.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="link" onClick={() => setPrices([...prices, { model: model || info.model, input: '', output: '' }])}>
          + price for a model
        </button>
        <FieldError text={fieldError('options')} />
      </details>
      {err && !['name', 'base_url', 'default_model', 'api_key'].some((f) => fieldError(f)) ? <Problem error={err} /> : action.error && !err ? <Problem error={action.error} /> : null}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={action.busy}>
          {provider ? 'Save provider' : 'Add provider'}
        </button>
        <button type="button" className="button subtle" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
