import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: {
		runes: true,
		// Every element a component's style can reach carries its scoping class, so on the circle
		// home (hundreds of elements) the default "svelte-" and seven characters add kilobytes to
		// each page; six characters are plenty to keep the few dozen components apart.
		cssHash: ({ hash, css }) => `s${hash(css).slice(0, 5)}`
	},
	kit: {
		adapter: adapter(),
		// The prerendered offline page (src/routes/offline) is what the service worker answers for
		// any page it cannot fetch, at that page's address: its scripts and styles must be named
		// from the root (/_app/…), not relative to /offline.
		paths: { relative: false },
		// src/service-worker.ts is registered by the root layout ($lib/service-worker/app-update.svelte.ts),
		// which also watches for a new version waiting to take over.
		serviceWorker: { register: false },
		// SvelteKit's CSRF origin check is on by default and stays on: no `csrf` override here.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				// 'unsafe-hashes' with one hash allows exactly SvelteKit's route announcer's inline
				// style (it hides the announcer visually) and no other inline style.
				'style-src': ['self', 'unsafe-hashes', 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				// The service worker (/service-worker.js) and the web app manifest come from Hearth itself.
				'worker-src': ['self'],
				'manifest-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
