// The kind-words helper's tested list (issue 20, item 2): phrases that must be flagged, with what
// kind of hint, and ordinary sentences that must not be. A false alarm teaches people to ignore the
// helper, so the second list matters as much as the first. Add to both with every rule change.
import { describe, expect, it } from 'vitest';
import { kindWordsHints, type KindWordsKind } from '$lib/kind-words';

const MUST_FLAG: Array<[text: string, kind: KindWordsKind, words: string]> = [
	// Stigmatising words
	['My son is an addict and I am scared.', 'stigma', 'addict'],
	['Addicts lie, that is what they do.', 'stigma', 'Addicts'],
	['He hangs out with junkies again.', 'stigma', 'junkies'],
	['I refuse to have a junkie in my house.', 'stigma', 'junkie'],
	['She was treated like a crackhead at the ER.', 'stigma', 'crackhead'],
	['You are a drug abuser and everybody knows it.', 'stigma', 'drug abuser'],
	['He has been clean for 30 days!', 'stigma', 'been clean'],
	['90 days clean today, so proud.', 'stigma', '90 days clean'],
	['Three months clean and counting.', 'stigma', 'Three months clean'],
	['She is still clean, thank God.', 'stigma', 'is still clean'],
	['Her clean date is in March.', 'stigma', 'clean date'],
	['He is clean and sober now.', 'stigma', 'is clean'],
	['Please stay clean this weekend.', 'stigma', 'stay clean'],
	['I got clean in 2019.', 'stigma', 'got clean'],
	['He had a dirty test on Monday.', 'stigma', 'dirty test'],
	['The test came back dirty again.', 'stigma', 'test came back dirty'],
	['She tested dirty twice this month.', 'stigma', 'tested dirty'],
	// You always / you never
	['You always do this to us.', 'always-never', 'You always'],
	['You never call when you say you will.', 'always-never', 'You never'],
	['I waited all night and you never showed up.', 'always-never', 'you never'],
	["You're always late for dinner.", 'always-never', "You're always"],
	['Honestly you are never home anymore.', 'always-never', 'you are never'],
	// Why can't you
	["Why can't you just be normal?", 'why-cant-you', "Why can't you just"],
	['Why won’t you listen to me?', 'why-cant-you', 'Why won’t you'],
	['Why do you always lie to me?', 'why-cant-you', 'Why do you always'],
	["Why don't you ever think about us?", 'why-cant-you', "Why don't you ever"],
	// Blame
	["It's all your fault that Mom is sick.", 'blame', "It's all your fault"],
	['We lost the house because of you.', 'blame', 'because of you'],
	['You ruined Christmas for everyone.', 'blame', 'You ruined'],
	['You made me lie to your father.', 'blame', 'You made me lie'],
	["You're so selfish.", 'blame', "You're so selfish"],
	['You are a liar.', 'blame', 'You are a liar'],
	["What's wrong with you?", 'blame', "What's wrong with you"],
	// Ultimatums
	['This is your last chance.', 'ultimatum', 'This is your last chance'],
	["If you use again I'll kick you out.", 'ultimatum', "If you use again I'll kick you out"],
	["One more lie and we're finished.", 'ultimatum', 'One more lie and'],
	["I'm done with you.", 'ultimatum', "I'm done with you"],
	['Pay it back or else.', 'ultimatum', 'or else'],
	// Shouting
	['I AM SO TIRED OF THIS', 'shouting', 'I AM SO TIRED OF THIS'],
	['Come home now. WHERE ARE YOU GOING TONIGHT', 'shouting', 'WHERE ARE YOU GOING TONIGHT']
];

const MUST_NOT_FLAG: string[] = [
	'I cleaned the kitchen before everyone came.',
	'The house is clean and ready for Sunday.',
	'Can you put the clean towels in the bathroom?',
	'His room was clean for once!',
	'We want a clean start after the holidays.',
	'I put the dirty dishes in the sink.',
	'My shoes got dirty at the park.',
	'I will always love you.',
	'I will love you always, no matter what.',
	'You never have to go through this alone.',
	'You always have a home here.',
	'You can always call me, day or night.',
	'I know you always try your best.',
	'Thank you, you never fail to make me smile.',
	"Why don't you come for dinner on Sunday?",
	"Why don't you take the day off, you earned it.",
	'Why did the meeting move to Thursday?',
	"I feel scared when you don't answer, and I'd like a text when you're safe.",
	'I felt hurt last night. Can we talk after work?',
	'We went to the NA meeting together and it helped.',
	'Her appointment with the ICU nurse is at 3 PM.',
	'He finished the SMART Recovery session today.',
	'We are proud of the 30 days in recovery.',
	'She is in recovery and doing the work every day.',
	'The dog ran off, because of the thunder.',
	'I made a mistake and I am sorry.',
	"It's not your fault that you feel this way.",
	'I am done with my shift, on my way home.',
	'Last time we went to the lake was lovely.',
	'If you need anything, I will be there.',
	'If you want, we will pick you up after group.',
	'The counselor said to call 988 if things get bad.',
	'Sending love and a big hug.',
	"I'm here for you, always.",
	'We went to the ER, and everyone was kind.',
	'One more day and it is the weekend!',
	'He was dirty and tired after football practice.',
	'The sheets are clean, the bed is made.',
	'Why would you think that? I love you.',
	'You are always welcome here.',
	'Last chance to sign up for the picnic!',
	'THANK YOU SO MUCH EVERYONE',
	'You never know, it could be fine.',
	'If you don’t mind, I’ll leave early today.',
	'You always know what to say.',
	'You never let me down.'
];

describe('the kind-words helper flags', () => {
	it.each(MUST_FLAG)('%s', (text, kind, words) => {
		const hints = kindWordsHints(text);
		const hint = hints.find((found) => found.kind === kind);
		expect(hint, `no ${kind} hint in ${JSON.stringify(hints)}`).toBeDefined();
		expect(hint!.match.toLowerCase()).toBe(words.toLowerCase());
		expect(text.slice(hint!.start, hint!.end)).toBe(hint!.match);
		expect(hint!.suggestion.length).toBeGreaterThan(10);
	});

	it('offers the person-first words for stigmatising ones', () => {
		expect(kindWordsHints('He is an addict.')[0]!.instead).toMatch(/person in recovery/);
		expect(kindWordsHints('Addicts need help.')[0]!.instead).toMatch(/people in recovery/);
		expect(kindWordsHints('60 days clean!')[0]!.instead).toMatch(/in recovery/);
		expect(kindWordsHints('A dirty test again.')[0]!.instead).toBe('a positive test');
	});

	it('suggests an “I” statement for “you always”, “why can’t you” and blame', () => {
		for (const text of ['You always forget.', "Why can't you try?", 'You ruined it.']) {
			expect(kindWordsHints(text)[0]!.suggestion).toMatch(/“I” statement/);
		}
	});
});

describe('the kind-words helper says nothing about ordinary sentences', () => {
	it.each(MUST_NOT_FLAG)('%s', (text) => {
		expect(kindWordsHints(text)).toEqual([]);
	});
});

describe('the kind-words helper', () => {
	it('holds at least 40 tested phrases each way', () => {
		expect(MUST_FLAG.length).toBeGreaterThanOrEqual(40);
		expect(MUST_NOT_FLAG.length).toBeGreaterThanOrEqual(35);
		expect(MUST_FLAG.length + MUST_NOT_FLAG.length).toBeGreaterThanOrEqual(75);
	});

	it('gives each stretch of words one hint, in the order they appear', () => {
		const hints = kindWordsHints('You always say that. Why can’t you just stop? You are an addict.');
		expect(hints.map((hint) => hint.kind)).toEqual(['always-never', 'why-cant-you', 'stigma']);
		for (let i = 1; i < hints.length; i++) expect(hints[i]!.start).toBeGreaterThanOrEqual(hints[i - 1]!.end);
	});

	it('says nothing on empty text, and does not look at text longer than any form takes', () => {
		expect(kindWordsHints('')).toEqual([]);
		expect(kindWordsHints('You always '.repeat(3000))).toEqual([]);
	});

	it('finds nothing in a long ordinary text', () => {
		const text = 'I feel tired today and I would like us to talk, you know. '.repeat(300);
		expect(kindWordsHints(text)).toEqual([]);
	});
});
