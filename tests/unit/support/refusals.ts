// How a test says "this was refused": the domain throws a Refusal (server/refusal.ts).
import { isRefusal, type Refusal } from '$lib/server/refusal';

/** The Refusal the work was refused with; fails the test when it succeeded or threw something else. */
export async function refusalOf(work: Promise<unknown>): Promise<Refusal> {
	try {
		await work;
	} catch (caught) {
		if (isRefusal(caught)) return caught;
		throw caught;
	}
	throw new Error('expected a refusal, but it succeeded');
}

/** A refusal's reason, words and field, for one toEqual. */
export async function refused(work: Promise<unknown>): Promise<{ reason: string; message: string; field: string | undefined }> {
	const refusal = await refusalOf(work);
	return { reason: refusal.reason, message: refusal.message, field: refusal.field };
}
