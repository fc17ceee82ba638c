// The offline outbox (issue 18, item 2): check-ins and replies kept on the device until they can
// be sent, each once. Browser-only (IndexedDB); nothing here touches the DOM, so a service worker
// can import it too: `flush()` sends what is waiting, `listWaiting()` lists it.
export { listWaiting, outboxAvailable, type OutboxPost } from './store';
export { flush, type FlushResult } from './send';
export { newClientKey } from './keys';
export { OUTBOX_SYNC_TAG } from './background-sync';
