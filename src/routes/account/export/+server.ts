// "Download my data": the signed-in person's export as a JSON file, streamed a page of rows at a
// time (src/lib/server/account/export.ts). Signed out, the link leads to log in and back here.
import { getDb } from '$lib/server/db';
import { exportAccountJson, exportFileName } from '$lib/server/account/export';
import { requireUser } from '$lib/server/http/guards';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const chunks = exportAccountJson(getDb(), user.id);
	const encoder = new TextEncoder();
	const body = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				const next = await chunks.next();
				if (next.done) controller.close();
				else controller.enqueue(encoder.encode(next.value));
			},
			async cancel() {
				await chunks.return(undefined);
			}
		},
		// Nothing is read before the download asks for it: the export holds a read snapshot (a
		// connection) from its first chunk to its last, so it must not begin for an answer never read.
		{ highWaterMark: 0 }
	);
	return new Response(body, {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': `attachment; filename="${exportFileName()}"`,
			'cache-control': 'no-store'
		}
	});
};
