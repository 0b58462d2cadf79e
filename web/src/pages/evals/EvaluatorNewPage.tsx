/**
 * /evaluators/new: start from a template (GET /v1/evaluator-templates: ready-made judges
 * and code checks, each with its variables, output contract and what the trace must
 * carry), or from a blank code check, judge or webhook; then edit, try and create it.
 * ?template=<id> or ?kind=code|judge|webhook picks the start, so a start can be linked.
 */
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { EvaluatorTemplate, JudgeOutput } from '../../../../schema/wire/evaluators.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { InlineCode } from '../../components/InlineCode.tsx';
import { EvaluatorEditor, type EditorStart } from '../../components/evals/EvaluatorEditor.tsx';
import { KindBadge, ReadOnlyNote, useCanManage } from '../../components/evals/common.tsx';
import { checkSpec } from '../../lib/check-fields.ts';
import { describeOutput, describeSource } from '../../lib/judge-draft.ts';

/** Blank starts, for evaluators no template fits. */
const BLANK: Record<string, EditorStart & { label: string; help: string }> = {
  code: {
    label: 'Code check',
    help: 'Exact/JSON match, JSON Schema, regex, contains, length, latency, tokens, cost, errors, and trajectory checks (tools called, tool sequence, step limits, loops). Fast and free.',
    name: '',
    key: '',
    description: null,
    target: { type: 'trace' },
    config: { type: 'code', check: 'tool_sequence' },
    template: null,
    fresh: true,
  },
  judge: {
    label: 'LLM judge',
    help: 'Your own prompt with variables from the trace and an output contract (true/false, a number, a category).',
    name: '',
    key: '',
    description: null,
    target: { type: 'trace' },
    config: {
      type: 'judge',
      prompt: { system: 'You are an expert evaluator. Judge only the material shown.', user: 'Question:\n{{input}}\n\nAnswer:\n{{output}}\n\nIs the answer correct and complete?' },
      variables: { input: 'input', output: 'output' },
      output: { type: 'boolean' },
    },
    template: null,
  },
  webhook: {
    label: 'Webhook',
    help: 'Loupe POSTs the trace to your HTTPS endpoint, signed with HMAC, and stores the score it answers.',
    name: '',
    key: '',
    description: null,
    target: { type: 'trace' },
    config: { type: 'webhook' },
    template: null,
  },
};

export function EvaluatorNewPage() {
  const canEdit = useCanManage();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const templates = useApi<{ templates: EvaluatorTemplate[] }>('/v1/evaluator-templates');
  const templateId = params.get('template');
  const blank = BLANK[params.get('kind') ?? ''];
  const template = templateId ? templates.data?.templates.find((t) => t.id === templateId) : undefined;

  if (!canEdit) {
    return (
      <div className="page narrow-page">
        <p>
          <Link to="/evaluators">← Evaluators</Link>
        </p>
        <ReadOnlyNote what="evaluators" />
      </div>
    );
  }

  const start: EditorStart | undefined = template
    ? { name: template.name, key: template.key, description: null, target: template.target, config: template.config, template: template.id }
    : blank;
  if (start) {
    return (
      <div className="page narrow-page">
        <p>
          <Link to="/evaluators/new">← Choose another start</Link>
        </p>
        {template && <TemplateSummary template={template} />}
        <EvaluatorEditor
          key={templateId ?? params.get('kind') ?? ''}
          start={start}
          templateConfig={template?.config}
          onSaved={(saved) => navigate(`/evaluators/${encodeURIComponent(saved.id)}`, { state: { created: true, signingSecret: saved.signing_secret ?? null } })}
          onCancel={() => navigate('/evaluators')}
        />
      </div>
    );
  }
  if (templateId && templates.data) return <div className="page">There is no template {templateId}.</div>;

  const judges = templates.data?.templates.filter((t) => t.kind === 'judge') ?? [];
  const checks = templates.data?.templates.filter((t) => t.kind !== 'judge') ?? [];
  return (
    <div className="page evaluator-new">
      <p>
        <Link to="/evaluators">← Evaluators</Link>
      </p>
      <h1>New evaluator</h1>
      <p className="muted">Start from a template (every field stays editable) or from scratch.</p>
      {templates.error && <ErrorNote error={templates.error} />}
      <h2>Code checks</h2>
      <ul className="template-grid" aria-label="Code check templates">
        {checks.map((t) => (
          <TemplateCard key={t.id} template={t} />
        ))}
      </ul>
      <h2>LLM judges</h2>
      <p className="muted small">Judges need a provider (OpenAI-compatible, Anthropic or Workers AI): see Providers.</p>
      <ul className="template-grid" aria-label="Judge templates">
        {judges.map((t) => (
          <TemplateCard key={t.id} template={t} />
        ))}
      </ul>
      <h2>From scratch</h2>
      <ul className="template-grid" aria-label="Blank evaluators">
        {Object.entries(BLANK).map(([kind, b]) => (
          <li key={kind} className="template-card">
            <div className="template-title">
              <strong>{b.label}</strong> <KindBadge kind={kind} />
            </div>
            <p className="small">{b.help}</p>
            <Link className="button" to={`/evaluators/new?kind=${kind}`}>
              {kind === 'judge' ? 'Start an LLM judge' : `Start a ${b.label.toLowerCase()}`}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What a template does: output contract and variables (judges), the check (code), what it needs. */
function TemplateExplained({ template: t }: { template: EvaluatorTemplate }) {
  const c = t.config as Record<string, unknown>;
  if (t.kind === 'judge') {
    const variables = Object.entries((c.variables ?? {}) as Record<string, string>);
    return (
      <div className="template-explained small">
        <p>
          <span className="muted">Answers:</span> {describeOutput(c.output as JudgeOutput)}
        </p>
        <ul className="variables-explained" aria-label={`Variables of ${t.name}`}>
          {variables.map(([name, source]) => (
            <li key={name}>
              <code>{`{{${name}}}`}</code> ← <code>{source}</code>: {describeSource(source).text}
            </li>
          ))}
        </ul>
        {t.needs.length > 0 && (
          <p className="needs">
            Needs <InlineCode text={t.needs.join('; ')} />.
          </p>
        )}
      </div>
    );
  }
  const spec = checkSpec(String(c.check));
  const params = Object.entries(c).filter(([k]) => k !== 'type' && k !== 'check');
  return (
    <div className="template-explained small">
      <p>
        <span className="muted">Check:</span> {spec?.label ?? String(c.check)} <code>{String(c.check)}</code>
        {params.length > 0 && (
          <>
            {' '}
            with{' '}
            {params.map(([k, v], i) => (
              <span key={k}>
                {i > 0 && ', '}
                <code>
                  {k}={typeof v === 'string' ? v : JSON.stringify(v)}
                </code>
              </span>
            ))}
          </>
        )}
        . Scores 1 (pass) or 0 (fail).
      </p>
      {t.needs.length > 0 && (
          <p className="needs">
            Needs <InlineCode text={t.needs.join('; ')} />.
          </p>
        )}
    </div>
  );
}

function TemplateCard({ template: t }: { template: EvaluatorTemplate }) {
  return (
    <li className="template-card" data-template={t.id}>
      <div className="template-title">
        <strong>{t.name}</strong> <KindBadge kind={t.kind} />
      </div>
      <p className="small">{t.description}</p>
      <TemplateExplained template={t} />
      <Link className="button" to={`/evaluators/new?template=${encodeURIComponent(t.id)}`} aria-label={`Use the ${t.name} template`}>
        Use this template
      </Link>
    </li>
  );
}

function TemplateSummary({ template }: { template: EvaluatorTemplate }) {
  return (
    <div className="card template-summary">
      <div className="template-title">
        <strong>Template: {template.name}</strong> <KindBadge kind={template.kind} />
      </div>
      <p className="small">{template.description}</p>
      <TemplateExplained template={template} />
    </div>
  );
}
