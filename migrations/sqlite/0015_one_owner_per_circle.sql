-- One owner per circle (issue 17, point 3): a second owner is refused by the database itself,
-- whatever the code does. Handing over demotes the owner before promoting the new one, so it holds
-- after every statement. That there is always an owner is kept by the commands, which decide on
-- roles read under the circle's lock (src/lib/server/db/dialect.ts). The same index serves
-- PostgreSQL (migrations/postgres/0015_one_owner_per_circle.sql).
CREATE UNIQUE INDEX memberships_one_owner ON memberships (circle_id) WHERE role = 'owner';
