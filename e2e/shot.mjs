import { chromium } from 'playwright-core';
const [,, who, ...paths] = process.argv;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
for (const width of [1280, 390]) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto('http://127.0.0.1:8091/login');
  await page.fill('input[name=email]', who);
  await page.fill('input[name=password]', 'sherpa-demo-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  for (const p of paths) {
    await page.goto('http://127.0.0.1:8091' + p);
    const name = p.replace(/[^a-z0-9]+/gi, '_');
    await page.screenshot({ path: `/tmp/shots/${name}_${width}.png`, fullPage: true });
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    console.log(p, width, 'scrollWidth', w);
  }
  await page.close();
}
await browser.close();
