export default {
  async fetch(req: Request, env: Env) {
    const r = await env.DB.prepare("select 1 v").first();
    return Response.json(r);
  },
} satisfies ExportedHandler<Env>;
