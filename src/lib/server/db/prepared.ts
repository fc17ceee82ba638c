// Domain modules import prepared() from here; it lives with the SQLite dialect (sqlite/prepared.ts
// says why it is SQLite's, and what a second dialect needs).
export { prepared } from './sqlite/prepared';
