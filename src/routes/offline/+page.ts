// Prerendered at build time, so the service worker can keep it and show it when a page cannot be
// fetched (src/service-worker.ts): it holds nothing of anyone's.
export const prerender = true;
