// A post's key (issue 18, item 2): made on the device, once per check-in or reply, and sent with
// every try of it, so the server stores it once (src/lib/server/checkins/post-keys.ts).

/** A random UUID (version 4). crypto.randomUUID is only there on https and localhost: elsewhere it is made from getRandomValues. */
export function newClientKey(): string {
	if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	bytes[6] = (bytes[6]! & 0x0f) | 0x40;
	bytes[8] = (bytes[8]! & 0x3f) | 0x80;
	const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A form's fields as the outbox keeps them (one string each). A field sent several times (the
 * members a check-in is for: checkboxes of one name) is kept as its values, space-separated; the
 * server reads those apart again (server/forms.ts `many`), so a queued check-in keeps its audience.
 */
export function outboxFields(formData: FormData): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const [name, value] of formData) {
		if (typeof value !== 'string') continue;
		fields[name] = name in fields ? `${fields[name]} ${value}` : value;
	}
	return fields;
}
