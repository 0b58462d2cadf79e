/**
 * Re-encrypting secrets after ENCRYPTION_KEY is rotated (workers/platform/secrets.ts): the
 * provider keys (llm/), the webhook signing secrets (evals/) and the alerts' signing
 * secrets (monitoring/, a sibling that only reads the store). It lives in evals/ because
 * that is the lowest room that may reach the first two. Runs from the every-minute cron while
 * ENCRYPTION_KEY_PREVIOUS is set, and on demand for one project (POST /v1/secrets/reencrypt).
 */
import { currentKeyPrefix, type RotationCount } from '../platform/secrets.ts';
import { reencryptProviderKeys } from '../llm/providers.ts';
import { reencryptWebhookSecrets } from './evaluators.ts';
import { reencryptAlertSecrets } from '../monitoring/alerts.ts';

/** Rows each kind of secret gets per pass: each is a decrypt, an encrypt and one D1 write, well inside one invocation. */
export const ROTATION_BATCH = 200;

/** What a pass did, per kind of secret, and the id of the key everything is moving to. */
export interface RotationResult {
  key_id: string;
  providers: RotationCount;
  webhook_secrets: RotationCount;
  alert_secrets: RotationCount;
}

/** One re-encryption pass, for a project or (without `projectId`) the whole instance. */
export async function reencryptSecrets(env: Env, opts: { projectId?: string; limit?: number } = {}): Promise<RotationResult> {
  const limit = opts.limit ?? ROTATION_BATCH;
  return {
    key_id: (await currentKeyPrefix(env)).split(':')[1],
    providers: await reencryptProviderKeys(env, { projectId: opts.projectId, limit }),
    webhook_secrets: await reencryptWebhookSecrets(env, { projectId: opts.projectId, limit }),
    alert_secrets: await reencryptAlertSecrets(env, { projectId: opts.projectId, limit }),
  };
}

/** The cron's part: a pass over the instance while a rotation is under way (ENCRYPTION_KEY_PREVIOUS set), else nothing. */
export async function continueKeyRotation(env: Env): Promise<void> {
  if (!(env as { ENCRYPTION_KEY_PREVIOUS?: string }).ENCRYPTION_KEY_PREVIOUS) return;
  const result = await reencryptSecrets(env);
  const left = result.providers.remaining + result.webhook_secrets.remaining + result.alert_secrets.remaining;
  console.log(`key rotation: ${result.providers.reencrypted} provider keys, ${result.webhook_secrets.reencrypted} webhook secrets and ${result.alert_secrets.reencrypted} alert secrets re-encrypted; ${left} left under an old key${left === 0 ? ' (ENCRYPTION_KEY_PREVIOUS can be removed)' : ''}`);
}
