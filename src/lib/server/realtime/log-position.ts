// Where a page's data stands in its circle's event log (see circles/events.ts). The position is
// read from the committed reader before any of the request's data, once per request and circle,
// so the layout and the page share it whichever of their loads asks first: the data then
// reflects at least every event up to it, and the browser replays what came after.
import { getCommittedDb, getEventLogGeneration } from '$lib/server/db';
import { latestCircleEventSeq } from '$lib/server/circles/events';
import type { LogPosition } from '$lib/realtime/events';

export function logPositionFor(locals: App.Locals, circleId: string): Promise<LogPosition> {
	const known = (locals.logPositions ??= new Map());
	let position = known.get(circleId);
	if (!position) {
		position = latestCircleEventSeq(getCommittedDb(), circleId).then((seq) => ({ generation: getEventLogGeneration(), seq }));
		known.set(circleId, position);
	}
	return position;
}
