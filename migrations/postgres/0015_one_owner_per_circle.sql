-- One owner per circle (issue 17, point 3): see migrations/sqlite/0015_one_owner_per_circle.sql.
CREATE UNIQUE INDEX memberships_one_owner ON memberships (circle_id) WHERE role = 'owner';
