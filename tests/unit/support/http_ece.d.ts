// http_ece has no types of its own; the tests use its decrypt only.
declare module 'http_ece' {
	import type { ECDH } from 'node:crypto';
	export function decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string | Buffer }): Buffer;
}
