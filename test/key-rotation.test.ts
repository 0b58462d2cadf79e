import { describe, it, expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, makeProject } from './helpers.ts';
import { decryptSecret } from '../workers/platform/secrets.ts';
import { loadProvider } from '../workers/llm/providers.ts';
import { startTargetExperiment } from '../workers/experiments/target.ts';
import { continueKeyRotation, reencryptSecrets } from '../workers/secrets/rotation.ts';

// The test runtime's ENCRYPTION_KEY (vitest.config.ts) is the "old" key; NEW is what it is rotated to.
const OLD = env.ENCRYPTION_KEY;
const NEW = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));
const rotated = { ...env, ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: OLD } as Env;
const onlyNew = { ...env, ENCRYPTION_KEY: NEW } as Env;

async function providerWithKey(key: string, apiKey: string) {
  const res = await api('/v1/providers', { key, body: { name: 'local', type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: apiKey } });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

const stored = async (projectId: string, id: string) =>
  (await env.DB.prepare('SELECT key_ciphertext FROM eval_providers WHERE project_id = ? AND id = ?').bind(projectId, id).first<{ key_ciphertext: string }>())!.key_ciphertext;

const storedWebhook = async (projectId: string, id: string) =>
  (await env.DB.prepare("SELECT json_extract(config, '$.secret_ciphertext') AS s FROM evaluator_versions WHERE project_id = ? AND evaluator_id = ? ORDER BY version DESC").bind(projectId, id).first<{ s: string }>())!.s;

describe('rotating ENCRYPTION_KEY', () => {
  it('keeps every provider key readable during the rotation, then re-encrypts them under the new key', async () => {
    const p = await makeProject('rotate');
    const id = await providerWithKey(p.key, 'sk-rotate-me-1234');
    const legacy = await providerWithKey(p.key, 'sk-legacy-5678');
    // A ciphertext from before key ids: bare base64, as older Loupe stored it.
    await env.DB.prepare('UPDATE eval_providers SET key_ciphertext = ? WHERE project_id = ? AND id = ?').bind((await stored(p.projectId, legacy)).replace(/^v2:[0-9a-f]{8}:/, ''), p.projectId, legacy).run();
    const hookRes = await api('/v1/evaluators', { key: p.key, body: { name: 'hook', key: 'hook', config: { type: 'webhook', url: 'https://example.com/hook' }, secret: 'whsec_rotate_me_please' } });
    expect(hookRes.status, hookRes.text).toBe(201);
    const hook = hookRes.json;
    const alertRes = await api('/v1/alerts', { key: p.key, body: { name: 'errors', metric: 'error_rate', comparator: 'gt', threshold: 0.5, window_minutes: 60, webhook_url: 'https://example.com/alert' } });
    expect(alertRes.status, alertRes.text).toBe(201);
    const alert = alertRes.json;
    // A server-side experiment target with a signing secret; not sent, so no call goes out.
    const ds = await api('/v1/datasets', { key: p.key, body: { name: 'rotate-targets' } });
    const ex = await api(`/v1/datasets/${ds.json.id}/examples`, { key: p.key, body: { examples: [{ inputs: { q: 1 } }] } });
    const target = await startTargetExperiment(env, p.projectId, { name: 'rotate', dataset_id: ds.json.id, dataset_version: ex.json.version, repetitions: 1, candidate: {}, evaluators: [], target: { url: 'https://staging.example.com/run', secret: 'target-secret-rotate-0123456789', timeout_ms: 1000, concurrency: 1, max_attempts: 1 } }, { send: false });
    expect(await storedWebhook(p.projectId, hook.id)).toMatch(/^v2:/);

    // Mid-rotation (both keys set, nothing rewritten yet): every secret still opens.
    expect(await decryptSecret(rotated, await stored(p.projectId, id), `provider:${p.projectId}:${id}`)).toBe('sk-rotate-me-1234');
    expect(await decryptSecret(rotated, await stored(p.projectId, legacy), `provider:${p.projectId}:${legacy}`)).toBe('sk-legacy-5678');
    expect(await loadProvider(rotated, p.projectId, id)).not.toBeNull();
    // With only the new key they would not: that is what the pass is for.
    await expect(decryptSecret(onlyNew, await stored(p.projectId, id), `provider:${p.projectId}:${id}`)).rejects.toThrow(/neither ENCRYPTION_KEY .* nor ENCRYPTION_KEY_PREVIOUS \(not set\)/);

    const result = await reencryptSecrets(rotated, { projectId: p.projectId });
    expect(result.providers).toEqual({ reencrypted: 2, failed: 0, remaining: 0 });
    expect(result.webhook_secrets).toEqual({ reencrypted: 1, failed: 0, remaining: 0 });
    expect(result.alert_secrets).toEqual({ reencrypted: 1, failed: 0, remaining: 0 });
    const sealedAlert = (await env.DB.prepare('SELECT secret_ciphertext AS s FROM alerts WHERE project_id = ? AND id = ?').bind(p.projectId, alert.id).first<{ s: string }>())!.s;
    expect(await decryptSecret(onlyNew, sealedAlert, `alert:${p.projectId}:${alert.id}`)).toBe(alert.signing_secret);
    expect(result.experiment_target_secrets).toEqual({ reencrypted: 1, failed: 0, remaining: 0 });
    const sealedTarget = (await env.DB.prepare('SELECT secret_ciphertext AS s FROM experiment_targets WHERE project_id = ? AND experiment_id = ?').bind(p.projectId, target.id).first<{ s: string }>())!.s;
    expect(await decryptSecret(onlyNew, sealedTarget, `experiment-target:${p.projectId}:${target.id}`)).toBe('target-secret-rotate-0123456789');
    // Now the old key can go.
    expect(await decryptSecret(onlyNew, await stored(p.projectId, id), `provider:${p.projectId}:${id}`)).toBe('sk-rotate-me-1234');
    expect(await decryptSecret(onlyNew, await stored(p.projectId, legacy), `provider:${p.projectId}:${legacy}`)).toBe('sk-legacy-5678');
    expect(await decryptSecret(onlyNew, await storedWebhook(p.projectId, hook.id), `webhook:${p.projectId}:${hook.id}`)).toBe('whsec_rotate_me_please');
    expect(await stored(p.projectId, id)).toMatch(new RegExp(`^v2:${result.key_id}:`));
    // A second pass has nothing left to do.
    expect((await reencryptSecrets(rotated, { projectId: p.projectId })).providers).toEqual({ reencrypted: 0, failed: 0, remaining: 0 });
  });

  it("re-encrypts only the caller's project through the route, and the instance-wide pass does the rest", async () => {
    const a = await makeProject('rotate-a');
    const b = await makeProject('rotate-b');
    const idA = await providerWithKey(a.key, 'sk-aaaa-1111');
    const idB = await providerWithKey(b.key, 'sk-bbbb-2222');
    // Both rows predate key ids; the route (running with the runtime's own key) brings project A's to the current form only.
    for (const [pid, pr] of [[a.projectId, idA], [b.projectId, idB]]) {
      await env.DB.prepare('UPDATE eval_providers SET key_ciphertext = ? WHERE project_id = ? AND id = ?').bind((await stored(pid, pr)).replace(/^v2:[0-9a-f]{8}:/, ''), pid, pr).run();
    }
    const res = await api('/v1/secrets/reencrypt', { key: a.key, method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.json.providers).toEqual({ reencrypted: 1, failed: 0, remaining: 0 });
    expect(await stored(a.projectId, idA)).toMatch(/^v2:/);
    expect(await stored(b.projectId, idB)).not.toMatch(/^v2:/);
    expect((await api('/v1/audit?action=secrets', { key: a.key })).json.entries).toHaveLength(1);
    expect((await api('/v1/audit?action=secrets', { key: b.key })).json.entries).toHaveLength(0);
    // The cron's pass, mid-rotation, covers every project.
    await continueKeyRotation(rotated);
    expect(await decryptSecret(onlyNew, await stored(b.projectId, idB), `provider:${b.projectId}:${idB}`)).toBe('sk-bbbb-2222');
    expect(await decryptSecret(onlyNew, await stored(a.projectId, idA), `provider:${a.projectId}:${idA}`)).toBe('sk-aaaa-1111');
  });

  it('counts a secret neither key opens and carries on with the others', async () => {
    const p = await makeProject('rotate-lost');
    const good = await providerWithKey(p.key, 'sk-good-3333');
    const lost = await providerWithKey(p.key, 'sk-lost-4444');
    const stranger = { ...env, ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(5))) } as Env;
    const { encryptSecret } = await import('../workers/platform/secrets.ts');
    await env.DB.prepare('UPDATE eval_providers SET key_ciphertext = ? WHERE project_id = ? AND id = ?').bind(await encryptSecret(stranger, 'sk-lost-4444', `provider:${p.projectId}:${lost}`), p.projectId, lost).run();
    const result = await reencryptSecrets(rotated, { projectId: p.projectId });
    expect(result.providers).toEqual({ reencrypted: 1, failed: 1, remaining: 1 });
    expect(await decryptSecret(onlyNew, await stored(p.projectId, good), `provider:${p.projectId}:${good}`)).toBe('sk-good-3333');
    // Using it fails with an error naming the keys, not with a wrong plaintext.
    await expect(loadProvider(rotated, p.projectId, lost)).rejects.toThrow(/encrypted with a key \(id [0-9a-f]{8}\) that is neither ENCRYPTION_KEY/);
  });
});
