import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** A random, URL-safe id for a row (120 bits). Ids are made by the app, never by the database. */
export function newId(): string {
	const bytes = new Uint8Array(15);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/** Whether a value has the shape of an id made by newId; anything else is never looked up. */
export function isRowId(value: string): boolean {
	return /^[a-z2-7]{1,64}$/.test(value);
}
