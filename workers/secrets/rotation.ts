/**
 * Re-encrypting secrets after ENCRYPTION_KEY is rotated (workers/platform/secrets.ts). Every
 * room that seals a secret says where (a SealedColumn): provider keys (llm/), webhook
 * evaluators' signing secrets (evals/), alerts' signing secrets (monitoring/) and
 * server-side experiment targets' signing secrets (experiments/) and the redaction hash keys
 * (store/redaction/). This room sits above all
 * of them so none has to reach sideways for another's table. Runs from the every-minute cron
 * while ENCRYPTION_KEY_PREVIOUS is set, and on demand for one project (POST /v1/secrets/reencrypt).
 */
import { currentKeyPrefix, reencryptColumn, type RotationCount, type SealedColumn } from '../platform/secrets.ts';
import { providerKeyColumn } from '../llm/providers.ts';
import { webhookSecretColumn } from '../evals/evaluators.ts';
import { alertSecretColumn } from '../monitoring/alerts.ts';
import { targetSecretColumn } from '../experiments/target.ts';
import { redactionKeyColumn } from '../store/redaction/policy.ts';

/** Rows each kind of secret gets per pass: each is a decrypt, an encrypt and one D1 write, well inside one invocation. */
export const ROTATION_BATCH = 200;

/** Every kind of sealed secret, by the name the API reports it under. */
const SEALED: Record<SecretKind, SealedColumn> = {
  providers: providerKeyColumn,
  webhook_secrets: webhookSecretColumn,
  alert_secrets: alertSecretColumn,
  experiment_target_secrets: targetSecretColumn,
  redaction_keys: redactionKeyColumn,
};

export const SECRET_KINDS = ['providers', 'webhook_secrets', 'alert_secrets', 'experiment_target_secrets', 'redaction_keys'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/** What a pass did, per kind of secret, and the id of the key everything is moving to. */
export type RotationResult = { key_id: string } & Record<SecretKind, RotationCount>;

/** One re-encryption pass, for a project or (without `projectId`) the whole instance. */
export async function reencryptSecrets(env: Env, opts: { projectId?: string; limit?: number } = {}): Promise<RotationResult> {
  const limit = opts.limit ?? ROTATION_BATCH;
  const result = { key_id: (await currentKeyPrefix(env)).split(':')[1] } as RotationResult;
  for (const kind of SECRET_KINDS) result[kind] = await reencryptColumn(env, SEALED[kind], { projectId: opts.projectId, limit });
  return result;
}

/** Sums one field of a pass over every kind of secret. */
export const totalOf = (result: RotationResult, field: keyof RotationCount) => SECRET_KINDS.reduce((n, kind) => n + result[kind][field], 0);

/** The cron's part: a pass over the instance while a rotation is under way (ENCRYPTION_KEY_PREVIOUS set), else nothing. */
export async function continueKeyRotation(env: Env): Promise<void> {
  if (!(env as { ENCRYPTION_KEY_PREVIOUS?: string }).ENCRYPTION_KEY_PREVIOUS) return;
  const result = await reencryptSecrets(env);
  const left = totalOf(result, 'remaining');
  const done = SECRET_KINDS.map((kind) => `${result[kind].reencrypted} ${kind.replace(/_/g, ' ')}`).join(', ');
  console.log(`key rotation: re-encrypted ${done}; ${left} left under an old key${left === 0 ? ' (ENCRYPTION_KEY_PREVIOUS can be removed)' : ''}`);
}
