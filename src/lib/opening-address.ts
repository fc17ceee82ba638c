/**
 * The address that opens something in place without JavaScript: this page with `?name=value`
 * (kept with the page's other parameters, less the name of a form action it was the answer to,
 * like ?/react) and `#anchor`. Relative to the page, which it always is.
 */
export function openingAddress(page: URL, name: string, value: string, anchor: string): string {
	const url = new URL(page);
	for (const key of [...url.searchParams.keys()]) if (key.startsWith('/')) url.searchParams.delete(key);
	url.searchParams.set(name, value);
	return `${url.search}#${anchor}`;
}
