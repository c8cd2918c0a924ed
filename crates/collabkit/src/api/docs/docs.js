// The API reference at /docs, rendered from this server's /openapi.json (served as a file: the
// page's policy allows no inline script). Every value from the document is escaped.
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const refName = (s) => (s && s.$ref ? s.$ref.split('/').pop() : null);
function schemaText(s) {
  if (!s) return '';
  if (s.$ref) return refName(s);
  if (s.type === 'array') return `[${schemaText(s.items)}]`;
  if (s.oneOf || s.anyOf) return (s.oneOf || s.anyOf).map(schemaText).join(' | ');
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const type = Array.isArray(s.type) ? s.type.join(' | ') : s.type || 'object';
  const limits = ['minimum', 'maximum', 'minLength', 'maxLength', 'format'].filter((k) => k in s).map((k) => `${k} ${s[k]}`);
  return limits.length ? `${type} (${limits.join(', ')})` : type;
}
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ['other'])[0];
      (byTag[tag] ||= []).push({ path, method, op });
    }
  }
  let html = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    html += `<h2 id="${esc(tag)}">${esc(tag)}</h2>`;
    for (const { path, method, op } of ops) {
      html += `<section class="op"><h3><span class="method">${esc(method)}</span><span class="path">${esc(path)}</span></h3>`;
      if (op.summary) html += `<p>${esc(op.summary)}</p>`;
      if (op.description) html += `<p>${esc(op.description)}</p>`;
      if (op.parameters?.length) {
        html += '<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>';
        for (const p of op.parameters) {
          html += `<tr><td><code>${esc(p.name)}</code>${p.required ? ' (required)' : ''}</td><td>${esc(p.in)}</td><td>${esc(schemaText(p.schema))}</td><td>${esc(p.description)}</td></tr>`;
        }
        html += '</table>';
      }
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) html += `<p>Body: <a href="#schema-${esc(refName(body))}">${esc(schemaText(body))}</a></p>`;
      html += '<table><tr><th>status</th><th>answer</th></tr>';
      for (const [status, r] of Object.entries(op.responses || {})) {
        const s = Object.values(r.content || {})[0]?.schema;
        html += `<tr><td>${esc(status)}</td><td>${esc(r.description)} ${s ? `<code>${esc(schemaText(s))}</code>` : ''}</td></tr>`;
      }
      html += '</table></section>';
    }
  }
  html += '<h2 id="schemas">schemas</h2>';
  for (const [name, s] of Object.entries(doc.components?.schemas || {})) {
    html += `<section class="op" id="schema-${esc(name)}"><h3>${esc(name)}</h3>`;
    if (s.description) html += `<p>${esc(s.description)}</p>`;
    if (s.properties) {
      html += '<table><tr><th>field</th><th>type</th><th></th></tr>';
      for (const [field, f] of Object.entries(s.properties)) {
        const required = (s.required || []).includes(field) ? ' (required)' : '';
        html += `<tr><td><code>${esc(field)}</code>${required}</td><td>${esc(schemaText(f))}</td><td>${esc(f.description)}</td></tr>`;
      }
      html += '</table>';
    } else {
      html += `<p><code>${esc(schemaText(s))}</code></p>`;
    }
    html += '</section>';
  }
  document.getElementById('reference').innerHTML = html;
}).catch((e) => {
  document.getElementById('reference').textContent = 'The OpenAPI document could not be loaded: ' + e;
});
