// Kind-words help while writing (issue 20, item 2). It runs in the browser only, on the words
// being typed: no network, no outside service, nothing stored. It notices phrasing that research on
// family communication (CRAFT, SMART Recovery Family & Friends) says pushes people away, and offers a
// gentler pattern. It never blocks posting and never changes the words by itself.
//
// Every rule leans towards silence: a false alarm on an ordinary sentence ("I cleaned the kitchen",
// "I will love you always") teaches people to ignore the helper, so each pattern needs context that
// makes the hurtful reading the likely one. tests/unit/kind-words.test.ts holds the phrases that
// must and must not be flagged; add to it with every change here.

export type KindWordsKind = 'stigma' | 'always-never' | 'why-cant-you' | 'blame' | 'ultimatum' | 'shouting';

export interface KindWordsHint {
	kind: KindWordsKind;
	/** The words as written that the hint is about. */
	match: string;
	/** Where they are in the text (UTF-16 offsets, as textarea selections use). */
	start: number;
	end: number;
	/** What to say, in one or two kind sentences. */
	suggestion: string;
	/** For stigmatising words: the person-first words to use instead. */
	instead?: string;
}

/** Longer texts than the longest a form accepts are not looked at (the form refuses them anyway). */
const MAX_TEXT_LENGTH = 20_000;

const I_STATEMENT = 'Try an “I” statement: “I feel … when … I’d like …”.';

interface Rule {
	kind: KindWordsKind;
	pattern: RegExp;
	suggestion: string | ((match: string) => string);
	instead?: (match: string) => string;
	/** A match this says no to is not flagged (the kind reading of the same words). */
	unless?: (text: string, start: number, end: number) => boolean;
}

const BE = String.raw`(?:is|was|were|are|am|be|been|being|’s|'s|’m|'m|’re|'re|stay|stays|stayed|staying|get|gets|got|getting|go|goes|went|going|remain|remains|remained|keep|keeps|kept)`;
const SPAN = String.raw`(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirty|sixty|ninety|a few|several|many)`;
const UNIT = String.raw`(?:days?|weeks?|months?|years?)`;
/** What follows "clean" said of a person ("stay clean this weekend"), never a noun ("clean towels"). */
const AFTER_CLEAN = String.raw`(?:and|for|since|now|again|today|tonight|yet|this|that|in|until|till|while|at|after|before|by|so|but|or|anymore|ever|forever|long|through|over|with|thank|too)`;
const CLAUSE_START = String.raw`(?:^|[.!?;:,—–-]\s*|\n\s*|\b(?:and|but|because|cause|cos|when|whenever|if|so|that|like|honestly|seriously|god)\s+)`;

function personFirst(word: string): string {
	const plural = /s$/i.test(word);
	return plural ? 'people in recovery (or people who use drugs)' : 'a person in recovery (or a person who uses drugs)';
}

const RULES: Rule[] = [
	// Stigmatising words, with the person-first alternative.
	{
		kind: 'stigma',
		pattern: /\b(?:addicts?|junkies|junkie|druggies|druggie|crackheads?|dope ?fiends?|drug abusers?|substance abusers?|abusers?|alcoholics?)\b/gi,
		suggestion: (match) => `“${match}” can hurt, even said with love. Person-first words keep the person in view.`,
		instead: personFirst,
		unless: (text, start) => /\b(?:child|spousal|domestic|sexual|elder)\s+$/i.test(text.slice(Math.max(0, start - 10), start))
	},
	{
		kind: 'stigma',
		pattern: new RegExp(
			String.raw`\b(?:${SPAN}\s+${UNIT}\s+clean\b|clean\s+(?:for|since)\s+(?:${SPAN}|last|about|almost|over|nearly)\b|clean\s+(?:time|date)\b|clean\s+and\s+sober\b|${BE}\s+(?:completely\s+|fully\s+|totally\s+|still\s+)?clean(?=\s*(?:[.!?,;)]|$|${AFTER_CLEAN}\b)))`,
			'gi'
		),
		suggestion: '“Clean” suggests a person who uses is dirty. Say what you mean plainly.',
		instead: (match) =>
			/\d|a |one|few|several|many/i.test(match) && /day|week|month|year/i.test(match)
				? 'in recovery (e.g. “30 days in recovery”)'
				: 'in recovery, or not using',
		unless: (text, start) => {
			// "the kitchen is clean", "my room was clean", "the house stayed clean": a thing, not a person.
			const before = text.slice(Math.max(0, start - 40), start).toLowerCase();
			return /\b(?:kitchen|room|house|car|floor|dishes|clothes|laundry|bathroom|place|sheets|table|yard|garage|fridge|counter|desk|apartment|bed|towels?|shirt|water|air|record|slate|it|that|this|everything)\s*$/.test(
				before
			);
		}
	},
	{
		kind: 'stigma',
		pattern:
			/\b(?:dirty\s+(?:tests?|urine|drug\s+tests?|screens?|results?|samples?|UAs?|u\/as?)\b|(?:tested|testing|tests|test\s+came\s+back|came\s+back|was\s+found)\s+dirty\b|(?:he|she|they|you|i)(?:’s|'s|’re|'re|’m|'m|\s+is|\s+was|\s+are|\s+am|\s+were|\s+got|\s+been)\s+dirty\s+(?:again|now)\b)/gi,
		suggestion: '“Dirty” makes a test result sound like a judgement of the person.',
		instead: (match) => (/test|urine|screen|result|sample|ua|u\/a/i.test(match) ? 'a positive test' : 'using again')
	},
	// "You always", "you never": at the start of what is said about the other person.
	{
		kind: 'always-never',
		pattern: new RegExp(String.raw`${CLAUSE_START}(you(?:\s+are|’re|'re)?\s+(?:always|never|constantly|forever)\b)`, 'gi'),
		suggestion: `“Always” and “never” can feel like an attack, and the other person stops listening. ${I_STATEMENT}`,
		unless: (text, _start, end) =>
			/^\s*(?:know\b(?!\s+(?:better|it\s+all))|let\s+(?:me|us|anyone|anybody)\s+down|(?:welcome|loved|wanted|there\s+for|in\s+(?:my|our)\s+(?:heart|thoughts|prayers)|so\s+(?:kind|good|strong|brave|patient|thoughtful)|the\s+(?:best|first)|strong|brave|kind|right\s+about|good\s+(?:at|to|with)|a\s+(?:joy|blessing|light|gift|help))\b|can\s+(?:tell|be\s+too)|have\s+(?:me|us|a\s+home|a\s+place|someone|family|people|my)|has\s+|will\s+(?:have|be\s+(?:loved|welcome|my|our))|be\s+(?:loved|welcome|my|our)|walk\s+alone|(?:need|needed|have|had)\s+to\s+(?:apologi[sz]e|be\s+alone|do\s+this\s+alone|go\s+through|explain|earn|hide|feel\s+alone|be\s+ashamed|face)|alone|(?:gave|give)\s+up|stopped\s+trying|fail\s+to\s+make\s+me\s+(?:smile|laugh|proud)|cease\s+to\s+amaze|make\s+me\s+(?:smile|laugh|proud)|know\s+how\s+to\s+make\s+me\s+(?:smile|laugh))/i.test(
				text.slice(end, end + 40)
			)
	},
	// "Why can't you …": a question that is really blame.
	{
		kind: 'why-cant-you',
		pattern:
			/\bwhy\s+(?:(?:can(?:’|')?t|cant|can\s+not|cannot|won(?:’|')?t|wont|couldn(?:’|')?t)\s+you\s+(?:ever\s+|always\s+|never\s+|just\s+)?|(?:don(?:’|')?t|didn(?:’|')?t|do|did|would|must)\s+you\s+(?:ever|always|never|just)\s+)/gi,
		suggestion: `“Why can’t you …” often lands as blame, not a question. ${I_STATEMENT}`,
		unless: (text, _start, end) =>
			// A real question: "why don't you come for dinner", "why didn't you tell me you needed help" is still asked kindly.
			/^(?:come|join|stay|bring|call\s+me\s+(?:when|if|tonight|tomorrow)|sit|rest|take\s+(?:a\s+break|it\s+easy|the\s+day)|let\s+me\s+(?:help|know)|tell\s+me\s+(?:more|what\s+you\s+need|if)|try\s+(?:the|a|this|that)\s+(?:meeting|group|class|app|program))/i.test(
				text.slice(end, end + 30)
			) && !/\b(?:ever|always|never)\s*$/i.test(text.slice(0, end))
	},
	// Blame.
	{
		kind: 'blame',
		pattern:
			/\b(?:it(?:’|')?s\s+(?:all\s+)?your\s+(?:own\s+)?fault|it\s+(?:is|was)\s+(?:all\s+)?your\s+(?:own\s+)?fault|(?:all\s+)?because\s+of\s+you\b|you\s+(?:ruined|ruin|destroyed|destroy|wrecked)\b|you\s+made\s+me\s+(?:do|say|feel|cry|lie|hate)\b|look\s+(?:at\s+)?what\s+you(?:’ve|'ve)?\s+(?:did|done|have\s+done)\b|you(?:’re|'re|\s+are)\s+(?:so\s+|such\s+a\s+|a\s+|just\s+a\s+)?(?:selfish|liar|lazy|hopeless|pathetic|disappointment|worthless|useless|failure|disgrace|mess|waste)\b|you\s+(?:only|just)\s+(?:ever\s+)?think\s+(?:of|about)\s+yourself|shame\s+on\s+you|what(?:’|')?s\s+wrong\s+with\s+you)/gi,
		suggestion: `Blame makes it harder to hear each other. Say how it was for you: ${I_STATEMENT.replace('Try an', 'an')}`
	},
	// Ultimatums and threats.
	{
		kind: 'ultimatum',
		pattern:
			/\b(?:(?:this\s+is\s+(?:your\s+)?|it(?:’|')?s\s+your\s+|you(?:’|')?re\s+on\s+your\s+)(?:last|final)\s+chance|or\s+else\b|(?:i(?:’|')?m|i\s+am|we(?:’|')?re|we\s+are)\s+(?:so\s+)?(?:done|finished)\s+with\s+you|one\s+more\s+(?:time|slip|lie|mistake)\s+and\b|if\s+you\s+(?:ever\s+|don(?:’|')?t\s+|do\s+not\s+|won(?:’|')?t\s+)?[^.!?\n]{0,60}?(?:i(?:’|')?ll|i\s+will|we(?:’|')?ll|we\s+will)\s+(?:leave|kick\s+you\s+out|throw\s+you\s+out|cut\s+you\s+off|be\s+done|never\s+(?:speak|talk|forgive|see)|take\s+(?:the\s+kids|away)|call\s+the\s+police\s+on\s+you|disown))/gi,
		unless: (text, start) =>
			/^if\s+you\s+(?:don(?:’|')?t\s+|do\s+not\s+)?(?:mind|want|like|need|prefer|wish|can|could|would|please|are\s+free|have\s+time|get\s+a\s+chance)\b/i.test(
				text.slice(start, start + 40)
			),
		suggestion:
			'Ultimatums in the heat of the moment tend to push people away. A boundary you agree on together holds better: you can propose one under Agreements.'
	}
];

/** Words of three letters or more in capitals that are not shouting. */
const NOT_SHOUTING = new Set([
	'AA',
	'NA',
	'ER',
	'ICU',
	'SMART',
	'CRAFT',
	'MAT',
	'MOUD',
	'USA',
	'UK',
	'TV',
	'DMV',
	'ASAP',
	'RSVP',
	'FYI',
	'LOL',
	'OMG',
	'SAMHSA',
	'NAMI',
	'IOP',
	'PHP',
	'CEO',
	'GED',
	'DUI',
	'DWI',
	'HIV',
	'ADHD',
	'PTSD',
	'OCD',
	'CPR',
	'EMT',
	'EMS'
]);

/** Capitals of joy are not shouting ("SO PROUD OF YOU", "THANK YOU SO MUCH"). */
const JOY = /\b(?:THANK|THANKS|LOVE|PROUD|CONGRATULATIONS|CONGRATS|HAPPY|BIRTHDAY|YAY|YES|WOW|HOORAY|AMAZING|GREAT|WELL DONE|GO|PRAISE|BLESS|MISS)\b/;

/** Four words or more in capitals in a row (acronyms left out): reads as shouting. */
function shoutingHints(text: string): KindWordsHint[] {
	const hints: KindWordsHint[] = [];
	const word = /[A-Za-z’']+/g;
	let run: Array<{ start: number; end: number; letters: number }> = [];
	const close = () => {
		const long = run.filter((w) => w.letters >= 3).length;
		const start = run[0]?.start ?? 0;
		const end = run[run.length - 1]?.end ?? 0;
		if (run.length >= 4 && long >= 2 && !JOY.test(text.slice(start, end))) {
			hints.push({
				kind: 'shouting',
				match: text.slice(start, end),
				start,
				end,
				suggestion: 'Capitals can read as shouting. Ordinary letters are easier to take in.'
			});
		}
		run = [];
	};
	let previousEnd = 0;
	for (const found of text.matchAll(word)) {
		const value = found[0];
		const start = found.index!;
		const letters = value.replace(/[’']/g, '');
		const gap = text.slice(previousEnd, start);
		// A sentence's end or a line break ends a run; commas and spaces do not.
		if (/[.!?\n]/.test(gap) && run.length > 0) close();
		const capitals =
			letters.length >= 1 && letters === letters.toUpperCase() && /[A-Z]/.test(letters) && (letters.length > 1 || letters === 'I' || letters === 'A');
		if (capitals && !NOT_SHOUTING.has(letters)) run.push({ start, end: start + value.length, letters: letters.length });
		else if (run.length > 0) close();
		previousEnd = start + value.length;
	}
	close();
	return hints;
}

/**
 * The hints for this text, in the order they appear; of overlapping ones only the one that starts
 * first (the longer, when two start together) is given. Empty for text with nothing to say about.
 */
export function kindWordsHints(text: string): KindWordsHint[] {
	if (!text || text.length > MAX_TEXT_LENGTH) return [];
	const hints: KindWordsHint[] = [];
	for (const rule of RULES) {
		for (const found of text.matchAll(rule.pattern)) {
			// Rules that need a clause start capture the words themselves in group 1.
			const match = found[1] ?? found[0];
			const start = found.index! + found[0].lastIndexOf(match);
			const end = start + match.length;
			if (rule.unless?.(text, start, end)) continue;
			const trimmed = match.replace(/\s+$/, '');
			hints.push({
				kind: rule.kind,
				match: trimmed,
				start,
				end: start + trimmed.length,
				suggestion: typeof rule.suggestion === 'function' ? rule.suggestion(trimmed) : rule.suggestion,
				...(rule.instead ? { instead: rule.instead(trimmed) } : {})
			});
		}
	}
	hints.push(...shoutingHints(text));
	hints.sort((a, b) => a.start - b.start || b.end - a.end);
	const kept: KindWordsHint[] = [];
	for (const hint of hints) if (!kept.some((other) => hint.start < other.end && other.start < hint.end)) kept.push(hint);
	return kept;
}
