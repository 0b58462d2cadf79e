/**
 * Small pieces the evaluation screens share: kind and status badges, scores, the notice a
 * read-only role sees, evaluator names by id, and field errors.
 */
import { Link } from 'react-router';
import type { EvaluatorOut } from '../../../../schema/wire/evaluators.ts';
import { useApi } from '../../api/use-api.ts';
import { useSession } from '../../api/session.tsx';
import { roleHasScope } from '../../../../schema/roles.ts';
import { roleLabel } from '../../lib/roles.ts';
import { formatScore } from '../../lib/format.ts';

/** code / judge / webhook. */
export function KindBadge({ kind }: { kind: string }) {
  const label = kind === 'judge' ? 'LLM judge' : kind === 'code' ? 'code check' : kind;
  return <span className={`eval-kind eval-kind-${kind}`}>{label}</span>;
}

const STATUS_TONE: Record<string, string> = {
  scored: 'good',
  done: 'good',
  active: 'good',
  failed: 'bad',
  queued: 'mixed',
  running: 'mixed',
  scanning: 'mixed',
  skipped: 'neutral',
  expanded: 'neutral',
  paused: 'neutral',
};

/** A run or job status as a coloured badge. */
export function EvalStatus({ status }: { status: string }) {
  return <span className={`eval-status tone-${STATUS_TONE[status] ?? 'neutral'}`}>{status}</span>;
}

/** A score and/or a value (category, boolean): 1, 0.5, "professional". */
export function ScoreValue({ score, value }: { score: number | null; value?: unknown }) {
  const shownValue = value !== null && value !== undefined && !(typeof value === 'boolean' && score !== null);
  if (score === null && !shownValue) return <span className="muted">—</span>;
  const tone = score === null ? 'neutral' : score >= 0 && score <= 1 ? (score >= 0.75 ? 'good' : score <= 0.25 ? 'bad' : 'mixed') : 'neutral';
  return (
    <span className="score-value">
      {score !== null && <span className={`fb-badge ${tone}`}>{formatScore(score)}</span>}
      {shownValue && <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>}
    </span>
  );
}

/**
 * True when the user's role may create and change evaluation settings: the `admin` scope,
 * which creating and changing evaluators, rules, providers and the judge budget (and
 * running try-it) need. Others read them.
 */
export function useCanManage(): boolean {
  const { project } = useSession();
  return roleHasScope(project?.org.role, 'admin');
}

/** What a role without the admin scope sees instead of the create/edit controls. */
export function ReadOnlyNote({ what }: { what: string }) {
  const { project } = useSession();
  if (!project) return null;
  return (
    <p className="notice read-only" role="note">
      Read only: your role ({roleLabel(project.org.role)}) can see {what}; owners and admins create and change them.
    </p>
  );
}

/** Evaluators of the project by id (deleted ones included, so old scores keep their names). */
export function useEvaluatorIndex(): Map<string, EvaluatorOut> {
  const { data } = useApi<{ evaluators: EvaluatorOut[] }>('/v1/evaluators?include_deleted=true');
  return new Map((data?.evaluators ?? []).map((e) => [e.id, e]));
}

/** An evaluator's name linked to its page (the id when unknown), with a version. */
export function EvaluatorLink({ id, version, index, name }: { id: string; version?: number | null; index?: Map<string, EvaluatorOut>; name?: string }) {
  const shown = name ?? index?.get(id)?.name ?? id;
  return (
    <span className="evaluator-link">
      <Link to={`/evaluators/${encodeURIComponent(id)}`}>{shown}</Link>
      {version != null && <span className="muted small"> v{version}</span>}
    </span>
  );
}

/** An error under a field. */
export function FieldError({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <span className="field-error" role="alert">
      {text}
    </span>
  );
}
