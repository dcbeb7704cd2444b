import { chromium } from 'playwright-core';
const BASE = 'http://127.0.0.1:8099';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
await page.goto(`${BASE}/login`);
await page.getByLabel('Email').fill(process.argv[2] || 'admin@sherpa.example');
await page.getByLabel('Password').fill('sherpa-demo-password');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForLoadState('networkidle');
for (const p of process.argv.slice(3)) {
  await page.goto(`${BASE}${p}`);
  await page.screenshot({ path: `/tmp/shots/${p.replace(/[^a-z0-9]/gi, '_')}.png`, fullPage: true });
}
await browser.close();
