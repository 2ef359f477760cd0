import { ADMIN, expect, signIn, test, waitForHydration } from './helpers';
import { dragFromPalette, newPage, select, unique, viewerPage, waitSaved } from './builder-helpers';

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'the Tool Manager and the builder are interactive');

const STATUS_KEY = 'demo-status-key';

test('acceptance flow 3: a new REST tool with an API key is mapped visually and its data reaches viewers', async ({ page, browser, request }) => {
  test.setTimeout(150_000);
  await page.setViewportSize({ width: 1400, height: 1400 });
  const live = await (await request.get('/mock/statuspage/api/v1/components', { headers: { 'X-API-Key': STATUS_KEY } })).json();
  expect((await request.get('/mock/statuspage/api/v1/components')).status(), 'the demo API wants its key').toBe(401);

  // The admin registers the tool: API key, a pasted sample and one named endpoint.
  const name = unique('Status API');
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto('/admin/tools');
  await waitForHydration(page, '#tools-area');
  await page.getByRole('button', { name: 'Add tool' }).first().click();
  const form = page.locator('section.tool-form-panel');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Base URL', { exact: true }).fill('/mock/statuspage');
  await form.getByLabel(/^Test path/).fill('/api/v1/components');
  await form.getByLabel('Authentication').selectOption('api_key');
  await form.getByLabel('Header name', { exact: true }).fill('X-API-Key');
  await form.getByLabel('API key', { exact: true }).fill(STATUS_KEY);
  const sample = {
    summary: { operational: 1, degraded: 0 },
    components: [{ id: 'cmp-0', name: 'Sample component', status: 'operational', uptime: 0.5, updated_at: '2026-11-01T00:00:00Z' }],
  };
  await form.getByLabel(/^Sample response/).fill(JSON.stringify(sample, null, 2));
  const endpoints = form.getByTestId('tool-endpoints');
  await endpoints.fill('[{"name": "components", "label": ""}]');
  await form.getByRole('button', { name: 'Add tool' }).click();
  // Mistakes in the endpoint list are named before anything is sent.
  await expect(form.locator('#endpoints-issues')).toContainText('request');
  await endpoints.fill(JSON.stringify([{ name: 'components', label: 'Components', request: { path: '/api/v1/components' }, root: 'components' }]));
  await form.getByRole('button', { name: 'Add tool' }).click();
  await expect(page.locator('p.form-note')).toContainText(`Saved "${name}"`);

  const row = page.getByRole('row', { name: new RegExp(name) });
  await row.getByRole('button', { name: `Test connection to ${name}` }).click();
  await expect(row.getByTestId('tool-status')).toHaveText('OK');
  await expect(row.locator('pre')).toContainText('"components"');

  // A table bound through the endpoint; the mapper shows the sample, then the live answer.
  await newPage(page, unique('Status board'));
  await dragFromPalette(page, 'table', 0, 0);
  await dragFromPalette(page, 'kpi', 8, 0);
  await select(page, 'table-1');
  const props = page.locator('.builder-props');
  await props.getByLabel('Tool').selectOption({ label: name });
  await props.getByLabel('Endpoint').selectOption({ label: 'Components' });
  await expect(props.getByLabel('rows ← JMESPath')).toHaveValue('components');
  const mapper = props.getByTestId('field-mapper');
  await mapper.getByRole('button', { name: 'Use sample' }).click();
  await expect(mapper.getByTestId('mapper-status')).toHaveText("The tool's sample answer.");
  await expect(mapper.getByRole('treeitem').filter({ hasText: '"Sample component"' })).toBeVisible();
  await mapper.getByRole('button', { name: 'Load answer' }).click();
  await expect(mapper.getByTestId('mapper-status')).toContainText('Live answer from');
  await expect(mapper.getByRole('treeitem').filter({ hasText: `each of ${live.components.length} items` })).toBeVisible();

  // The suggestion maps rows and columns from the list of objects.
  await mapper.getByTestId('mapper-suggestion').first().click();
  await expect(props.getByLabel('rows ← JMESPath')).toHaveValue(/^components\[\]\.\{id: id, name: name, status: status/);
  const canvasTable = page.locator('.builder-canvas [data-widget-id="table-1"] table');
  await expect(canvasTable.locator('thead th')).toHaveText(['Id', 'Name', 'Status', 'Updated at', 'Uptime']);
  await expect(mapper.getByTestId('mapper-result')).toContainText('"Databricks workspace"');

  // Safe transforms: uptime as a percentage, status codes as words.
  const transforms = props.getByTestId('transforms');
  await transforms.getByTestId('transform-field').selectOption('rows.uptime');
  await transforms.getByTestId('transform-kind').selectOption('percent');
  await transforms.getByTestId('transform-add').click();
  const percent = transforms.getByTestId('transform-step').filter({ hasText: 'rows.uptime' });
  await percent.getByLabel('Decimals').fill('2');
  await percent.getByLabel('Decimals').press('Tab');
  await expect(canvasTable).toContainText('99.87%');
  await transforms.getByTestId('transform-field').selectOption('rows.status');
  await transforms.getByTestId('transform-kind').selectOption('map_values');
  await transforms.getByTestId('transform-add').click();
  const words = transforms.getByTestId('transform-step').filter({ hasText: 'rows.status' });
  await words.getByTestId('transform-values').fill('operational = Operational\ndegraded_performance = Degraded');
  await words.getByTestId('transform-values').press('Tab');
  await expect(canvasTable).toContainText('Degraded');

  // Click-to-map: the KPI takes the number of degraded components from the tree.
  await select(page, 'kpi-1');
  await props.getByLabel('Tool').selectOption({ label: name });
  await props.getByLabel('Endpoint').selectOption({ label: 'Components' });
  await expect(props.getByLabel('value ← JMESPath')).toHaveValue('length(components)');
  await mapper.getByRole('button', { name: 'Load answer' }).click();
  await mapper.locator('[data-path="summary.degraded"]').click();
  await expect(props.getByLabel('value ← JMESPath')).toHaveValue('summary.degraded');
  await expect(mapper.getByTestId('mapper-result')).toHaveText(String(live.summary.degraded));
  // A broken expression says why instead of showing a value.
  await props.getByLabel('value ← JMESPath').fill('summary.[');
  await props.getByLabel('value ← JMESPath').press('Tab');
  await expect(mapper.getByTestId('mapper-result')).toHaveClass(/error/);
  await mapper.locator('[data-path="summary.degraded"]').click();

  await waitSaved(page);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('publish-state')).toHaveText('Published');
  const slug = await page.evaluate(() => document.querySelector('a[href^="/p/"][target=_blank]')!.getAttribute('href')!.replace(/\?.*$/, ''));

  // The viewer sees the live data, mapped and formatted.
  const viewer = await viewerPage(browser, slug);
  const table = viewer.page.locator('[data-widget-id="table-1"] table');
  await expect(table.locator('tbody tr')).toHaveCount(live.components.length);
  const first = live.components[0];
  await expect(table.locator('tbody tr').first().locator('td')).toHaveText([
    first.id,
    first.name,
    'Operational',
    first.updated_at,
    `${(first.uptime * 100).toFixed(2)}%`,
  ]);
  await expect(table).toContainText('Degraded');
  await expect(viewer.page.locator('[data-widget-id="kpi-1"] [data-testid="kpi-value"]')).toHaveText(String(live.summary.degraded));
  await viewer.context.close();
});
