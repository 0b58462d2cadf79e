import { describe, it, expect, inject } from 'vitest';

describe('a local Loupe started like `npm start`', () => {
  const loupe = inject('loupe');

  it('is set up with a default project and an API key that reads the demo traces', async () => {
    const project: any = await (await fetch(`${loupe.url}/v1/project`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).json();
    expect(project.name).toBe('default');
    const res = await fetch(`${loupe.url}/v1/traces?limit=500&q=${encodeURIComponent('tag=tau-bench')}`, { headers: { 'x-api-key': loupe.apiKey } });
    const { traces } = (await res.json()) as { traces: any[] };
    expect(traces).toHaveLength(200);
    const failed = traces.filter((t: any) => t.feedback.outcome?.avg === 0);
    expect(failed).toHaveLength(116);
  });

  it('refuses a second bootstrap', async () => {
    const res = await fetch(`${loupe.url}/v1/setup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${loupe.setupSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'someone@example.com', password: 'long-enough-password' }),
    });
    expect(res.status).toBe(409);
  });
});
