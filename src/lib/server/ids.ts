import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** A random, URL-safe id for a row (120 bits). Ids are made by the app, never by the database. */
export function newId(): string {
	const bytes = new Uint8Array(15);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}
