/** setHeaders as SvelteKit has it: setting a header twice in one request is an error. */
export function setHeadersInto(headers: Record<string, string>) {
	return (added: Record<string, string>) => {
		for (const [name, value] of Object.entries(added)) {
			if (name.toLowerCase() in headers) throw new Error(`"${name}" header is already set`);
			headers[name.toLowerCase()] = value;
		}
	};
}
