import { chromium } from 'playwright-core';
const BASE = 'http://127.0.0.1:8094';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
async function session(email, width) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('sherpa-demo-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('networkidle');
  return page;
}
const leader = await session('vp.cs@sherpa.example', 1280);
await leader.goto(`${BASE}/adoption?tier=1`);
await leader.screenshot({ path: '/tmp/shot-adoption.png', fullPage: false });
const first = await leader.locator('#adoption-matrix tbody a').first().getAttribute('href');
await leader.goto(`${BASE}${first.replace('#whitespace','')}`);
await leader.locator('#effectiveness').screenshot({ path: '/tmp/shot-effectiveness.png' });
await leader.locator('#whitespace').screenshot({ path: '/tmp/shot-whitespace.png' });
const phone = await session('mcsm.1@sherpa.example', 390);
await phone.goto(`${BASE}/adoption`);
await phone.screenshot({ path: '/tmp/shot-adoption-phone.png' });
await phone.goto(`${BASE}${first.replace('#whitespace','')}#effectiveness`);
await phone.locator('#effectiveness').screenshot({ path: '/tmp/shot-effectiveness-phone.png' });
console.log(first, await phone.evaluate(() => document.documentElement.scrollWidth));
await browser.close();
