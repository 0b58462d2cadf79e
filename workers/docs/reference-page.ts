/**
 * A readable API reference rendered from the OpenAPI document on the server, so it
 * works offline and needs no third-party script.
 */

type Json = Record<string, any>;

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Resolves `$ref: '#/components/schemas/X'`. */
function deref(doc: Json, schema: Json | undefined): Json | undefined {
  if (schema?.$ref) return doc.components?.schemas?.[schema.$ref.split('/').pop()];
  return schema;
}

/** A compact type description of a JSON Schema for the reference page. */
function typeOf(doc: Json, schema: Json | undefined, depth = 0): string {
  if (!schema) return 'any';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.enum) return schema.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  if (schema.anyOf || schema.oneOf) return (schema.anyOf ?? schema.oneOf).map((s: Json) => typeOf(doc, s, depth)).join(' | ');
  if (schema.type === 'array') return `${typeOf(doc, schema.items, depth)}[]`;
  if (schema.type === 'object' && schema.properties && depth < 1) {
    return `{ ${Object.entries(schema.properties).map(([k, v]) => `${k}: ${typeOf(doc, v as Json, depth + 1)}`).join(', ')} }`;
  }
  return Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
}

function fieldsTable(doc: Json, schema: Json | undefined): string {
  const s = deref(doc, schema);
  if (!s?.properties) return `<p><code>${esc(typeOf(doc, schema))}</code></p>`;
  const required = new Set<string>(s.required ?? []);
  const rows = Object.entries(s.properties as Json)
    .map(([name, prop]) => `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <b>required</b>' : ''}</td><td><code>${esc(typeOf(doc, prop as Json))}</code></td><td>${esc((prop as Json).description ?? deref(doc, prop as Json)?.description ?? '')}</td></tr>`)
    .join('');
  return `<table><tr><th>field</th><th>type</th><th>meaning</th></tr>${rows}</table>`;
}

/** Renders the whole reference as one HTML page. */
export function renderReference(doc: Json): string {
  const sections: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops as Json)) {
      const o = op as Json;
      const params = (o.parameters ?? []) as Json[];
      const body = o.requestBody?.content?.['application/json']?.schema;
      const responses = Object.entries(o.responses ?? {})
        .map(([code, r]) => `<li><code>${esc(code)}</code> ${esc((r as Json).description)}${(r as Json).content?.['application/json']?.schema ? ` — <code>${esc(typeOf(doc, (r as Json).content['application/json'].schema))}</code>` : ''}</li>`)
        .join('');
      sections.push(`<section id="${esc(method + path)}"><h2><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p><b>${esc(o.summary)}</b></p><p>${esc(o.description ?? '')}</p>
${params.length ? `<h3>Parameters</h3><table><tr><th>name</th><th>in</th><th>type</th><th>meaning</th></tr>${params.map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <b>required</b>' : ''}</td><td>${esc(p.in)}</td><td><code>${esc(typeOf(doc, p.schema))}</code></td><td>${esc(p.description ?? p.schema?.description ?? '')}</td></tr>`).join('')}</table>` : ''}
${body ? `<h3>Body</h3>${fieldsTable(doc, body)}` : ''}
<h3>Responses</h3><ul>${responses}</ul></section>`);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, s]) => `<section id="schema-${esc(name)}"><h2>${esc(name)}</h2><p>${esc((s as Json).description ?? '')}</p>${fieldsTable(doc, s as Json)}</section>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info?.title)} API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1b1f;background:#fff}
@media(prefers-color-scheme:dark){body{color:#e6e6ea;background:#141417}table td,table th{border-color:#333}}
code{font:13px ui-monospace,monospace}table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4.5rem;font-size:.8em;letter-spacing:.05em}section{border-top:1px solid #8884;padding-top:.5rem}</style></head>
<body><h1>${esc(doc.info?.title)} API</h1><p>${esc(doc.info?.description ?? '')}</p><p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a></p>
${sections.join('\n')}<h1>Schemas</h1>${schemas}</body></html>`;
}
