// A request run through the server hook (hooks.server.ts `handle`, the whole sequence) as
// SvelteKit runs it: an event with a cookie jar, inside kit's own request store (which `sequence`
// reads for its tracer), with the route behind it played by `resolve`.
import type { Handle, RequestEvent } from '@sveltejs/kit';

type WithRequestStore = <T>(store: unknown, run: () => T) => T;

/** The event SvelteKit would give the hook for `request`; its cookies live in `jar`. */
export function hookEvent(request: Request, jar: Map<string, string>, more: Record<string, unknown> = {}): RequestEvent {
	return {
		url: new URL(request.url),
		request,
		locals: {},
		cookies: {
			get: (name: string) => jar.get(name),
			set: (name: string, value: string) => jar.set(name, value),
			delete: (name: string) => jar.delete(name)
		},
		route: { id: null },
		getClientAddress: () => '203.0.113.7',
		...more
	} as unknown as RequestEvent;
}

/** Runs `handle` on `event` with `resolve` as the route, as kit does. */
export async function throughHandle(handle: Handle, event: RequestEvent, resolve: (event: RequestEvent) => Response | Promise<Response>): Promise<Response> {
	// Kit's own request store; the module has no types of its own.
	const { with_request_store: withRequestStore } = (await import('@sveltejs/kit/internal/server' as string)) as { with_request_store: WithRequestStore };
	const state = { tracing: { record_span: ({ fn }: { fn: (span: unknown) => unknown }) => fn({}) } };
	return withRequestStore({ event, state }, () => handle({ event, resolve }));
}
