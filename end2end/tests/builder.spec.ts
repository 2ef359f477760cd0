import { Locator, Page } from '@playwright/test';
import { ADMIN, VIEWER, expect, signIn, test, waitForHydration } from './helpers';
import { cellPoint, dragFromPalette, newPage, select, unique, viewerPage, waitSaved } from './builder-helpers';

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'the builder is interactive');

async function position(page: Page) {
  const props = page.locator('.builder-props');
  return {
    x: Number(await props.getByLabel('Column', { exact: true }).inputValue()),
    y: Number(await props.getByLabel('Row', { exact: true }).inputValue()),
    w: Number(await props.getByLabel('Width', { exact: true }).inputValue()),
    h: Number(await props.getByLabel('Height', { exact: true }).inputValue()),
  };
}

/** Each widget's box as fractions of its grid's width, so canvases of any width compare. */
async function relativeBoxes(grid: Locator, ids: string[]) {
  const gridBox = (await grid.boundingBox())!;
  const boxes: Record<string, { left: number; width: number; top: number }> = {};
  for (const id of ids) {
    const box = (await grid.locator(`[data-widget-id="${id}"]`).boundingBox())!;
    boxes[id] = { left: (box.x - gridBox.x) / gridBox.width, width: box.width / gridBox.width, top: box.y - gridBox.y };
  }
  return boxes;
}

test('an admin builds a dashboard from the palette, binds it to demo tools and publishes it for viewers', async ({ page, browser, request }) => {
  test.setTimeout(120_000);
  // Tall enough that every drop target on the canvas is on screen.
  await page.setViewportSize({ width: 1400, height: 1400 });
  const title = unique('Ops board');
  await signIn(page, ADMIN);
  await newPage(page, title);

  await dragFromPalette(page, 'text', 0, 0);
  await dragFromPalette(page, 'button', 4, 0);
  await dragFromPalette(page, 'search', 6, 0);
  await dragFromPalette(page, 'filter', 0, 1);
  await dragFromPalette(page, 'table', 0, 2);
  await dragFromPalette(page, 'chart', 6, 2);
  await dragFromPalette(page, 'iframe', 0, 6);
  await dragFromPalette(page, 'form', 6, 6);
  const ids = ['text-1', 'button-1', 'search-1', 'filter-1', 'table-1', 'chart-1', 'iframe-1', 'form-1'];
  for (const id of ids) await expect(page.locator(`.builder-canvas [data-widget-id="${id}"]`)).toBeVisible();
  await select(page, 'table-1');
  expect(await position(page)).toEqual({ x: 0, y: 2, w: 6, h: 4 });

  // Table ← ServiceNow incidents, columns taken from the mapped rows.
  const props = page.locator('.builder-props');
  await props.getByLabel('Tool').selectOption({ label: 'ServiceNow (demo)' });
  await props.getByLabel('Endpoint').selectOption({ label: 'Incidents' });
  await expect(props.getByLabel('rows ← JMESPath')).toHaveValue(/result\[\]/);
  await expect(props.getByTestId('preview-rows')).toContainText('"ID":"INC');
  await props.getByRole('button', { name: 'Use columns from the data' }).click();
  await expect(page.locator('.builder-canvas [data-widget-id="table-1"] thead th')).toHaveText(['AssignedTo', 'ID', 'Priority', 'State']);

  // Chart ← Databricks job runs.
  await select(page, 'chart-1');
  await props.getByLabel('Tool').selectOption({ label: 'Databricks (demo)' });
  await props.getByLabel('Endpoint').selectOption({ label: 'Job runs (newest first)' });
  await expect(page.locator('.builder-canvas [data-widget-id="chart-1"] svg rect.chart-bar')).toHaveCount(25);

  // Search and filter work on the table.
  await select(page, 'search-1');
  await props.getByRole('checkbox', { name: 'table-1' }).check();
  await select(page, 'filter-1');
  await props.getByLabel('Filters table').selectOption('table-1');
  await props.getByLabel('Column key').fill('State');
  await props.getByLabel('Column key').press('Tab');

  await waitSaved(page);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('publish-state')).toHaveText('Published');
  const builderBoxes = await relativeBoxes(page.getByTestId('canvas'), ids);
  const slug = await page.evaluate(() => document.querySelector('a[href^="/p/"][target=_blank]')!.getAttribute('href')!.replace(/\?.*$/, ''));

  const tickets = await (
    await request.get('/mock/servicenow/api/now/table/incident?sysparm_limit=20&sysparm_offset=0&sysparm_display_value=true')
  ).json();
  const viewer = await viewerPage(browser, slug);
  const grid = viewer.page.locator('.dashboard-grid');
  await waitForHydration(viewer.page, '.dashboard-grid');
  const viewerBoxes = await relativeBoxes(grid, ids);
  for (const id of ids) {
    expect(viewerBoxes[id].left, `${id} left`).toBeCloseTo(builderBoxes[id].left, 1);
    expect(viewerBoxes[id].width, `${id} width`).toBeCloseTo(builderBoxes[id].width, 1);
  }
  // Same rows in the same order: widgets sharing a row on the canvas share it for viewers.
  const rowsOf = (boxes: typeof builderBoxes) => ids.map((id) => ids.filter((other) => Math.abs(boxes[other].top - boxes[id].top) < 4).sort().join());
  expect(rowsOf(viewerBoxes)).toEqual(rowsOf(builderBoxes));

  // New tables show 10 rows a page.
  const rows = grid.locator('[data-widget-id="table-1"] tbody tr');
  await expect(rows).toHaveCount(10);
  await expect(grid.locator('[data-widget-id="table-1"]').getByTestId('page-status')).toHaveText(`Page 1 of 2 · ${tickets.result.length} rows`);
  await expect(grid.locator('[data-widget-id="chart-1"] svg rect.chart-bar')).toHaveCount(25);
  await expect(grid.locator('[data-widget-id="iframe-1"] iframe')).toHaveAttribute('src', '/mock/powerbi/embed/demo');
  const wanted = tickets.result[3].number as string;
  await grid.locator('[data-widget-id="search-1"] input').fill(wanted);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(wanted);
  await viewer.context.close();
});

test('undo and redo step through edits', async ({ page }) => {
  await signIn(page, ADMIN);
  await newPage(page, unique('Undo'));
  await page.getByRole('button', { name: 'Add Text' }).click();
  const text = page.locator('.builder-canvas [data-widget-id="text-1"]');
  await expect(text).toContainText('New text');
  const field = page.locator('.builder-props').getByLabel('Text', { exact: true });
  await field.fill('Hello operators');
  await field.press('Tab');
  await expect(text).toContainText('Hello operators');

  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(text).toContainText('New text');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.locator('.builder-canvas [data-widget-id]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
  await page.getByRole('button', { name: 'Redo' }).click();
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(text).toContainText('Hello operators');
  await expect(page.getByRole('button', { name: 'Redo' })).toBeDisabled();
  // Keyboard: Ctrl+Z on the canvas undoes too.
  await text.focus();
  await page.keyboard.press('Control+z');
  await expect(text).toContainText('New text');
  await page.keyboard.press('Control+y');
  await expect(text).toContainText('Hello operators');
  await waitSaved(page);
});

test('a widget is placed, moved, resized, copied and deleted with the keyboard alone', async ({ page }) => {
  await signIn(page, ADMIN);
  await newPage(page, unique('Keyboard'));
  const add = page.getByRole('button', { name: 'Add KPI tile' });
  await add.focus();
  await page.keyboard.press('Enter');
  const kpi = page.locator('.builder-canvas [data-widget-id="kpi-1"]');
  await expect(kpi).toBeFocused();
  expect(await position(page)).toEqual({ x: 0, y: 0, w: 3, h: 2 });

  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await expect(kpi).toBeFocused();
  expect(await position(page)).toEqual({ x: 2, y: 1, w: 4, h: 3 });

  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  const copy = page.locator('.builder-canvas [data-widget-id="kpi-2"]');
  await expect(copy).toBeFocused();
  await page.keyboard.press('Delete');
  await expect(copy).toHaveCount(0);
  await expect(kpi).toBeVisible();
  await waitSaved(page);
});

test('a later save of the same page gets a conflict and can continue as a copy', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  const title = unique('Shared');
  await newPage(page, title);
  const builderUrl = page.url();

  const other = await browser.newContext();
  const second = await other.newPage();
  await signIn(second, ADMIN, `/login?next=${encodeURIComponent(new URL(builderUrl).pathname)}`);
  await waitForHydration(second, '#builder');

  await page.getByRole('button', { name: 'Add Heading' }).click();
  await waitSaved(page);

  await second.getByRole('button', { name: 'Add Text' }).click();
  await expect(second.getByTestId('conflict')).toBeVisible();
  await expect(second.getByTestId('conflict')).toContainText('saved this page');
  await expect(second.getByTestId('save-state')).toHaveAttribute('data-state', 'conflict');
  await second.getByRole('button', { name: 'Keep editing a copy' }).click();
  await expect(second).not.toHaveURL(builderUrl);
  await expect(second).toHaveURL(/\/builder\/\d+$/);
  await waitForHydration(second, '#builder');
  await expect(second.locator('.builder-canvas [data-widget-id="text-1"]')).toBeVisible();
  await other.close();

  // The first editor's work was not overwritten.
  await page.reload();
  await waitForHydration(page, '#builder');
  await expect(page.locator('.builder-canvas [data-widget-id="heading-1"]')).toBeVisible();
  await expect(page.locator('.builder-canvas [data-widget-id="text-1"]')).toHaveCount(0);
});

test('the mobile breakpoint stacks widgets full width, in the builder and for viewers', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await newPage(page, unique('Phone'));
  await page.getByRole('button', { name: 'Add KPI tile' }).click();
  await page.getByRole('button', { name: 'Add Text' }).click();
  await page.getByRole('button', { name: 'Mobile' }).click();
  const canvas = page.getByTestId('canvas');
  await expect(canvas).toHaveAttribute('data-breakpoint', 'mobile');
  const canvasBox = (await canvas.boundingBox())!;
  const kpi = (await canvas.locator('[data-widget-id="kpi-1"]').boundingBox())!;
  const text = (await canvas.locator('[data-widget-id="text-1"]').boundingBox())!;
  expect(kpi.width).toBeCloseTo(canvasBox.width, 0);
  expect(text.width).toBeCloseTo(canvasBox.width, 0);
  expect(text.y).toBeGreaterThanOrEqual(kpi.y + kpi.height);
  await waitSaved(page);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('publish-state')).toHaveText('Published');
  const slug = await page.evaluate(() => document.querySelector('a[href^="/p/"][target=_blank]')!.getAttribute('href')!.replace(/\?.*$/, ''));

  const viewer = await viewerPage(browser, slug, { width: 390, height: 844 });
  const grid = viewer.page.locator('.dashboard-grid');
  const gridBox = (await grid.boundingBox())!;
  const viewerKpi = (await grid.locator('[data-widget-id="kpi-1"]').boundingBox())!;
  const viewerText = (await grid.locator('[data-widget-id="text-1"]').boundingBox())!;
  expect(viewerKpi.width).toBeCloseTo(gridBox.width, 0);
  expect(viewerText.y).toBeGreaterThan(viewerKpi.y + viewerKpi.height - 1);
  await viewer.context.close();
});

test('pages are created from templates, duplicated and deleted from the pages area', async ({ page }) => {
  await signIn(page, ADMIN);
  const title = unique('Jobs');
  await newPage(page, title, 'Databricks Job Monitor');
  await expect(page.locator('.builder-canvas [data-widget-id]').first()).toBeVisible();
  await expect(page.locator('.builder-canvas .widget-error')).toHaveCount(0);

  await page.goto('/admin/pages');
  await waitForHydration(page, '#pages-area');
  await page.getByRole('button', { name: `Duplicate ${title}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Created "${title} (copy)"` })).toBeVisible();
  await expect(page.getByRole('link', { name: `${title} (copy)` }).first()).toBeVisible();

  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: `Delete ${title} (copy)` }).click();
  await expect(page.getByRole('link', { name: `${title} (copy)` })).toHaveCount(0);
  await expect(page.getByRole('link', { name: title, exact: true }).first()).toBeVisible();
});

test('preview shows the draft; publishing and unpublishing decide what viewers get', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await newPage(page, unique('Release notes'));
  await page.getByRole('button', { name: 'Add Heading' }).click();
  const field = page.locator('.builder-props').getByLabel('Text', { exact: true });
  await field.fill('Maintenance on Saturday');
  await field.press('Tab');
  await waitSaved(page);

  const [preview] = await Promise.all([page.waitForEvent('popup'), page.getByRole('link', { name: 'Preview' }).click()]);
  await expect(preview.getByTestId('draft-note')).toBeVisible();
  await expect(preview.locator('[data-widget-id="heading-1"]')).toHaveText('Maintenance on Saturday');
  const path = new URL(preview.url()).pathname;
  await preview.close();

  const viewer = await browser.newContext();
  const viewerPage = await viewer.newPage();
  await signIn(viewerPage, VIEWER);
  expect((await viewerPage.goto(path))?.status()).toBe(404);

  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('publish-state')).toHaveText('Published');
  expect((await viewerPage.goto(path))?.status()).toBe(200);
  await expect(viewerPage.locator('[data-widget-id="heading-1"]')).toHaveText('Maintenance on Saturday');
  await expect(viewerPage.getByTestId('draft-note')).toHaveCount(0);

  await page.getByRole('button', { name: 'Unpublish' }).click();
  await expect(page.getByTestId('publish-state')).toHaveText('Draft');
  expect((await viewerPage.goto(path))?.status()).toBe(404);
  await viewer.close();
});

test('widgets are added to the panes of a tabs container and viewers switch between them', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await newPage(page, unique('Tabbed'));
  await page.getByRole('button', { name: 'Add Tabs' }).click();
  const props = page.locator('.builder-props');
  await props.getByLabel('Add a widget to First').selectOption({ label: 'Heading' });
  await expect(props.locator('h2')).toContainText('heading-1');
  const text = props.getByLabel('Text', { exact: true });
  await text.fill('Jobs overview');
  await text.press('Tab');
  await props.getByRole('button', { name: 'Select the container' }).click();
  await props.getByLabel('Pane 2 label').fill('Tickets');
  await props.getByLabel('Pane 2 label').press('Tab');
  await props.getByLabel('Add a widget to Tickets').selectOption({ label: 'Text' });
  await props.getByLabel('Text', { exact: true }).fill('Incidents by priority');
  await props.getByLabel('Text', { exact: true }).press('Tab');
  const container = page.locator('.canvas-widget[data-widget-id="tabs-1"]');
  await expect(container.getByRole('tab')).toHaveText(['First', 'Tickets']);
  await expect(container.getByText('Jobs overview')).toBeVisible();
  await waitSaved(page);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('publish-state')).toHaveText('Published');
  const slug = await page.evaluate(() => document.querySelector('a[href^="/p/"][target=_blank]')!.getAttribute('href')!.replace(/\?.*$/, ''));

  const viewer = await viewerPage(browser, slug);
  const tabs = viewer.page.locator('[data-widget-id="tabs-1"]');
  await waitForHydration(viewer.page, '.dashboard-grid');
  await expect(tabs.getByText('Jobs overview')).toBeVisible();
  await tabs.getByRole('tab', { name: 'Tickets' }).click();
  await expect(tabs.getByText('Incidents by priority')).toBeVisible();
  await expect(tabs.getByText('Jobs overview')).toBeHidden();
  await viewer.context.close();
});

test('a table binding follows the pages of its source', async ({ page }) => {
  await signIn(page, ADMIN);
  await newPage(page, unique('All incidents'));
  await page.getByRole('button', { name: 'Add Table' }).click();
  const props = page.locator('.builder-props');
  await props.getByLabel('Tool').selectOption({ label: 'ServiceNow (demo)' });
  await props.getByLabel('Endpoint').selectOption({ label: 'Incidents' });
  await props.getByRole('button', { name: 'Use columns from the data' }).click();
  const status = page.locator('.canvas-widget[data-widget-id="table-1"]').getByTestId('page-status');
  await expect(status).toHaveText('Page 1 of 2 · 20 rows');

  await props.getByLabel('Follow pages').selectOption('offset');
  for (const [label, value] of [['Items at (e.g. result)', 'result'], ['Page size', '20'], ['At most pages', '5'],
                                ['Limit parameter', 'sysparm_limit'], ['Offset parameter', 'sysparm_offset']]) {
    await props.getByLabel(label, { exact: true }).fill(value);
    await props.getByLabel(label, { exact: true }).press('Tab');
  }
  // The demo source holds 60 incidents (more once other tests create some): every page of
  // 20 is fetched, where one request gave 20.
  await expect(status).toHaveText(/^Page 1 of \d+ · \d+ rows$/);
  await expect(async () => {
    const [, pages, rows] = (await status.textContent())!.match(/Page 1 of (\d+) · (\d+) rows/)!.map(Number);
    expect(rows).toBeGreaterThanOrEqual(60);
    expect(pages).toBe(Math.ceil(rows / 10));
  }).toPass();
  await waitSaved(page);
});
