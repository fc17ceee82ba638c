// This device's side of push notifications: whether the browser can, whether it was allowed, and
// turning them on (permission, then the push service's subscription, then the server keeps it) or
// off. Nothing here runs on its own: turning on starts from a person's click on the account page.

/** Where this device stands. */
export type DeviceState = 'checking' | 'unsupported' | 'denied' | 'on' | 'off';

export const SUBSCRIPTION_PATH = '/push/subscription';

export function pushSupported(): boolean {
	return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** The service worker's registration, or null when there is none within a few seconds. */
async function registration(): Promise<ServiceWorkerRegistration | null> {
	const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000));
	return Promise.race([navigator.serviceWorker.ready, timeout]);
}

/** Where this device stands, given the endpoints the server keeps for this session. */
export async function deviceState(kept: string[]): Promise<DeviceState> {
	if (!pushSupported()) return 'unsupported';
	if (Notification.permission === 'denied') return 'denied';
	const found = await (await registration())?.pushManager.getSubscription();
	return found && Notification.permission === 'granted' && kept.includes(found.endpoint) ? 'on' : 'off';
}

function applicationServerKey(publicKey: string): Uint8Array<ArrayBuffer> {
	const base64 = publicKey.replace(/-/g, '+').replace(/_/g, '/');
	const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
	const key = new Uint8Array(new ArrayBuffer(binary.length));
	for (let i = 0; i < binary.length; i++) key[i] = binary.charCodeAt(i);
	return key;
}

async function send(method: 'POST' | 'DELETE', body: unknown): Promise<{ ok: boolean; message?: string }> {
	const response = await fetch(SUBSCRIPTION_PATH, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	if (response.ok) return { ok: true };
	const answer = (await response.json().catch(() => ({}))) as { message?: string };
	return { ok: false, message: answer.message };
}

export type TurnOnOutcome = { state: DeviceState; endpoint?: string; problem?: string };

/** Asks the browser for permission (this is the one place that does), subscribes, and tells the server. */
export async function turnOn(publicKey: string): Promise<TurnOnOutcome> {
	const permission = await Notification.requestPermission();
	if (permission === 'denied') return { state: 'denied' };
	if (permission !== 'granted') return { state: 'off', problem: 'Nothing changed: the browser wasn’t given permission. You can try again whenever you like.' };
	const worker = await registration();
	if (!worker)
		return { state: 'off', problem: 'Hearth’s offline helper (its service worker) isn’t running in this browser, so notifications can’t be turned on here.' };
	let subscription: PushSubscription;
	try {
		subscription = await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: applicationServerKey(publicKey) });
	} catch {
		return { state: 'off', problem: 'This browser couldn’t reach its push service just now. Please try again later.' };
	}
	try {
		const answer = await send('POST', { subscription: subscription.toJSON() });
		if (answer.ok) return { state: 'on', endpoint: subscription.endpoint };
		await subscription.unsubscribe();
		return { state: 'off', problem: answer.message ?? 'Hearth couldn’t keep this device’s subscription. Please try again.' };
	} catch {
		await subscription.unsubscribe().catch(() => {});
		return { state: 'off', problem: 'Hearth couldn’t be reached. Check your connection and try again.' };
	}
}

/** Unsubscribes this browser and tells the server (which forgets it either way once it answers 404/410). */
export async function turnOff(): Promise<{ state: DeviceState; problem?: string }> {
	const subscription = await (await registration())?.pushManager.getSubscription();
	if (!subscription) return { state: 'off' };
	const { endpoint } = subscription;
	await subscription.unsubscribe().catch(() => false);
	try {
		await send('DELETE', { endpoint });
	} catch {
		return { state: 'off', problem: 'Turned off in this browser. Hearth couldn’t be told just now; it stops trying by itself.' };
	}
	return { state: 'off' };
}
