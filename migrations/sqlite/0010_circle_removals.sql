-- Who was removed from a circle, and when: an invite link made before that moment does not let
-- them back in (a link with uses left would otherwise undo the removal). A link made after it
-- does, because the owner or an admin chose to invite them again; joining clears the row.
-- Someone who left by themselves has no row here. Only the person and the time are kept, and
-- the row goes with the circle or the person's account.
CREATE TABLE circle_removals (
	circle_id TEXT NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	removed_at INTEGER NOT NULL,
	PRIMARY KEY (circle_id, user_id)
);
