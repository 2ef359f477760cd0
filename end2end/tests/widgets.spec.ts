import { APIRequestContext } from '@playwright/test';
import { ADMIN, VIEWER, expect, signIn, test } from './helpers';

const INCIDENTS = '/api/now/table/incident';

async function adminToken(request: APIRequestContext) {
  const login = await request.post('/api/auth/login', { data: ADMIN });
  return (await login.json()).access_token as string;
}

/** Publishes a page through the REST API and returns its address. */
async function publish(request: APIRequestContext, slug: string, widgets: unknown[]) {
  const response = await request.post('/api/pages', {
    headers: { authorization: `Bearer ${await adminToken(request)}` },
    data: { slug, title: slug, publish: true, definition: { schema_version: 1, layout: { row_height: 80, widgets } } },
  });
  expect(response.status(), await response.text()).toBe(201);
  return `/p/${slug}`;
}

const ticketTable = {
  id: 'tickets',
  type: 'table',
  props: { columns: [{ key: 'number', label: 'Number' }, { key: 'priority', label: 'Priority' }], page_size: 5 },
  position: { desktop: { x: 0, y: 1, w: 12, h: 5 } },
  binding: {
    tool: 'servicenow-demo',
    request: { path: INCIDENTS, query: { sysparm_limit: '20', sysparm_display_value: 'true' } },
    mapping: { rows: 'result[].{number: number, priority: priority}' },
  },
};

test('tables sort by a clicked header and page through their rows, with or without JavaScript', async ({ page, request }) => {
  const path = await publish(request, `paged-${Date.now().toString(36)}`, [ticketTable]);
  const incidents = (await (await request.get(`/mock/servicenow${INCIDENTS}?sysparm_limit=20&sysparm_display_value=true`)).json()).result;
  const numbers = incidents.map((ticket: any) => ticket.number as string);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  const table = page.locator('[data-widget-id="tickets"]');
  const firstColumn = table.locator('tbody tr td:first-child');
  await expect(firstColumn).toHaveText(numbers.slice(0, 5));
  await expect(table.getByTestId('page-status')).toHaveText('Page 1 of 4 · 20 rows');

  await table.getByRole('link', { name: 'Next' }).click();
  await expect(firstColumn).toHaveText(numbers.slice(5, 10));
  await expect(table.getByTestId('page-status')).toHaveText('Page 2 of 4 · 20 rows');

  await table.getByRole('link', { name: 'Number' }).click();
  const ascending = [...numbers].sort();
  await expect(firstColumn).toHaveText(ascending.slice(0, 5));
  await expect(table.locator('th').first()).toHaveAttribute('aria-sort', 'ascending');
  await table.getByRole('link', { name: 'Number' }).click();
  await expect(firstColumn).toHaveText([...ascending].reverse().slice(0, 5));
  await expect(table.locator('th').first()).toHaveAttribute('aria-sort', 'descending');
});

test('markdown, HTML and code blocks render sanitized and highlighted, pie charts draw one slice per value', async ({ page, request }) => {
  const path = await publish(request, `blocks-${Date.now().toString(36)}`, [
    { id: 'notes', type: 'markdown', props: { source: '## Runbook\n\nRestart the **job**.\n\n<script>window.hacked = 1</script>' }, position: { desktop: { x: 0, y: 0, w: 6, h: 2 } },
      style: { align: 'center', emphasis: true } },
    { id: 'raw', type: 'html', props: { html: '<p onclick="window.hacked = 2">Hello <a href="javascript:alert(1)">x</a></p>' }, position: { desktop: { x: 6, y: 0, w: 6, h: 2 } } },
    { id: 'sql', type: 'code', props: { code: "SELECT name FROM jobs WHERE state = '<b>FAILED</b>'", language: 'sql' }, position: { desktop: { x: 6, y: 2, w: 6, h: 2 } } },
    {
      id: 'pie', type: 'chart', props: { kind: 'pie', x_label: 'priority', y_label: 'incidents' },
      position: { desktop: { x: 0, y: 2, w: 6, h: 4 } },
      binding: { tool: 'servicenow-demo', request: { path: INCIDENTS, query: { sysparm_limit: '20', sysparm_display_value: 'true' } },
                 mapping: { points: "[{x: 'P1', y: length(result[?starts_with(priority, '1')])}, {x: 'other', y: length(result[?!starts_with(priority, '1')])}]" } },
    },
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  await expect(page.locator('[data-widget-id="notes"] h2')).toHaveText('Runbook');
  await expect(page.locator('[data-widget-id="notes"] strong')).toHaveText('job');
  await expect(page.locator('[data-widget-id="notes"] .widget-body')).toHaveCSS('text-align', 'center');
  await expect(page.locator('[data-widget-id="notes"]')).toHaveAttribute('data-emphasis', 'true');
  await expect(page.locator('[data-widget-id="notes"] script')).toHaveCount(0);
  await expect(page.locator('[data-widget-id="raw"] p')).not.toHaveAttribute('onclick', /./);
  await expect(page.locator('[data-widget-id="raw"] a')).not.toHaveAttribute('href', /javascript/);
  expect(await page.evaluate(() => (window as any).hacked)).toBeUndefined();
  await expect(page.locator('[data-widget-id="pie"] path.chart-slice')).toHaveCount(2);
  const code = page.locator('[data-widget-id="sql"] pre');
  await expect(code.locator('.hl-keyword').first()).toHaveText('SELECT');
  await expect(code).toContainText("'<b>FAILED</b>'");
  await expect(code.locator('b')).toHaveCount(0);
});

test('a widget shown only for one filter choice appears when that choice is made', async ({ page, request, javaScriptEnabled }) => {
  const path = await publish(request, `conditional-${Date.now().toString(36)}`, [
    { id: 'prio', type: 'filter', props: { label: 'Priority', target: 'tickets', column: 'priority' }, position: { desktop: { x: 0, y: 0, w: 4, h: 1 } } },
    { id: 'alarm', type: 'card', props: { heading: 'Critical incidents', text: 'Page the on-call engineer.', tone: 'danger' },
      position: { desktop: { x: 4, y: 0, w: 4, h: 1 } }, visibility: { when: { variable: 'prio', equals: '1 - Critical' } } },
    ticketTable,
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  const alarm = page.locator('[data-widget-id="alarm"]');
  await expect(alarm).toBeHidden();
  if (javaScriptEnabled) {
    await expect(page.locator('.dashboard-grid')).toHaveAttribute('data-hydrated', 'true');
  }
  await page.getByLabel('Priority').selectOption('1 - Critical');
  if (!javaScriptEnabled) await page.getByRole('button', { name: 'Apply' }).click();
  await expect(alarm).toBeVisible();
  await expect(alarm).toContainText('Page the on-call engineer.');
  const priorities = page.locator('[data-widget-id="tickets"] tbody td:nth-child(2)');
  await expect(priorities.first()).toHaveText('1 - Critical');
  for (const text of await priorities.allTextContents()) expect(text).toBe('1 - Critical');
});

test('a data grid scrolls through 10,000 rows with only the visible ones in the page, and a search while scrolled starts from the top', async ({ page, request, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'scrolling a virtual grid needs JavaScript');
  const token = await adminToken(request);
  const tool = `activity-${Date.now().toString(36)}`;
  const created = await request.post('/api/tools', {
    headers: { authorization: `Bearer ${token}` },
    data: { slug: tool, name: 'Azure activity log (demo)', kind: 'rest', base_url: '/mock/azure' },
  });
  expect(created.status(), await created.text()).toBe(201);
  const path = await publish(request, `grid-${Date.now().toString(36)}`, [
    {
      id: 'find', type: 'search',
      props: { placeholder: 'Search events', targets: ['events'] },
      position: { desktop: { x: 0, y: 0, w: 4, h: 1 } },
    },
    {
      id: 'events', type: 'data_grid',
      props: { columns: [{ key: 'n', label: '#' }, { key: 'op', label: 'Operation' }, { key: 'status', label: 'Status' }], row_height: 32 },
      position: { desktop: { x: 0, y: 1, w: 12, h: 6 } },
      binding: { tool, request: { path: '/activity-log', query: { count: '10000' } },
                 mapping: { rows: 'value[].{n: eventNumber, op: operationName, status: status}' } },
    },
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  const grid = page.locator('[data-widget-id="events"]');
  await expect(grid.getByText('10,000 rows')).toBeVisible();
  await expect(page.locator('.dashboard-grid')).toHaveAttribute('data-hydrated', 'true');
  const rows = grid.locator('.data-grid-row');
  await expect(rows.first()).toContainText('1');
  expect(await rows.count()).toBeLessThan(60);

  const body = grid.getByTestId('data-grid-body');
  await body.evaluate((element) => (element.scrollTop = element.scrollHeight));
  await expect(grid.locator('[aria-rowindex="10001"]')).toContainText('10,000');
  expect(await rows.count()).toBeLessThan(60);
  await body.evaluate((element) => (element.scrollTop = 32 * 5000));
  await expect(grid.locator('[aria-rowindex="5002"]')).toContainText('5,001');

  // Scrolled half-way, a search leaves fewer rows than the scroll position: the grid shows
  // the matches from the top and keeps working (a panic would stop every widget).
  const search = page.getByRole('searchbox', { name: 'Search events' });
  await search.fill('KeyVault');
  const count = grid.getByTestId('data-grid-count');
  await expect(count).toHaveText(/^[\d,]+ rows$/);
  const matches = Number((await count.textContent())!.replace(/[^\d]/g, ''));
  expect(matches).toBeGreaterThan(0);
  expect(matches).toBeLessThan(5000);
  await expect(grid.locator('[aria-rowindex="2"]')).toContainText('KeyVault');
  expect(await body.evaluate((element) => element.scrollTop)).toBe(0);
  await search.fill('');
  await expect(grid.getByText('10,000 rows')).toBeVisible();
  await expect(grid.locator('[aria-rowindex="2"]')).toContainText('1');
});

test('a data grid on a paged source reads further pages as the viewer scrolls', async ({ page, request, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'reading on while scrolling needs JavaScript');
  const all = await (await request.get(`/mock/servicenow${INCIDENTS}?sysparm_limit=100`)).json();
  const path = await publish(request, `paged-grid-${Date.now().toString(36)}`, [
    {
      id: 'incidents', type: 'data_grid',
      props: { columns: [{ key: 'number', label: 'Number' }, { key: 'summary', label: 'Summary' }], row_height: 32 },
      position: { desktop: { x: 0, y: 0, w: 12, h: 4 } },
      binding: {
        tool: 'servicenow-demo',
        request: {
          path: INCIDENTS,
          pagination: { style: 'offset', limit_param: 'sysparm_limit', offset_param: 'sysparm_offset', items: 'result', page_size: 20, max_pages: 1 },
        },
        mapping: { rows: 'result[].{number: number, summary: short_description}' },
      },
    },
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  const grid = page.locator('[data-widget-id="incidents"]');
  const count = grid.getByTestId('data-grid-count');
  // The first page comes with the page itself.
  await expect(count).toHaveText('20 rows so far, more as you scroll');
  await expect(page.locator('.dashboard-grid')).toHaveAttribute('data-hydrated', 'true');
  const body = grid.getByTestId('data-grid-body');
  // Keyboard users read on with the button...
  const more = grid.getByTestId('data-grid-more');
  await more.click();
  await expect(count).toHaveText('40 rows so far, more as you scroll');
  // ...and scrolling near the end does it by itself.
  await body.evaluate((element) => (element.scrollTop = element.scrollHeight));
  await expect(count).toHaveText('60 rows so far, more as you scroll');
  await expect(grid.locator('[aria-rowindex="41"]')).toContainText(all.result[39].number);
  // Until the source ends. (Other tests may add incidents meanwhile, so the end is read
  // from the tool afterwards.)
  await expect
    .poll(async () => {
      await body.evaluate((element) => (element.scrollTop = element.scrollHeight));
      return more.count();
    }, { timeout: 15_000 })
    .toBe(0);
  await expect(count).toHaveText(/^\d+ rows$/);
  const loaded = Number((await count.textContent())!.replace(/\D/g, ''));
  expect(loaded).toBeGreaterThanOrEqual(all.result.length);
  const end = (await (await request.get(`/mock/servicenow${INCIDENTS}?sysparm_limit=200`)).json()).result;
  await body.evaluate((element) => (element.scrollTop = element.scrollHeight));
  await expect(grid.locator(`[aria-rowindex="${loaded + 1}"]`)).toContainText(end[loaded - 1].number);
});

test('tabs switch panes (links without JavaScript) and accordions open their sections', async ({ page, request }) => {
  const text = (id: string, words: string) => ({ id, type: 'text', props: { text: words }, position: { desktop: { x: 0, y: 0, w: 12, h: 1 } } });
  const path = await publish(request, `tabs-${Date.now().toString(36)}`, [
    { id: 'views', type: 'tabs', position: { desktop: { x: 0, y: 0, w: 6, h: 3 } },
      props: { panes: [{ label: 'Jobs', widgets: [text('jobs-note', 'Nightly ETL is green')] }, { label: 'Tickets', widgets: [text('tickets-note', 'Two P1 incidents open')] }] } },
    { id: 'faq', type: 'accordion', position: { desktop: { x: 6, y: 0, w: 6, h: 3 } },
      props: { panes: [{ label: 'Who is on call?', widgets: [text('oncall', 'Grace this week')] }, { label: 'Where are runbooks?', widgets: [text('runbooks', 'In the wiki')] }] } },
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  const tabs = page.locator('[data-widget-id="views"]');
  await expect(tabs.getByRole('tab')).toHaveText(['Jobs', 'Tickets']);
  await expect(tabs.getByText('Nightly ETL is green')).toBeVisible();
  await expect(tabs.getByText('Two P1 incidents open')).toBeHidden();
  await tabs.getByRole('tab', { name: 'Tickets' }).click();
  await expect(tabs.getByText('Two P1 incidents open')).toBeVisible();
  await expect(tabs.getByText('Nightly ETL is green')).toBeHidden();
  await expect(tabs.getByRole('tab', { name: 'Tickets' })).toHaveAttribute('aria-selected', 'true');

  const faq = page.locator('[data-widget-id="faq"]');
  await expect(faq.getByText('Grace this week')).toBeVisible();
  await expect(faq.getByText('In the wiki')).toBeHidden();
  await faq.getByText('Where are runbooks?').click();
  await expect(faq.getByText('In the wiki')).toBeVisible();
});

test('a binding with a polling interval refreshes the page by itself', async ({ page, request, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'polling runs in the browser');
  const path = await publish(request, `polling-${Date.now().toString(36)}`, [
    { id: 'bar', type: 'refresh_bar', props: {}, position: { desktop: { x: 0, y: 0, w: 12, h: 1 } } },
    { id: 'open', type: 'kpi', props: { label: 'Open incidents', trend: 'lower_is_better', thresholds: { warning: 5, critical: 10 } },
      position: { desktop: { x: 0, y: 1, w: 3, h: 2 } },
      binding: { tool: 'servicenow-demo', request: { path: INCIDENTS, query: { sysparm_limit: '20' } }, mapping: { value: 'length(result)' },
                 refresh_seconds: 2, cache_ttl_seconds: 0 } },
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  // 20 open incidents is past the critical threshold of 10.
  await expect(page.locator('[data-widget-id="open"] .kpi')).toHaveAttribute('data-tone', 'bad');
  const stamp = page.getByTestId('last-updated');
  const first = await stamp.getAttribute('datetime');
  await expect(stamp).not.toHaveAttribute('datetime', first!, { timeout: 8_000 });
});

test("a filter's choice goes into the request of the widgets bound to it", async ({ page, request, javaScriptEnabled }) => {
  const runs = (await (await request.get('/mock/databricks/api/2.1/jobs/runs/list?limit=25')).json()).runs;
  const runsOf = async (id: number) => (await (await request.get(`/mock/databricks/api/2.1/jobs/runs/list?limit=25&job_id=${id}`)).json()).runs;
  // A job with more runs than the first 25 show: only asking the tool finds them all.
  let job = 0;
  for (const id of new Set<number>(runs.map((r: any) => r.job_id))) {
    if ((await runsOf(id)).length > runs.filter((r: any) => r.job_id === id).length) { job = id; break; }
  }
  expect(job, 'a job with runs beyond the first page').not.toBe(0);
  const path = await publish(request, `job-filter-${Date.now().toString(36)}`, [
    { id: 'job', type: 'filter', props: { label: 'Job', target: 'runs', column: 'job', options: [...new Set(runs.map((r: any) => String(r.job_id)))] },
      position: { desktop: { x: 0, y: 0, w: 4, h: 1 } } },
    { id: 'runs', type: 'table', props: { columns: [{ key: 'run', label: 'Run' }, { key: 'job', label: 'Job' }] },
      position: { desktop: { x: 0, y: 1, w: 12, h: 5 } },
      binding: { tool: 'databricks-demo', request: { path: '/api/2.1/jobs/runs/list', query: { limit: '25', job_id: '{{job}}' } },
                 mapping: { rows: 'runs[*].{run: run_id, job: to_string(job_id)}' } } },
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  const jobCells = page.locator('[data-widget-id="runs"] tbody td:nth-child(2)');
  await expect(jobCells).toHaveCount(runs.length);
  if (javaScriptEnabled) await expect(page.locator('.dashboard-grid')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Job').selectOption(String(job));
  if (!javaScriptEnabled) await page.getByRole('button', { name: 'Apply' }).click();
  // The tool itself answered with that job's runs only (it was asked with job_id).
  const only = await runsOf(job);
  await expect(jobCells).toHaveCount(only.length);
  for (const text of await jobCells.allTextContents()) expect(text).toBe(String(job));
});

test('the built-in examples render together: Databricks job monitor, ServiceNow tickets, Power BI embed and a custom API', async ({ page, request }) => {
  const token = await adminToken(request);
  const tool = `status-${Date.now().toString(36)}`;
  const created = await request.post('/api/tools', {
    headers: { authorization: `Bearer ${token}` },
    data: {
      slug: tool, name: 'Status API', kind: 'rest', base_url: '/mock/statuspage',
      auth: { type: 'api_key', location: 'header', name: 'X-API-Key' }, secret: 'demo-status-key',
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const runs = await (await request.get('/mock/databricks/api/2.1/jobs/runs/list?limit=25')).json();
  const failed = runs.runs.filter((run: any) => run.state.result_state === 'FAILED').length;
  const tickets = await (await request.get(`/mock/servicenow${INCIDENTS}?sysparm_limit=5`)).json();
  const status = await (await request.get('/mock/statuspage/api/v1/components', { headers: { 'X-API-Key': 'demo-status-key' } })).json();
  const at = (x: number, y: number, w: number, h: number) => ({ desktop: { x, y, w, h } });
  const path = await publish(request, `examples-${Date.now().toString(36)}`, [
    { id: 'failed-runs', type: 'kpi', props: { label: 'Failed runs', trend: 'lower_is_better' }, position: at(0, 0, 3, 2),
      binding: { tool: 'databricks-demo', request: { path: '/api/2.1/jobs/runs/list', query: { limit: '25' } },
                 mapping: { value: "length(runs[?state.result_state=='FAILED'])" } } },
    { id: 'tickets', type: 'table', props: { columns: [{ key: 'number', label: 'Number' }, { key: 'summary', label: 'Summary' }] },
      position: at(3, 0, 9, 4),
      binding: { tool: 'servicenow-demo', request: { path: INCIDENTS, query: { sysparm_limit: '5' } },
                 mapping: { rows: 'result[].{number: number, summary: short_description}' } } },
    { id: 'report', type: 'iframe', props: { src: '/mock/powerbi/embed/5b2f7a1e-0000-4000-8000-000000000001', title: 'Platform costs report' },
      position: at(0, 4, 6, 4) },
    { id: 'components', type: 'table', props: { columns: [{ key: 'name', label: 'Component' }, { key: 'uptime', label: 'Uptime' }] },
      position: at(6, 4, 6, 4),
      binding: { tool, request: { path: '/api/v1/components' }, mapping: { rows: 'components[].{name: name, uptime: uptime}' },
                 transforms: { 'rows.uptime': [{ kind: 'percent', decimals: 1 }] } } },
  ]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  await expect(page.locator('[data-widget-id="failed-runs"] [data-testid="kpi-value"]')).toHaveText(String(failed));
  const ticketRows = page.locator('[data-widget-id="tickets"] tbody tr');
  await expect(ticketRows).toHaveCount(5);
  await expect(ticketRows.first().locator('td').first()).toHaveText(tickets.result[0].number);
  await expect(page.frameLocator('[data-widget-id="report"] iframe').getByRole('heading', { name: 'Platform costs' })).toBeVisible();
  const componentRows = page.locator('[data-widget-id="components"] tbody tr');
  await expect(componentRows).toHaveCount(status.components.length);
  await expect(componentRows.first()).toContainText(status.components[0].name);
  await expect(componentRows.first()).toContainText(`${(status.components[0].uptime * 100).toFixed(1)}%`);
});
