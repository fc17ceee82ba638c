import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 lane.
const ARGON2ID = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** NIST 800-63B asks verifiers to normalise Unicode so the same typed password always matches. */
function normalise(password: string): string {
	return password.normalize('NFKC');
}

export function hashPassword(password: string): Promise<string> {
	return hash(normalise(password), ARGON2ID);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, normalise(password));
	} catch {
		return false;
	}
}

let decoyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for an email with no account, so a bad login
 * takes about as long whichever of the two was wrong.
 */
export async function verifyAgainstDecoy(password: string): Promise<false> {
	decoyHash ??= hashPassword('decoy password that matches no account');
	await verifyPassword(await decoyHash, password);
	return false;
}
