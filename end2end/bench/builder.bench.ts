/**
 * Builder benchmark: a page with 100 widgets, timed in Chromium.
 *   - move step: one arrow-key move (the edit a drag step makes) until the canvas has repainted;
 *   - drag-over step: one dragover event over a new cell until the drop ghost and alignment
 *     guides have repainted;
 *   - property edit: one change in the property panel until the canvas shows it.
 * Prints median and 95th percentile in milliseconds. Run with scripts/bench-builder.sh.
 */
import { expect, test } from '@playwright/test';

const WIDGETS = 100;
const SAMPLES = 40;

function definition() {
  const kinds = [
    { type: 'text', props: { text: 'Runbook note' } },
    { type: 'kpi', props: { label: 'Failed runs' } },
    { type: 'heading', props: { text: 'Section', level: 3 } },
    { type: 'card', props: { heading: 'Card', text: 'Body text', tone: 'info' } },
  ];
  const widgets = Array.from({ length: WIDGETS }, (_, index) => ({
    id: `w${index}`,
    ...kinds[index % kinds.length],
    position: { desktop: { x: (index % 4) * 3, y: Math.floor(index / 4) * 2, w: 3, h: 2 } },
  }));
  return { schema_version: 1, layout: { row_height: 80, widgets } };
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5).toFixed(1), p95: at(0.95).toFixed(1), samples: sorted.length };
}

test('builder with 100 widgets: time per drag step and per property edit', async ({ page, request }) => {
  test.setTimeout(300_000);
  const login = await request.post('/api/auth/login', { data: { email: 'admin@example.com', password: 'Admin123!' } });
  const token = (await login.json()).access_token;
  const slug = `bench-${Date.now().toString(36)}`;
  const created = await request.post('/api/pages', {
    headers: { authorization: `Bearer ${token}` },
    data: { slug, title: 'Builder benchmark', definition: definition() },
  });
  expect(created.ok()).toBeTruthy();
  const { id } = await created.json();

  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/login');
  await page.getByLabel('Email').fill('admin@example.com');
  await page.getByLabel('Password').fill('Admin123!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.goto(`/builder/${id}`);
  await expect(page.locator('#builder')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('.builder-canvas [data-widget-id]')).toHaveCount(WIDGETS);

  const target = page.locator('.builder-canvas [data-widget-id="w0"]');
  await target.focus();
  const moves = await page.evaluate(async (samples) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const widget = document.querySelector('.builder-canvas [data-widget-id="w0"]') as HTMLElement;
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const key = i % 2 === 0 ? 'ArrowRight' : 'ArrowLeft';
      const before = widget.getAttribute('style');
      const start = performance.now();
      widget.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
      await frame();
      if (widget.getAttribute('style') === before) throw new Error('the move did not apply');
      times.push(performance.now() - start);
    }
    return times;
  }, SAMPLES);

  const dragOvers = await page.evaluate(async (samples) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const canvas = document.querySelector('.builder-canvas') as HTMLElement;
    const widget = document.querySelector('.builder-canvas [data-widget-id="w5"]') as HTMLElement;
    const bounds = canvas.getBoundingClientRect();
    const transfer = new DataTransfer();
    const start = widget.getBoundingClientRect();
    widget.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: transfer, clientX: start.x + 5, clientY: start.y + 5 }));
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const x = bounds.x + ((i % 9) + 0.5) * (bounds.width / 12);
      const y = bounds.y + 20 + (i % 7) * 96;
      const t0 = performance.now();
      canvas.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: transfer, clientX: x, clientY: y }));
      await frame();
      if (!document.querySelector('.drop-ghost')) throw new Error('no drop ghost');
      times.push(performance.now() - t0);
    }
    widget.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer: transfer }));
    return times;
  }, SAMPLES);

  await target.click({ position: { x: 8, y: 8 } });
  const titleField = page.locator('.builder-props').getByLabel('Title');
  await expect(titleField).toBeVisible();
  const edits = await page.evaluate(async (samples) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const input = [...document.querySelectorAll('.builder-props label')]
      .find((label) => label.textContent?.startsWith('Title'))!
      .querySelector('input') as HTMLInputElement;
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const text = `Title ${i}`;
      const start = performance.now();
      input.value = text;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      await frame();
      const shown = document.querySelector('.builder-canvas [data-widget-id="w0"] .widget-title')?.textContent;
      if (shown !== text) throw new Error(`canvas shows ${shown}`);
      times.push(performance.now() - start);
    }
    return times;
  }, SAMPLES);

  const report = {
    widgets: WIDGETS,
    move_step_ms: stats(moves),
    drag_over_step_ms: stats(dragOvers),
    property_edit_ms: stats(edits),
  };
  console.log(JSON.stringify(report, null, 2));
});
