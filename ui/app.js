// Nectar Studio web UI: flows, their graphs, starting runs and watching them live, through the HTTP API.
'use strict';

const state = { key: localStorage.getItem('nectar-api-key') || '', flowId: null, pollTimer: null };
const $ = (id) => document.getElementById(id);

function text(value) {
  return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

async function api(method, path, body) {
  const response = await fetch(`/api${path}`, {
    method,
    headers: { authorization: `Bearer ${state.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = response.status === 204 ? undefined : await response.json();
  if (!response.ok) {
    const error = new Error(payload?.error?.message || `HTTP ${response.status}`);
    error.problems = payload?.error?.problems || [];
    error.status = response.status;
    throw error;
  }
  return payload;
}

function say(message) {
  $('status').textContent = message;
}

async function loadFlows() {
  const list = $('flows');
  list.replaceChildren();
  try {
    const { flows } = await api('GET', '/flows');
    if (flows.length === 0) list.append(element('li', {}, 'No flows yet.'));
    for (const flow of flows) {
      const link = element('a', { href: `#flow/${flow.id}` }, `${flow.name} `, element('small', {}, `v${flow.version}`));
      list.append(element('li', {}, link));
    }
    say('');
  } catch (error) {
    say(error.status === 401 ? 'Enter the API key that `npm start` printed.' : error.message);
  }
}

/** The answer, or undefined when the API says 404 (a flow with no saved version, no draft). */
async function found(request) {
  try {
    return await request;
  } catch (error) {
    if (error.status === 404) return undefined;
    throw error;
  }
}

const hasWebhook = (definition) => (definition.triggers || []).some((trigger) => trigger.type === 'webhook');

/** The production URL runs the newest saved version's webhook; the test URL the draft's. */
function renderHooks(flowId, flow, draft) {
  const rows = [];
  const url = (route) => `${location.origin}/${route}/${encodeURIComponent(flowId)}`;
  if (flow && hasWebhook(flow.definition)) rows.push(['Production URL', url('hooks'), `runs version ${flow.version}`]);
  if (draft && hasWebhook(draft.definition)) rows.push(['Test URL', url('hooks-test'), `runs draft revision ${draft.revision}`]);
  $('flow-hooks').replaceChildren(...rows.flatMap(([label, href, note]) => [element('dt', {}, label), element('dd', {}, element('code', {}, href), ` (${note})`)]));
}

async function showFlow(flowId) {
  state.flowId = flowId;
  const path = `/flows/${encodeURIComponent(flowId)}`;
  const [flow, draft] = await Promise.all([found(api('GET', path)), found(api('GET', `${path}/draft`))]);
  if (!flow && !draft) throw new Error(`flow "${flowId}" not found`);
  const definition = flow ? flow.definition : draft.definition;
  $('flow-panel').hidden = false;
  $('flow-title').textContent = definition.name;
  $('flow-meta').textContent = flow ? `${flow.id} · version ${flow.version} · saved ${flow.createdAt}` : `${flowId} · no saved version yet`;
  $('flow-draft').textContent = draft ? `Draft revision ${draft.revision} · saved ${draft.savedAt} (in the editor)` : 'No draft';
  renderHooks(flowId, flow, draft);
  const graph = $('graph');
  graph.replaceChildren();
  for (const node of definition.nodes) {
    const edges = definition.edges
      .filter((edge) => edge.from === node.id)
      .map((edge) => element('div', { class: 'edge' }, `→ ${edge.to}${edge.path ? ` when nextPath = "${edge.path}"` : ''}${edge.on ? ' on error' : ''}`));
    graph.append(element('div', { class: 'node' }, element('strong', {}, node.name || node.id), ` (${node.id})`, element('pre', {}, node.code), ...edges));
  }
  // The editor holds the working copy: the draft when there is one.
  $('definition').value = JSON.stringify(draft ? draft.definition : definition, null, 2);
}

function renderRun(run) {
  $('run-panel').hidden = false;
  $('run-id').textContent = run.runId;
  $('run-meta').replaceChildren(
    element('span', { class: run.status }, run.status),
    ` · ${run.flowId} ${run.draft === undefined ? `v${run.flowVersion}` : `draft ${run.draft}`} · started ${run.startedAt}${run.closedAt ? ` · closed ${run.closedAt}` : ''}`,
  );
  const rows = run.nodes.map((node) =>
    element(
      'tr',
      {},
      element('td', {}, node.name ? `${node.name} (${node.id})` : node.id),
      element('td', { class: node.status }, node.status),
      element('td', {}, node.attempt ?? ''),
      element('td', {}, node.durationMs === undefined ? '' : `${node.durationMs} ms`),
      element('td', {}, node.memoryBytes === undefined ? '' : `${(node.memoryBytes / 1024).toFixed(0)} KiB`),
      element('td', {}, element('pre', {}, text(node.error ? `${node.error.name}: ${node.error.message}` : node.output))),
      element('td', {}, element('pre', {}, (node.logs || []).map((log) => `${log.level} ${log.args.map(text).join(' ')}`).join('\n'))),
    ),
  );
  $('run-nodes').replaceChildren(...rows);
  $('run-output').textContent = run.error ? `${run.error.name}: ${run.error.message}` : text(run.output);
}

async function watchRun(runId) {
  clearTimeout(state.pollTimer);
  const run = await api('GET', `/runs/${encodeURIComponent(runId)}`);
  renderRun(run);
  if (run.status === 'running') state.pollTimer = setTimeout(() => watchRun(runId).catch((error) => say(error.message)), 500);
}

async function route() {
  const [view, id] = location.hash.slice(1).split('/');
  try {
    if (view === 'flow' && id) await showFlow(decodeURIComponent(id));
    if (view === 'run' && id) await watchRun(decodeURIComponent(id));
  } catch (error) {
    say(error.message);
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.key = $('api-key').value.trim();
  localStorage.setItem('nectar-api-key', state.key);
  loadFlows().then(route);
});

$('run-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const input = JSON.parse($('run-input').value || 'null');
    const { runId } = await api('POST', `/flows/${encodeURIComponent(state.flowId)}/runs`, { input });
    location.hash = `#run/${runId}`;
  } catch (error) {
    say(error instanceof SyntaxError ? `Input is not JSON: ${error.message}` : error.message);
  }
});

/** Runs `action` with the editor's definition, showing a JSON error or every problem the API names. */
async function withDefinition(action) {
  const problems = $('save-problems');
  problems.replaceChildren();
  try {
    await action(JSON.parse($('definition').value));
  } catch (error) {
    say(error instanceof SyntaxError ? `Definition or input is not JSON: ${error.message}` : error.message);
    for (const problem of error.problems || []) problems.append(element('li', {}, `${problem.path}: ${problem.message}`));
  }
}

const saveDraft = (definition) => api('PUT', `/flows/${encodeURIComponent(definition.id)}/draft`, definition);

$('save-form').addEventListener('submit', (event) => {
  event.preventDefault();
  withDefinition(async (definition) => {
    const saved = await api('PUT', `/flows/${encodeURIComponent(definition.id)}`, definition);
    say(`Saved ${saved.id} version ${saved.version}`);
    await loadFlows();
    location.hash = `#flow/${saved.id}`;
  });
});

$('save-draft').addEventListener('click', () =>
  withDefinition(async (definition) => {
    const draft = await saveDraft(definition);
    say(`Saved the draft of ${draft.id} (revision ${draft.revision}); versions and the production URL are unchanged`);
    await showFlow(draft.id);
    location.hash = `#flow/${draft.id}`;
  }),
);

$('run-draft').addEventListener('click', () =>
  withDefinition(async (definition) => {
    const input = JSON.parse($('run-input').value || 'null');
    const draft = await saveDraft(definition);
    const { runId } = await api('POST', `/flows/${encodeURIComponent(draft.id)}/draft/runs`, { input });
    say(`Running draft revision ${draft.revision} of ${draft.id}`);
    location.hash = `#run/${runId}`;
  }),
);

window.addEventListener('hashchange', route);
$('api-key').value = state.key;
loadFlows().then(route);
