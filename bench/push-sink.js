// A push service of our own for `npm run bench -- --push`, in its own process so that its work is
// not the sender's: an HTTP server on 127.0.0.1 that answers every push 201, counts them per
// second, and checks a sample of them as a browser would (aes128gcm, a VAPID Authorization, and a
// body that decrypts with the subscription's keys to a text with no health words). Every bench
// subscription shares the one key pair made here (the server's work per push is the same).
// Run by run.js (fork); it says { origin, p256dh, auth } when listening, and answers 'stats'.
import { createECDH, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { decrypt } from 'http_ece';

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const auth = randomBytes(16);
const HEALTH_WORDS = /lapse|relapse|recover|mood|craving|feel|sober|slept|sponsor|tired/i;

let received = 0;
const perSecond = new Map();
const problems = [];
let checked = 0;

function check(request, body) {
	checked += 1;
	if (request.headers['content-encoding'] !== 'aes128gcm') problems.push(`content-encoding ${request.headers['content-encoding']}`);
	if (!/^vapid t=[^,]+, ?k=/.test(request.headers.authorization ?? '')) problems.push('no VAPID Authorization');
	try {
		const text = decrypt(body, { version: 'aes128gcm', privateKey: ecdh, authSecret: auth }).toString('utf8');
		const message = JSON.parse(text);
		if (HEALTH_WORDS.test(text)) problems.push(`health words in ${text}`);
		if (!/^Something new in /.test(message.body)) problems.push(`unexpected body ${message.body}`);
	} catch (error) {
		problems.push(`did not decrypt: ${error.message}`);
	}
}

const server = createServer((request, response) => {
	const chunks = [];
	request.on('data', (chunk) => chunks.push(chunk));
	request.on('end', () => {
		received += 1;
		const second = Math.floor(Date.now() / 1000);
		perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
		// Every hundredth is checked whole (decrypting each would make the sink the bottleneck).
		if (received % 100 === 1) check(request, Buffer.concat(chunks));
		response.writeHead(201).end();
	});
});

server.listen(0, '127.0.0.1', () => {
	const { port } = server.address();
	process.send({ origin: `http://127.0.0.1:${port}`, p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') });
});

process.on('message', (message) => {
	if (message === 'stats') process.send({ received, checked, problems: problems.slice(0, 10), perSecond: [...perSecond.entries()] });
	if (message === 'stop') server.close(() => process.exit(0));
});
