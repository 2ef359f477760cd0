import { Browser, Locator, Page } from '@playwright/test';
import { VIEWER, expect, signIn, waitForHydration } from './helpers';

// Builder steps shared by the builder and field mapper tests.

const GRID_COLUMNS = 12;
const GAP = 16;

export function unique(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** Creates a blank page from the pages area and waits for the builder to be ready. */
export async function newPage(page: Page, title: string, template = '') {
  await page.goto('/admin/pages');
  await waitForHydration(page, '#pages-area');
  await page.getByLabel('Title').fill(title);
  if (template) await page.getByLabel('Start from').selectOption({ label: template });
  await page.getByRole('button', { name: 'Create and open' }).click();
  await expect(page).toHaveURL(/\/builder\/\d+$/);
  await waitForHydration(page, '#builder');
}

/** The point inside the canvas cell (x, y) — a little in from its top-left corner. */
export async function cellPoint(canvas: Locator, x: number, y: number) {
  const box = (await canvas.boundingBox())!;
  const rowHeight = Number((await canvas.getAttribute('style'))!.match(/--row-h:(\d+)px/)![1]);
  const column = (box.width - GAP * (GRID_COLUMNS - 1)) / GRID_COLUMNS;
  return { x: x * (column + GAP) + 6, y: y * (rowHeight + GAP) + 6 };
}

export async function dragFromPalette(page: Page, type: string, x: number, y: number) {
  const canvas = page.getByTestId('canvas');
  await page.locator(`[data-palette-type="${type}"]`).dragTo(canvas, { targetPosition: await cellPoint(canvas, x, y) });
  // Let the autosave settle (saved, or refused with its problems listed) so nothing moves
  // under the pointer during the next drag.
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', /^(saved|error)$/);
}

export async function select(page: Page, id: string) {
  // A click that lands while the canvas swaps in fresh data may miss; click again then.
  await expect(async () => {
    await page.locator(`.builder-canvas [data-widget-id="${id}"]`).click({ position: { x: 8, y: 8 } });
    await expect(page.locator('.builder-props h2')).toContainText(id, { timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
}

export async function waitSaved(page: Page) {
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
}

export async function viewerPage(browser: Browser, path: string, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  await expect(page).toHaveURL(new RegExp(`${path.replace('?', '\\?')}$`));
  return { context, page };
}
