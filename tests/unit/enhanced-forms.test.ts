// Every form the page sends itself (`use:enhance`) goes through an EnhancedForm and shows its
// FormProblem: while Hearth cannot reach its database (a 503) such a form keeps what was typed and
// chosen and says so next to it, instead of leaving the page for the error page (what a bare
// `use:enhance` does with an error). The browser side of it is in tests/e2e/faults-postgres.spec.ts;
// this keeps a new form from slipping past it.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '../../src');

function svelteFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return svelteFiles(full);
		return entry.name.endsWith('.svelte') ? [full] : [];
	});
}

interface Problem {
	file: string;
	line: number;
	what: string;
}

/** What is wrong with the enhanced forms of one component's source. */
function enhancedFormProblems(file: string, source: string): Problem[] {
	const problems: Problem[] = [];
	const lineOf = (index: number) => source.slice(0, index).split('\n').length;
	for (const match of source.matchAll(/use:enhance(=\{([^}]*)\})?/g)) {
		const line = lineOf(match.index);
		// Either `x.submit` of an EnhancedForm, or a submit made by outboxSubmit({ form: x, … }) (which
		// hands whatever it does not keep on the device to x.submit).
		const expression = (match[2] ?? '').trim();
		const outboxForm = new RegExp(`\\b${expression.replace(/\W/g, '')}\\s*=\\s*outboxSubmit\\(\\{[^]*?\\bform:\\s*([A-Za-z_$][\\w$]*)`).exec(source)?.[1];
		const sender = /^([A-Za-z_$][\w$]*)\.submit$/.exec(expression)?.[1] ?? (/^[A-Za-z_$][\w$]*$/.test(expression) ? outboxForm : undefined);
		if (!sender) {
			problems.push({ file, line, what: `use:enhance${match[1] ?? ''}: not an EnhancedForm's submit` });
			continue;
		}
		if (!new RegExp(`\\b${sender}\\s*=\\s*new EnhancedForm\\(`).test(source)) problems.push({ file, line, what: `${sender} is not an EnhancedForm made here` });
		if (!new RegExp(`<FormProblem\\b[^>]*\\bform=\\{${sender}\\}`).test(source))
			problems.push({ file, line, what: `no <FormProblem form={${sender}}> shows what happened to it` });
	}
	return problems;
}

describe('forms sent by the page', () => {
	it('every use:enhance is an EnhancedForm whose FormProblem is shown', () => {
		const files = svelteFiles(SRC);
		const problems = files.flatMap((file) => enhancedFormProblems(path.relative(SRC, file), readFileSync(file, 'utf8')));
		expect(problems.map(({ file, line, what }) => `${file}:${line}: ${what}`)).toEqual([]);
		// Not vacuous: the app's forms were found.
		expect(files.filter((file) => readFileSync(file, 'utf8').includes('use:enhance')).length).toBeGreaterThan(20);
	});

	it('tells a bare use:enhance, one of its own, and a form whose problem is not shown', () => {
		const bare = '<form use:enhance><button>Go</button></form>';
		const own = '<form use:enhance={() => async ({ update }) => update({ reset: false })}></form>';
		const unshown = '<script>const sending = new EnhancedForm();</script><form use:enhance={sending.submit}></form>';
		const fine = '<script>const sending = new EnhancedForm();</script><form use:enhance={sending.submit}></form><FormProblem form={sending} keeps />';
		const outboxed =
			'<script>const sending = new EnhancedForm(); const keepOrSend = outboxSubmit({ outbox, form: sending });</script><form use:enhance={keepOrSend}></form><FormProblem form={sending} />';
		expect(enhancedFormProblems('outboxed', outboxed)).toEqual([]);
		expect(enhancedFormProblems('outboxed, unshown', outboxed.replace('<FormProblem form={sending} />', ''))).toHaveLength(1);
		expect(enhancedFormProblems('bare', bare)).toHaveLength(1);
		expect(enhancedFormProblems('own', own)).toHaveLength(1);
		expect(enhancedFormProblems('unshown', unshown).map((p) => p.what)).toEqual(['no <FormProblem form={sending}> shows what happened to it']);
		expect(enhancedFormProblems('fine', fine)).toEqual([]);
	});
});
