// Word-by-word differences between two texts, for showing what a new version of an agreement
// changes. Whitespace runs are tokens too, so joining the parts gives back either text exactly.

export interface DiffPart {
	kind: 'same' | 'added' | 'removed';
	text: string;
}

function tokens(text: string): string[] {
	return text.match(/\s+|[^\s]+/g) ?? [];
}

/**
 * The longest common subsequence of words decides what stayed; the rest was removed from
 * `before` or added in `after`. Texts are at most a few thousand words, so the quadratic table
 * is small; beyond a limit the whole text is shown as replaced rather than spending seconds.
 */
export function diffWords(before: string, after: string): DiffPart[] {
	if (before === after) return before ? [{ kind: 'same', text: before }] : [];
	const a = tokens(before);
	const b = tokens(after);
	// Common start and end need no table.
	let start = 0;
	while (start < a.length && start < b.length && a[start] === b[start]) start++;
	let end = 0;
	while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
	const aMid = a.slice(start, a.length - end);
	const bMid = b.slice(start, b.length - end);

	const parts: DiffPart[] = [];
	const push = (kind: DiffPart['kind'], text: string) => {
		if (!text) return;
		const last = parts[parts.length - 1];
		if (last && last.kind === kind) last.text += text;
		else parts.push({ kind, text });
	};
	push('same', a.slice(0, start).join(''));

	if (aMid.length * bMid.length > 4_000_000) {
		push('removed', aMid.join(''));
		push('added', bMid.join(''));
	} else {
		const rows = aMid.length + 1;
		const cols = bMid.length + 1;
		// lengths[i][j]: LCS of aMid[i..] and bMid[j..]
		const lengths = new Uint32Array(rows * cols);
		for (let i = aMid.length - 1; i >= 0; i--) {
			for (let j = bMid.length - 1; j >= 0; j--) {
				lengths[i * cols + j] = aMid[i] === bMid[j] ? lengths[(i + 1) * cols + j + 1]! + 1 : Math.max(lengths[(i + 1) * cols + j]!, lengths[i * cols + j + 1]!);
			}
		}
		let i = 0;
		let j = 0;
		while (i < aMid.length && j < bMid.length) {
			if (aMid[i] === bMid[j]) {
				push('same', aMid[i]!);
				i++;
				j++;
			} else if (lengths[(i + 1) * cols + j]! >= lengths[i * cols + j + 1]!) {
				push('removed', aMid[i]!);
				i++;
			} else {
				push('added', bMid[j]!);
				j++;
			}
		}
		while (i < aMid.length) push('removed', aMid[i++]!);
		while (j < bMid.length) push('added', bMid[j++]!);
	}

	push('same', a.slice(a.length - end).join(''));
	return parts;
}
