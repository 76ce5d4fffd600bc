import { startWebApp } from './test/browser/harness';
const app = await startWebApp();
const page = await app.browser.newPage({ viewport: { width: 1024, height: 700 } });
await page.goto(app.url);
await page.waitForSelector('body[data-state="loaded"]', { timeout: 60000 });
console.log(await page.evaluate(() => ['toolbar','error','workspace','statusbar','left-dock','viewport-section','help-overlay','toast'].map((id) => { const e = document.getElementById(id)!; const r = e.getBoundingClientRect(); return `${id} ${getComputedStyle(e).display} y=${r.y} h=${r.height}`; }).join('\n') + '\nbody ' + document.body.getBoundingClientRect().height + ' ' + getComputedStyle(document.body).gridTemplateRows + '\nchildren ' + Array.from(document.body.children).map((c) => c.tagName + '#' + c.id + ':' + getComputedStyle(c).display).join(' ')));
await app.close();
