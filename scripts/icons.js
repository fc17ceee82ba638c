// @ts-check
// `node scripts/icons.js`: draws Hearth's app icons (the web app manifest's, the apple-touch-icon)
// from the flame of static/favicon.svg and writes them as PNGs into static/. They are committed:
// run this again only when the drawing changes. It needs no package of its own: the Chromium the
// end-to-end tests use renders each SVG at its exact size and takes a screenshot of it.
//
// Two kinds of icon:
// - "any": the favicon as it is, a rounded square (transparent corners), for places that show the
//   icon as drawn (a desktop's app list, a browser's install prompt).
// - "maskable" (and the apple-touch-icon): the colour fills the whole square, because the phone
//   cuts its own shape out of it (a circle, a squircle, rounded corners), and the flame stays
//   inside the safe zone, the centred circle of 80% of the width that every such shape keeps.
import { chromium } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const STATIC = fileURLToPath(new URL('../static/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const favicon = readFileSync(`${STATIC}favicon.svg`, 'utf8');
const FLAME = /<path d="([^"]+)" fill="(#[0-9a-f]{6})"\/>/.exec(favicon);
const BACKGROUND = /<rect [^>]*fill="(#[0-9a-f]{6})"/.exec(favicon);
if (!FLAME || !BACKGROUND) throw new Error('static/favicon.svg no longer has the rect and flame path this script draws from.');
const [, flamePath, flameColour] = FLAME;
const [, backgroundColour] = BACKGROUND;

/** The flame's bounding box in the favicon's 32-unit square: x 9 to 23, y 6 to 25. */
const FLAME_CENTRE = { x: 16, y: 15.5 };

/**
 * A full-bleed square with the flame scaled by `scale` about the square's centre. At 0.85 the
 * flame's farthest corner is 10 units from the centre: inside the safe zone's radius of 12.8.
 * @param {number} scale
 */
function fullBleed(scale) {
	const dx = 16 - FLAME_CENTRE.x * scale;
	const dy = 16 - FLAME_CENTRE.y * scale;
	return (
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="${backgroundColour}"/>` +
		`<path transform="translate(${dx} ${dy}) scale(${scale})" d="${flamePath}" fill="${flameColour}"/></svg>`
	);
}

/** @type {Array<{ file: string, size: number, svg: string }>} */
const ICONS = [
	{ file: 'icons/icon-192.png', size: 192, svg: favicon },
	{ file: 'icons/icon-512.png', size: 512, svg: favicon },
	{ file: 'icons/maskable-192.png', size: 192, svg: fullBleed(0.85) },
	{ file: 'icons/maskable-512.png', size: 512, svg: fullBleed(0.85) },
	// iOS rounds the corners itself and shows transparency as black: full bleed, a little larger flame.
	{ file: 'apple-touch-icon.png', size: 180, svg: fullBleed(0.95) }
];

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu', '--no-first-run'] });
try {
	for (const { file, size, svg } of ICONS) {
		const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
		const sized = svg.replace('<svg ', `<svg width="${size}" height="${size}" `);
		await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${sized}</body></html>`);
		const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
		writeFileSync(`${STATIC}${file}`, png);
		console.log(`static/${file}: ${size}×${size}, ${png.length} bytes`);
		await page.close();
	}
} finally {
	await browser.close();
}
