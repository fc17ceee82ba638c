// Prerendered at build time, so the service worker can keep it and show it when a page cannot be
// fetched (src/service-worker.ts): it holds nothing of anyone's.
export const prerender = true;

// Shown at whatever address failed, the page's route there is that address's: the layout knows
// this page by its data instead (it offers no "Log in", which would only fail too).
export const load = () => ({ offlinePage: true });
